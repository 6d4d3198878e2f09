export * from '../../testkit/git-repo.ts';
