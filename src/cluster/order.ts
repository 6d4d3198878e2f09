import type { KubeObject } from '../model/object.ts';
import { groupOf } from '../model/object.ts';

/**
 * Apply phases, in order. Definitions (Namespaces, CRDs) must exist before anything that lives in them
 * or is an instance of them; cluster-scoped objects (ClusterRoles, StorageClasses…) before the namespaced
 * objects that refer to them. Prune walks the phases backwards.
 */
export const applyPhases = ['definitions', 'cluster', 'namespaced'] as const;
export type ApplyPhase = (typeof applyPhases)[number];

export function isNamespace(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.apiVersion === 'v1' && obj.kind === 'Namespace';
}

export function isCrd(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return groupOf(obj.apiVersion) === 'apiextensions.k8s.io' && obj.kind === 'CustomResourceDefinition';
}

export function phaseOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>, namespaced: boolean): ApplyPhase {
  if (isNamespace(obj) || isCrd(obj)) return 'definitions';
  return namespaced ? 'namespaced' : 'cluster';
}

/**
 * Within a phase, kinds others depend on go first (Helm's install order, shortened), so a sequential
 * reader of the report sees a sensible story, and deletes in reverse leave workloads before their config.
 */
const kindOrder = [
  'Namespace', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass', 'IngressClass', 'ClusterRole',
  'ClusterRoleBinding', 'ResourceQuota', 'LimitRange', 'NetworkPolicy', 'ServiceAccount', 'Secret',
  'ConfigMap', 'PersistentVolume', 'PersistentVolumeClaim', 'Role', 'RoleBinding', 'Service', 'DaemonSet',
  'Deployment', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'Ingress', 'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
];

export interface Orderable {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  phase: ApplyPhase;
}

/** Stable apply order: phase, then kind order (unknown kinds last, by name), then namespace and name. */
export function compareApplyOrder(a: Orderable, b: Orderable): number {
  const phase = applyPhases.indexOf(a.phase) - applyPhases.indexOf(b.phase);
  if (phase !== 0) return phase;
  const ka = kindRank(a.kind);
  const kb = kindRank(b.kind);
  if (ka !== kb) return ka - kb;
  return a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

function kindRank(kind: string): number {
  const i = kindOrder.indexOf(kind);
  return i < 0 ? kindOrder.length : i;
}
