export * from '../../testkit/example-repo.ts';
