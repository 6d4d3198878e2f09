import type { KubeObject } from '../model/object.ts';
import { mapLimit } from '../util/limit.ts';
import { describeFailure } from './api-error.ts';
import type { ClusterClient } from './client.ts';
import { entryApiVersion, entryKey, type InventoryEntry } from './inventory.ts';
import { environmentLabel, isPruneDisabled, partOfLabel, pruneAnnotation, pruneDisabled } from './labels.ts';
import { deleteObject, getLive } from './objects.ts';
import { applyPhases, compareApplyOrder, phaseOf, type ApplyPhase } from './order.ts';
import type { ObjectRef, ObjectResult, ProgressFn } from './types.ts';

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
}

/**
 * Deletes the candidates (results in deletion order), phases in reverse apply order (namespaced objects, then cluster-scoped, then
 * Namespaces and CRDs), each phase in parallel. An object is kept when it is already gone, is annotated
 * `bosun.dev/prune: disabled`, or no longer carries this environment's label (someone else owns it now).
 */
export async function pruneObjects(client: ClusterClient, candidates: readonly PruneCandidate[], options: PruneOptions): Promise<ObjectResult[]> {
  const results = new Map<string, ObjectResult>();
  let done = 0;
  for (const phase of [...applyPhases].reverse()) {
    const batch = candidates.filter((c) => c.phase === phase);
    await mapLimit(batch, client.concurrency, async (candidate) => {
      results.set(candidate.key, await pruneOne(client, candidate, options));
      done++;
      options.onProgress?.({ stage: 'prune', message: `${results.get(candidate.key)!.action} ${candidate.kind} ${candidate.namespace ? `${candidate.namespace}/` : ''}${candidate.name}`, done, total: candidates.length });
    });
  }
  // Deletion order: what a reader of the report sees is what happened.
  return [...applyPhases].reverse().flatMap((phase) => candidates.filter((c) => c.phase === phase).map((c) => results.get(c.key)!));
}

async function pruneOne(client: ClusterClient, candidate: PruneCandidate, options: PruneOptions): Promise<ObjectResult> {
  const { entry: _entry, phase: _phase, ...ref } = candidate;
  const result = (action: ObjectResult['action'], error?: string): ObjectResult => ({ ...ref, action, stage: 'prune', ...(error ? { error } : {}) });
  try {
    const info = await client.resources.find(candidate.apiVersion, candidate.kind);
    if (!info) return result('skipped', `already gone: the cluster no longer serves ${candidate.kind} in ${candidate.apiVersion}`);
    const live: KubeObject | undefined = await getLive(client, info, candidate.namespace, candidate.name);
    if (!live) return result('skipped', 'already gone');
    if (isPruneDisabled(live)) return result('skipped', `kept: annotated ${pruneAnnotation}: ${pruneDisabled}`);
    const label = live.metadata?.labels?.[environmentLabel];
    if (label !== options.environmentLabelValue) {
      return result('skipped', `kept: it no longer carries ${environmentLabel}=${options.environmentLabelValue}${label ? ` (now ${label})` : ''}, so bosun does not own it`);
    }
    const owner = live.metadata?.labels?.[partOfLabel];
    if (options.partOfLabelValue !== undefined && owner !== options.partOfLabelValue) {
      return result('skipped', `kept: it carries ${partOfLabel}=${owner ?? '(none)'}, not ${options.partOfLabelValue}, so another repository owns it`);
    }
    const deleted = await deleteObject(client, info, candidate.namespace, candidate.name, { dryRun: options.dryRun });
    return deleted ? result('pruned') : result('skipped', 'already gone');
  } catch (error) {
    return result('failed', describeFailure(error));
  }
}
