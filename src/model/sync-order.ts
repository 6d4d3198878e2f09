import type { HookPhase } from './sync.ts';

/**
 * Argo CD's sync order (gitops-engine pkg/sync/sync_tasks.go): phase, then wave, then kind (Helm's install
 * order; kinds not in the list after all listed ones), then name. After sorting, a Namespace that comes
 * after the first object living in it moves right before that object and takes its phase and wave; a
 * CustomResourceDefinition likewise before the first object of its kind (adjustDeps). Pure.
 */

const phaseRank: Record<HookPhase, number> = { PreSync: -1, Sync: 0, PostSync: 1, SyncFail: 2 };

const kinds = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];
const kindRank = new Map(kinds.map((k, i) => [k, i - kinds.length]));

export interface SyncItem {
  phase: HookPhase;
  wave: number;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** For a CustomResourceDefinition: `group/Kind` of the objects it defines. */
  defines?: string;
}

/** The items in sync order, each with the phase and wave it runs in after the dependency adjustment. */
export function orderForSync<T extends SyncItem>(items: readonly T[]): T[] {
  const sorted = items.map((item) => ({ ...item })).sort((a, b) => phaseRank[a.phase] - phaseRank[b.phase]
    || a.wave - b.wave
    || (kindRank.get(a.kind) ?? 0) - (kindRank.get(b.kind) ?? 0)
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  adjust(sorted, (i) => (i.group === '' && i.kind === 'Namespace' ? i.name : undefined), (i) => (i.namespace !== '' ? i.namespace : undefined));
  adjust(sorted, (i) => i.defines, (i) => `${i.group}/${i.kind}`);
  return sorted;
}

/** Moves each dependency before the first item that refers to it, into that item's phase and wave. */
function adjust<T extends SyncItem>(list: T[], depKey: (item: T) => string | undefined, refKey: (item: T) => string | undefined): void {
  const firstRef = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const dep = depKey(item);
    if (dep !== undefined) {
      const at = firstRef.get(dep);
      if (at === undefined) continue;
      item.phase = list[at].phase;
      item.wave = list[at].wave;
      list.splice(i, 1);
      list.splice(at, 0, item);
      for (const [key, index] of firstRef) if (index >= at) firstRef.set(key, index + 1);
    } else {
      const ref = refKey(item);
      if (ref !== undefined && !firstRef.has(ref)) firstRef.set(ref, i);
    }
  }
}
