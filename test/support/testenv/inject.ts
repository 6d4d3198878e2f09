export * from '../../../testkit/testenv/inject.ts';
