import { describe, expect, it } from 'vitest';
import { applyEnvironment, syncEnvironment } from '../../src/cluster/environment.ts';
import { inventoryName, readInventory } from '../../src/cluster/inventory.ts';
import { configMap, deleteInventory, deleteNamespaces, deployment, environment, get, ns, rendered, service, testClient, unique, waitFor, suiteCleanup } from './helpers.ts';

const client = testClient();
const { track } = suiteCleanup(client);

describe('disaster recovery', () => {
  it('brings back every object after its namespaces were deleted', async () => {
    const env = unique('env');
    const spaces = [unique('dr-a'), unique('dr-b')];
    track(env, ...spaces);
    const objects = rendered(
      ns(spaces[0]), ns(spaces[1]),
      configMap(spaces[0], 'settings', { mode: 'live' }), deployment(spaces[0], 'web'), service(spaces[0], 'web'),
      configMap(spaces[1], 'other', { a: '1' }),
    );
    const first = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(first.ok).toBe(true);

    await deleteNamespaces(client, spaces);
    // The namespace controller takes seconds to empty a namespace with workloads in it; meanwhile it is
    // Terminating and a plain apply cannot re-create it.
    expect((await get(client, `/api/v1/namespaces/${spaces[0]}`))?.metadata?.deletionTimestamp).toBeDefined();
    const applied = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(applied.ok).toBe(false);
    expect(applied.objects.find((o) => o.name === spaces[0])?.error).toMatch(/is being deleted; .*`bosun sync`/);
    expect(applied.objects.find((o) => o.name === 'settings')?.action).toBe('skipped');

    const synced = await syncEnvironment({ client, env: environment(env), objects, wait: false });
    expect(synced.mode).toBe('sync');
    expect(synced.ok).toBe(true);
    expect(synced.objects.filter((o) => o.action === 'failed')).toEqual([]);
    for (const path of [
      `/api/v1/namespaces/${spaces[0]}/configmaps/settings`,
      `/apis/apps/v1/namespaces/${spaces[0]}/deployments/web`,
      `/api/v1/namespaces/${spaces[0]}/services/web`,
      `/api/v1/namespaces/${spaces[1]}/configmaps/other`,
    ]) {
      const live = await get(client, path);
      expect(live, path).toBeDefined();
      expect(live?.metadata?.deletionTimestamp).toBeUndefined();
    }
    expect((await get(client, `/api/v1/namespaces/${spaces[0]}/configmaps/settings`))?.data).toEqual({ mode: 'live' });
  });

  it('finds what the environment owns by its labels when the inventory is lost, and prunes it', async () => {
    const env = unique('env');
    const space = unique('dr-inv');
    track(env, space);
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'keep', { a: '1' }), configMap(space, 'leak', { a: '1' })) });
    await deleteInventory(client, inventoryName(env));

    // A plain apply without an inventory cannot know "leak" was ours…
    const applied = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'keep', { a: '1' })) });
    expect(applied.pruned).toBe(0);
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/leak`)).toBeDefined();

    // …sync finds it by its labels and prunes it.
    const synced = await syncEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'keep', { a: '1' })) });
    expect(synced.ok).toBe(true);
    expect(synced.objects.filter((o) => o.stage === 'prune').map((o) => `${o.name}:${o.action}`)).toEqual(['leak:pruned']);
    await waitFor('leak to be gone', async () => ((await get(client, `/api/v1/namespaces/${space}/configmaps/leak`)) ? undefined : true));
    expect((await readInventory(client, env))?.entries.map((e) => e.name).sort()).toEqual(['keep', space].sort());
  });
});
