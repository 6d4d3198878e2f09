export * from '../../../testkit/testenv/lock.ts';
