/**
 * Reading an environment's apply history. Every apply is recorded, `/bosun apply` before merge
 * included, so the dashboard shows what is in the cluster; but a pre-merge apply's commit is a pull
 * request's head, not a state of the default branch: a rollback never goes back to it and drift
 * detection never takes it as the baseline.
 */
import type { ApplyRecord } from '../../../src/jobs.ts';

/** Applies of default-branch commits, in the order given (newest first for EnvStatusStore.history). */
export function defaultBranchApplies(history: readonly ApplyRecord[]): ApplyRecord[] {
  return history.filter((r) => r.trigger !== 'pre-merge');
}

/**
 * The last apply of a default-branch commit, for the rules that order applies (promotion, a queued
 * apply still pending): the last apply itself, unless it was a pre-merge apply — then the newest
 * successful default-branch apply before it (a failure before it is no longer known).
 */
export function lastDefaultBranchApply(last: ApplyRecord | undefined, history: readonly ApplyRecord[]): ApplyRecord | undefined {
  if (!last || last.trigger !== 'pre-merge') return last;
  return defaultBranchApplies(history)[0];
}
