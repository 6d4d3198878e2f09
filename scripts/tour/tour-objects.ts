// Removing what the tour put in the cluster: its namespaces (waiting until they are gone) and the
// inventories bosun keeps for its environments — only when they list nothing but the tour's namespaces,
// since on a shared cluster another `staging` may be someone else's.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterClient } from '../../src/cluster/client.ts';
import { inventoryName, inventoryNamespace, readInventory } from '../../src/cluster/inventory.ts';

export async function deleteTourObjects(client: ClusterClient, namespaces: readonly string[], envs: readonly string[]): Promise<void> {
  const ours = new Set(namespaces);
  for (const env of envs) {
    const inventory = await readInventory(client, env);
    if (inventory && inventory.entries.every((e) => ours.has(e.namespace) || (e.kind === 'Namespace' && ours.has(e.name)))) {
      await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${inventoryNamespace}/configmaps/${inventoryName(env)}` }).catch(() => undefined);
    }
  }
  await Promise.all(namespaces.map((ns) => client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const left = (await Promise.all(namespaces.map(async (ns) => ((await client.getOrUndefined(`/api/v1/namespaces/${ns}`)) ? ns : undefined)))).filter(Boolean);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`namespaces still terminating after 90 s: ${left.join(', ')}`);
    await sleep(500);
  }
}
