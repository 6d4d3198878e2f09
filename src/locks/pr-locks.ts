/**
 * A PR's environment locks live as long as the PR: taken by `/bosun apply`, released on merge or close
 * (src/app.ts) or `/bosun unlock`. They are still leases, so a lock whose release never happened (a
 * missed `closed` webhook, a deleted repository, an uninstalled App) frees itself instead of blocking
 * the environment forever.
 */
import type { RepoRef } from '../jobs.ts';
import type { LockManager } from './index.ts';
import type { IndexLock } from '../report/index.ts';

/**
 * Default lease of a PR's environment lock: 7 days. Every event of the PR that reaches a worker (a
 * push, a command, a re-run) renews it, so only a PR left untouched for a week loses its lock; that
 * is long enough to cover a weekend and a review cycle, short enough that a lost `closed` webhook
 * does not block an environment for longer than a week.
 */
export const defaultPrLockTtlMs = 7 * 24 * 60 * 60 * 1000;

/**
 * Extends the locks the PR still holds. Best effort: a Redis hiccup must not fail the plan or the
 * command that carries it; the next event of the PR renews again, and the lease is days long.
 */
export async function renewPullRequestLocks(locks: LockManager, repo: RepoRef, pr: number): Promise<string[]> {
  try {
    return await locks.renewAllFor(repo.fullName, pr);
  } catch {
    return [];
  }
}

/** The PR holding each locked environment of the repository, for the plan comment's Lock column. */
export async function environmentLocks(locks: LockManager, repo: RepoRef): Promise<Map<string, IndexLock>> {
  const held = new Map<string, IndexLock>();
  for (const lock of await locks.list(repo.fullName)) held.set(lock.env, { pr: lock.holder.pr, url: lock.holder.url });
  return held;
}
