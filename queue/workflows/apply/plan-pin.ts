/**
 * Plan pinning: does the merge commit apply what the pull request's reviewers saw? Pure rules; the
 * apply processor renders the planned head and the merge commit and hands the difference in.
 */
import type { ApplyTrigger } from '../../../src/jobs.ts';
import type { Change } from '../../../src/model/change.ts';
import type { PlanPin } from '../../../src/report/plan-pin.ts';

/** Only a merge from a pull request compares with its last plan. */
export function comparesWithPlan(trigger: ApplyTrigger, pr: number | undefined): pr is number {
  return trigger === 'merge' && pr !== undefined;
}

/**
 * The verdict from what is known: the planned head, the merge commit, and either the changes between
 * their renders (none needed when they are the same commit) or why the planned head could not be
 * rendered again.
 */
export function planPinOf(input: { pr: number; plannedSha: string; sha: string; compared?: { changes: readonly Change[] } | { error: string } }): PlanPin {
  const { pr, plannedSha } = input;
  if (plannedSha === input.sha) return { kind: 'matches', pr, plannedSha };
  const compared = input.compared;
  if (!compared) return { kind: 'unknown', pr, plannedSha, reason: 'the planned head was not compared' };
  if ('error' in compared) return { kind: 'unknown', pr, plannedSha, reason: compared.error };
  return compared.changes.length === 0 ? { kind: 'matches', pr, plannedSha } : { kind: 'differs', pr, plannedSha, changes: [...compared.changes] };
}
