export * from '../../testkit/harness.ts';
