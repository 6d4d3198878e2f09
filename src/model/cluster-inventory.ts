import { selectorMatches, type LabelSelector } from './label-selector.ts';

/**
 * What discovery may know about the registered clusters: their names, labels and groups, never
 * credentials. Tools that pick clusters by label (Rancher Fleet targets, Argo CD cluster generators)
 * select from these. Built from the server-side cluster registry (src/cluster/registry.ts).
 */
export interface ClusterInventory {
  clusters: InventoryCluster[];
  /** Fleet-style cluster groups: a named selector over the clusters' labels, with labels of its own. */
  groups: InventoryGroup[];
}

export interface InventoryCluster {
  name: string;
  labels: Record<string, string>;
  /** Annotations of its Argo CD cluster secret (the clusters generator's `metadata.annotations`), when the registry gives them. */
  annotations?: Record<string, string>;
  /** The API server URL Argo CD knows the cluster by (its cluster secret's `server`, no trailing "/"), when the registry gives one. */
  server?: string;
}

export interface InventoryGroup {
  name: string;
  /** Fleet's ClusterGroup `spec.selector`: absent selects no cluster, `{}` every cluster. */
  selector?: LabelSelector;
  labels: Record<string, string>;
}

/** The groups `cluster` belongs to, by name, with each group's own labels (Fleet's clusterGroupsForCluster). */
export function groupsOf(inventory: ClusterInventory, cluster: InventoryCluster): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const group of inventory.groups) {
    if (group.selector && selectorMatches(group.selector, cluster.labels)) out.set(group.name, group.labels);
  }
  return out;
}

/** "`a`, `b`" (sorted), or "no clusters": the registry's cluster names as messages quote them. */
export function registryDefines(inventory: { clusters: ReadonlyArray<{ name: string }> }): string {
  const names = [...new Set(inventory.clusters.map((c) => c.name))].sort().map((c) => `\`${c}\``);
  return names.length > 0 ? names.join(', ') : 'no clusters';
}
