export * from '../../../testkit/testenv/http.ts';
