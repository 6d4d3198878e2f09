import { createHash } from 'node:crypto';
import type { Change } from '../model/change.ts';
import { idKey } from '../model/object.ts';
import type { EnvironmentPlan } from '../model/plan.ts';
import { changeId } from './change-diff.ts';
import { compareChanges } from './risk.ts';

/** One change that is byte-for-byte the same (action and normalised diff) in several environments. */
export interface FoldedChange {
  /** `foldKey` of the change: identity + action + diff hash. */
  key: string;
  change: Change;
  /** Environment names, in plan order. */
  environments: string[];
}

/**
 * Groups identical changes across environments so a report can say "same change in staging,
 * production" once. Only groups present in two or more environments are returned, riskiest first.
 */
export function foldAcrossEnvironments(plans: readonly EnvironmentPlan[]): FoldedChange[] {
  const groups = new Map<string, FoldedChange>();
  for (const plan of plans) {
    for (const change of plan.changes) {
      const key = foldKey(change);
      if (key === undefined) continue;
      const group = groups.get(key);
      if (!group) groups.set(key, { key, change, environments: [plan.name] });
      else if (!group.environments.includes(plan.name)) group.environments.push(plan.name);
    }
  }
  return [...groups.values()]
    .filter((group) => group.environments.length > 1)
    .sort((a, b) => compareChanges(a.change, b.change) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The grouping key of a change, or undefined when it must not be folded: a Secret whose keys gained
 * or changed values masks to the same text whatever the values are, so equal diffs would not mean
 * equal changes.
 */
export function foldKey(change: Change): string | undefined {
  if (change.secretKeys && (change.secretKeys.added.length > 0 || change.secretKeys.changed.length > 0)) return undefined;
  const hash = createHash('sha256').update(change.action).update('\0').update(change.diff).digest('hex').slice(0, 16);
  return `${idKey(changeId(change))}#${hash}`;
}
