import type { PreviewObject, PreviewResult } from '../cluster/types.ts';
import { objectLabel as objectLabelOf } from '../model/object.ts';

/**
 * How the live cluster differs from what Git says, derived from the cluster engine's apply preview (a
 * server-side-apply dry run per object, with noise already removed and Secret values masked):
 * - `changed`: the object exists but applying Git would change it (edited, scaled or patched by hand);
 * - `missing`: Git has it, the cluster does not (deleted by hand);
 * - `extra`: bosun applied it earlier, Git no longer has it and prune would delete it;
 * - `conflict`: another field manager holds fields Git sets and bosun would not take them over.
 */
export type DriftKind = 'changed' | 'missing' | 'extra' | 'conflict';

export interface DriftItem {
  kind: DriftKind;
  apiVersion: string;
  objectKind: string;
  namespace: string;
  name: string;
  /** `idKey` of the object: stable sort and identity. */
  key: string;
  /** Unified diff, live (`-`) vs what Git would make it (`+`); Secret values masked. */
  diff?: string;
  /** Field managers that hold fields Git sets: who changed it by hand (`kubectl-edit`, `kubectl-scale`…). */
  changedBy?: string[];
  /** Secret keys that differ (values are never known here). */
  secretKeys?: { added: string[]; removed: string[]; changed: string[] };
  message?: string;
}

/** An object the dry run could not check: not drift, but the comparison is incomplete. */
export interface UncheckedItem {
  apiVersion: string;
  objectKind: string;
  namespace: string;
  name: string;
  key: string;
  message: string;
}

export interface DriftReport {
  environment: string;
  cluster: string;
  /** Objects compared (the desired ones; prune candidates are counted in items). */
  compared: number;
  items: DriftItem[];
  unchecked: UncheckedItem[];
  /** The engine's environment-level notes (prune off, empty render refused…). */
  notes: string[];
}

const order: Record<DriftKind, number> = { missing: 0, changed: 1, conflict: 2, extra: 3 };

function ref(o: PreviewObject) {
  return { apiVersion: o.apiVersion, objectKind: o.kind, namespace: o.namespace, name: o.name, key: o.key };
}

function managers(o: PreviewObject): string[] | undefined {
  const names = [...new Set((o.conflicts ?? []).map((c) => c.manager))].sort();
  return names.length > 0 ? names : undefined;
}

function item(kind: DriftKind, o: PreviewObject): DriftItem {
  const by = managers(o);
  return {
    kind,
    ...ref(o),
    ...(o.diff ? { diff: o.diff } : {}),
    ...(by ? { changedBy: by } : {}),
    ...(o.secretKeys ? { secretKeys: o.secretKeys } : {}),
    ...(o.message && kind === 'conflict' ? { message: o.message } : {}),
  };
}

/** The drift in an apply preview of the environment's desired state. Pure. */
export function driftReport(preview: PreviewResult): DriftReport {
  const items: DriftItem[] = [];
  const unchecked: UncheckedItem[] = [];
  for (const o of preview.objects) {
    switch (o.action) {
      case 'unchanged':
        break;
      case 'update':
        items.push(item('changed', o));
        break;
      case 'create':
        items.push(item('missing', o));
        break;
      case 'conflict':
        items.push(item('conflict', o));
        break;
      case 'prune':
        // Prune candidates come in preview.prunes.
        break;
      case 'rejected':
        unchecked.push({ ...ref(o), message: o.message ?? 'the API server rejected the dry run' });
        break;
    }
  }
  const notes = [...preview.notes];
  for (const o of preview.prunes) {
    if (o.action !== 'prune') continue;
    // Argo CD `compare-options: IgnoreExtraneous`: an extra object that does not count as drift.
    if (o.ignoredInDrift) notes.push(`${objectLabel({ objectKind: o.kind, namespace: o.namespace, name: o.name })} is no longer in Git but is not counted as drift (${o.ignoredInDrift})`);
    else items.push(item('extra', o));
  }
  items.sort((a, b) => order[a.kind] - order[b.kind] || a.key.localeCompare(b.key));
  unchecked.sort((a, b) => a.key.localeCompare(b.key));
  return { environment: preview.environment, cluster: preview.cluster, compared: preview.objects.length, items, unchecked, notes };
}

export function isDrifted(report: DriftReport): boolean {
  return report.items.length > 0;
}

/** `2 changed, 1 missing` — for summaries and deployment descriptions. */
export function driftCounts(report: Pick<DriftReport, 'items'>): string {
  const count = (k: DriftKind) => report.items.filter((i) => i.kind === k).length;
  const parts = (['changed', 'missing', 'extra', 'conflict'] as const).filter((k) => count(k) > 0).map((k) => `${count(k)} ${k === 'conflict' ? 'in conflict' : k}`);
  return parts.length > 0 ? parts.join(', ') : 'no drift';
}

/** `Deployment shop/web` */
export function objectLabel(o: { objectKind: string; namespace: string; name: string }): string {
  return objectLabelOf({ kind: o.objectKind, namespace: o.namespace, name: o.name });
}
