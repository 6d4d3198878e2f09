export * from '../../../testkit/testenv/cluster.ts';
