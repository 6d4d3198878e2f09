export * from '../../../testkit/testenv/build.ts';
