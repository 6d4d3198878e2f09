export * from '../../../testkit/testenv/paths.ts';
