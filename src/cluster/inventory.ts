import type { KubeObject } from '../model/object.ts';
import { groupOf, idKey } from '../model/object.ts';
import type { ClusterClient } from './client.ts';
import type { ResourceInfo } from './discovery.ts';
import { labelValue, nameFragment, partOfLabel } from './labels.ts';
import { getLive, serverSideApply } from './objects.ts';

/** One object bosun applied: enough to find it again (version included, identity without it). */
export interface InventoryEntry {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface Inventory {
  environment: string;
  entries: InventoryEntry[];
}

export const inventoryNamespace = 'bosun-system';
export const inventoryLabel = 'bosun.dev/inventory';

const configMapInfo: ResourceInfo = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const namespaceInfo: ResourceInfo = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

/** What applies when nobody says what the environment belongs to (the CLI without `--part-of`). */
export const defaultPartOf = 'bosun';

/**
 * `bosun-inventory-<env>` for the default owner, `bosun-inventory-<owner>.<env>` otherwise (the GitHub App
 * uses the repository, so two repositories with a `staging` environment on one cluster never share an
 * inventory); names that are not DNS-safe get a hashed form.
 */
export function inventoryName(environment: string, partOf = defaultPartOf): string {
  return partOf === defaultPartOf ? `bosun-inventory-${nameFragment(environment)}` : `bosun-inventory-${nameFragment(`${partOf}.${environment}`, 80)}`;
}

export function entryOf(obj: KubeObject): InventoryEntry {
  const slash = obj.apiVersion.indexOf('/');
  return {
    group: groupOf(obj.apiVersion),
    version: slash < 0 ? obj.apiVersion : obj.apiVersion.slice(slash + 1),
    kind: obj.kind,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
}

export function entryKey(entry: InventoryEntry): string {
  return idKey(entry);
}

export function entryApiVersion(entry: InventoryEntry): string {
  return entry.group ? `${entry.group}/${entry.version}` : entry.version;
}

/** The inventory as a ConfigMap: one JSON entry per line, so `kubectl get -o yaml` stays readable. */
export function inventoryObject(inventory: Inventory, partOf: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(inventory.environment, partOf),
      namespace: inventoryNamespace,
      labels: { [inventoryLabel]: 'true', [partOfLabel]: labelValue(partOf) },
      annotations: { 'bosun.dev/description': 'Objects bosun applied for this environment; prune deletes those Git no longer has. Do not edit.' },
    },
    data: {
      environment: inventory.environment,
      entries: inventory.entries.map((e) => JSON.stringify([e.group, e.version, e.kind, e.namespace, e.name])).join('\n'),
    },
  };
}

/** Parses an inventory ConfigMap; malformed lines are skipped rather than trusted for deletion. */
export function parseInventory(obj: KubeObject): Inventory {
  const data = (obj.data ?? {}) as Record<string, string>;
  const entries: InventoryEntry[] = [];
  for (const line of (data.entries ?? '').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (Array.isArray(parsed) && parsed.length === 5 && parsed.every((p) => typeof p === 'string')) {
        const [group, version, kind, namespace, name] = parsed as string[];
        if (version && kind && name) entries.push({ group, version, kind, namespace, name });
      }
    } catch {
      // not ours: ignore
    }
  }
  return { environment: data.environment ?? '', entries };
}

export async function readInventory(client: ClusterClient, environment: string, partOf = defaultPartOf): Promise<Inventory | undefined> {
  const live = await getLive(client, configMapInfo, inventoryNamespace, inventoryName(environment, partOf));
  return live ? parseInventory(live) : undefined;
}

/** Writes the inventory, creating the `bosun-system` namespace first when it is missing. */
export async function writeInventory(client: ClusterClient, inventory: Inventory, partOf: string): Promise<void> {
  const existing = await getLive(client, namespaceInfo, '', inventoryNamespace);
  if (!existing || isTerminating(existing)) {
    await serverSideApply(client, namespaceInfo, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: inventoryNamespace } });
  }
  // The inventory is bosun's alone: force takes it back if anyone else touched it.
  await serverSideApply(client, configMapInfo, inventoryObject(inventory, partOf), { force: true });
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata?.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}
