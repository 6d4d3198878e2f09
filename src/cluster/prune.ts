import type { KubeObject } from '../model/object.ts';
import { mapLimit } from '../util/limit.ts';
import { describeFailure } from './api-error.ts';
import type { ClusterClient } from './client.ts';
import { entryApiVersion, entryKey, type InventoryEntry } from './inventory.ts';
import { objectApplyOptions } from '../model/apply-options.ts';
import type { ResourceInfo } from './discovery.ts';
import { environmentLabel, partOfLabel } from './labels.ts';
import { pruneKeepReason, type PruneRules } from './prune-rules.ts';
import { isServerAway } from './retry.ts';
import { deleteObject, getLive } from './objects.ts';
import { applyPhases, compareApplyOrder, phaseOf, type ApplyPhase } from './order.ts';
import type { ObjectRef, ObjectResult, ProgressFn } from './types.ts';
import { objectLabel } from '../model/object.ts';

export interface PruneCandidate extends ObjectRef {
  entry: InventoryEntry;
  phase: ApplyPhase;
}

/**
 * What the previous inventory has and the desired set does not, by identity (group/kind/namespace/name:
 * a version bump is not a removal), in apply order. Pure.
 */
export function planPrune(previous: readonly InventoryEntry[], desiredKeys: ReadonlySet<string>): PruneCandidate[] {
  const seen = new Set<string>();
  const out: PruneCandidate[] = [];
  for (const entry of previous) {
    const key = entryKey(entry);
    if (desiredKeys.has(key) || seen.has(key)) continue;
    seen.add(key);
    const apiVersion = entryApiVersion(entry);
    out.push({
      entry,
      id: { group: entry.group, kind: entry.kind, namespace: entry.namespace, name: entry.name },
      key,
      apiVersion,
      kind: entry.kind,
      namespace: entry.namespace,
      name: entry.name,
      phase: phaseOf({ apiVersion, kind: entry.kind }, entry.namespace !== ''),
    });
  }
  return out.sort(compareApplyOrder);
}

export interface PruneOptions {
  /** The environment label value objects must still carry to be deleted. */
  environmentLabelValue: string;
  /** The part-of label value they must still carry (absent: not checked). */
  partOfLabelValue?: string;
  dryRun?: boolean;
  onProgress?: ProgressFn;
  /** Sync options and waves (default: Argo CD's annotations, no environment options). */
  rules?: PruneRules;
}

interface Candidate {
  candidate: PruneCandidate;
  info?: ResourceInfo;
  live?: KubeObject;
  error?: string;
  unreachable?: true;
}

/**
 * Deletes the candidates (results in deletion order). Argo CD's order (gitops-engine sync_context.go):
 * waves in reverse (the highest wave first), `PruneLast` objects after all others; within a wave the
 * phases in reverse apply order (namespaced objects, then cluster-scoped, then Namespaces and CRDs), each
 * in parallel. An object is kept when it is already gone, a rule keeps it (prune-rules.ts: `bosun.dev/prune:
 * disabled`, `Prune=false`…), or it no longer carries this environment's label (someone else owns it now).
 */
export async function pruneObjects(client: ClusterClient, candidates: readonly PruneCandidate[], options: PruneOptions): Promise<ObjectResult[]> {
  const rules: PruneRules = options.rules ?? { semantics: 'argocd' };
  // Live objects first: their annotations decide the order (wave, PruneLast) and what is kept.
  const read = await mapLimit(candidates, client.concurrency, async (candidate): Promise<Candidate> => {
    try {
      const info = await client.resources.find(candidate.apiVersion, candidate.kind);
      const live = info ? await getLive(client, info, candidate.namespace, candidate.name) : undefined;
      return { candidate, ...(info ? { info } : {}), ...(live ? { live } : {}) };
    } catch (error) {
      return { candidate, error: describeFailure(error), ...(isServerAway(error) ? { unreachable: true as const } : {}) };
    }
  });
  const orderOf = (c: Candidate): { last: number; wave: number } => {
    const o = objectApplyOptions(c.live, rules.policy, rules.semantics);
    return { last: o.pruneLast ? 1 : 0, wave: o.wave };
  };
  const groups = new Map<string, { last: number; wave: number; items: Candidate[] }>();
  for (const c of read) {
    const o = orderOf(c);
    const key = `${o.last}/${o.wave}`;
    const group = groups.get(key) ?? { ...o, items: [] };
    group.items.push(c);
    groups.set(key, group);
  }
  const ordered = [...groups.values()].sort((a, b) => a.last - b.last || b.wave - a.wave);
  const withWave = ordered.length > 1;
  const results = new Map<string, ObjectResult>();
  const sequence: string[] = [];
  let done = 0;
  for (const group of ordered) {
    for (const phase of [...applyPhases].reverse()) {
      const batch = group.items.filter((c) => c.candidate.phase === phase);
      sequence.push(...batch.map((c) => c.candidate.key));
      await mapLimit(batch, client.concurrency, async (c) => {
        const result = await pruneOne(client, c, options, rules);
        if (withWave) result.wave = group.wave;
        results.set(c.candidate.key, result);
        done++;
        options.onProgress?.({ stage: 'prune', message: `${result.action} ${objectLabel(c.candidate)}`, done, total: candidates.length });
      });
    }
  }
  // Deletion order: what a reader of the report sees is what happened.
  return sequence.map((key) => results.get(key)!);
}

async function pruneOne(client: ClusterClient, c: Candidate, options: PruneOptions, rules: PruneRules): Promise<ObjectResult> {
  const { entry: _entry, phase: _phase, ...ref } = c.candidate;
  const result = (action: ObjectResult['action'], error?: string): ObjectResult => ({ ...ref, action, stage: 'prune', ...(error ? { error } : {}) });
  if (c.error) return { ...result('failed', c.error), ...(c.unreachable ? { unreachable: c.unreachable } : {}) };
  if (!c.info) return result('skipped', `already gone: the cluster no longer serves ${ref.kind} in ${ref.apiVersion}`);
  if (!c.live) return result('skipped', 'already gone');
  try {
    const keep = pruneKeepReason(c.live, rules);
    if (keep) return result('skipped', `kept: ${keep}`);
    const label = c.live.metadata?.labels?.[environmentLabel];
    if (label !== options.environmentLabelValue) {
      return result('skipped', `kept: it no longer carries ${environmentLabel}=${options.environmentLabelValue}${label ? ` (now ${label})` : ''}, so bosun does not own it`);
    }
    const owner = c.live.metadata?.labels?.[partOfLabel];
    if (options.partOfLabelValue !== undefined && owner !== options.partOfLabelValue) {
      return result('skipped', `kept: it carries ${partOfLabel}=${owner ?? '(none)'}, not ${options.partOfLabelValue}, so another repository owns it`);
    }
    const deleted = await deleteObject(client, c.info, ref.namespace, ref.name, { dryRun: options.dryRun, ...(rules.policy?.prunePropagationPolicy ? { propagation: rules.policy.prunePropagationPolicy } : {}) });
    return deleted ? result('pruned') : result('skipped', 'already gone');
  } catch (error) {
    return { ...result('failed', describeFailure(error)), ...(isServerAway(error) ? { unreachable: true as const } : {}) };
  }
}
