export * from '../../../testkit/testenv/credentials.ts';
