export * from '../../../testkit/testenv/exec.ts';
