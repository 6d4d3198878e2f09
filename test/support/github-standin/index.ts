export * from '../../../testkit/github-standin/index.ts';
