export * from '../../../testkit/testenv/binaries.ts';
