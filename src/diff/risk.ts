import type { Change, RiskClass } from '../model/change.ts';
import { riskClasses } from '../model/change.ts';
import type { KubeObject } from '../model/object.ts';
import { groupOf, idKey } from '../model/object.ts';
import { isPlainObject } from './normalize.ts';

/** Deleting these loses data or everything inside them. */
const criticalOnDelete = new Set(['/Namespace', 'apiextensions.k8s.io/CustomResourceDefinition', '/PersistentVolumeClaim', '/PersistentVolume']);
const rbacKinds = new Set(['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding', '/ServiceAccount']);
const containerLists = ['containers', 'initContainers', 'ephemeralContainers'];

/**
 * The riskiest class that applies to a change. Any create or update of an RBAC object counts as
 * widening: telling a real widening from a narrowing needs rule semantics we do not model, and a
 * reviewer should look either way.
 */
export function classifyRisk(change: Pick<Change, 'action' | 'apiVersion' | 'kind'>, base?: KubeObject, head?: KubeObject): RiskClass {
  const kindKey = `${groupOf(change.apiVersion)}/${change.kind}`;
  if (change.action === 'delete') return criticalOnDelete.has(kindKey) ? 'deletion-critical' : 'deletion';
  // volumeClaimTemplates are immutable: changing them means deleting and recreating the StatefulSet.
  if (change.action === 'update' && kindKey === 'apps/StatefulSet'
    && JSON.stringify(specField(base, 'volumeClaimTemplates')) !== JSON.stringify(specField(head, 'volumeClaimTemplates'))) {
    return 'deletion-critical';
  }
  if (rbacKinds.has(kindKey)) return 'rbac';
  if (change.action === 'update' && base && head) {
    if (JSON.stringify(images(base)) !== JSON.stringify(images(head))) return 'image';
    if (JSON.stringify(specField(base, 'replicas')) !== JSON.stringify(specField(head, 'replicas'))) return 'replicas';
  }
  return 'other';
}

/** Riskiest first (the order of `riskClasses`), then by identity; a new array, input untouched. */
export function sortByRisk<T extends Pick<Change, 'risk' | 'apiVersion' | 'kind' | 'namespace' | 'name'>>(changes: readonly T[]): T[] {
  return [...changes].sort(compareChanges);
}

export function compareChanges(a: Pick<Change, 'risk' | 'apiVersion' | 'kind' | 'namespace' | 'name'>, b: Pick<Change, 'risk' | 'apiVersion' | 'kind' | 'namespace' | 'name'>): number {
  const byRisk = riskClasses.indexOf(a.risk) - riskClasses.indexOf(b.risk);
  if (byRisk !== 0) return byRisk;
  const ka = idKey({ group: groupOf(a.apiVersion), kind: a.kind, namespace: a.namespace, name: a.name });
  const kb = idKey({ group: groupOf(b.apiVersion), kind: b.kind, namespace: b.namespace, name: b.name });
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The riskiest class among changes, or undefined when there are none. */
export function highestRisk(changes: readonly Pick<Change, 'risk'>[]): RiskClass | undefined {
  let best: number | undefined;
  for (const change of changes) {
    const index = riskClasses.indexOf(change.risk);
    if (best === undefined || index < best) best = index;
  }
  return best === undefined ? undefined : riskClasses[best];
}

function specField(obj: KubeObject | undefined, field: string): unknown {
  const spec = obj?.spec;
  return isPlainObject(spec) ? spec[field] : undefined;
}

/**
 * Every container image in the object, by where it sits: found by shape (a map with a `containers`
 * list), so Deployments, CronJobs, Pods and custom workloads (Rollouts, Knative services) all count.
 */
function images(obj: KubeObject): string[] {
  const found: string[] = [];
  // A loop, not recursion: how deep an object goes is up to its author.
  const stack: Array<{ value: unknown; path: string }> = [{ value: obj, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]` }));
      continue;
    }
    if (!isPlainObject(value)) continue;
    for (const list of containerLists) {
      const containers = value[list];
      if (!Array.isArray(containers)) continue;
      for (const container of containers) {
        if (isPlainObject(container)) found.push(`${path}.${list}.${String(container.name)}=${String(container.image)}`);
      }
    }
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: `${path}.${key}` });
  }
  return found.sort();
}
