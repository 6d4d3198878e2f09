import { rm } from 'node:fs/promises';
import { afterAll } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange, type PlanOptions } from '../../src/plan/plan.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

/**
 * `planOf(before, after)`: the plan of a two-commit repository (testkit makeTwoCommitRepo: `before` as
 * 'base', `after` written over it as 'change'), base HEAD~1 against HEAD, with `options`. Call it at the
 * top of a suite: the repositories are removed after the suite's tests.
 */
export function twoCommitPlanner(options: Omit<PlanOptions, 'repoDir' | 'base' | 'head'> = {}): (before: Record<string, string>, after: Record<string, string>) => Promise<PlanResult> {
  const repos: GitRepoBuilder[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
  });
  return async (before, after) => {
    const repo = await makeTwoCommitRepo(before, after);
    repos.push(repo);
    return planChange({ ...options, repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
  };
}
