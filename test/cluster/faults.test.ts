import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterClient } from '../../src/cluster/client.ts';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { inventoryName, readInventory } from '../../src/cluster/inventory.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import { BosunError } from '../../src/model/errors.ts';
import type { RetryNotice } from '../../src/cluster/retry.ts';
import type { ProgressEvent } from '../../src/cluster/types.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';
import { configMap, deleteInventory, deleteNamespaces, deployment, environment, get, ns, rendered, testClient, unique } from './helpers.ts';

const direct = testClient();
let proxy: FaultProxy;
const namespaces: string[] = [];
const inventories: string[] = [];
const clients: ClusterClient[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy(testKubeconfig());
});
beforeEach(() => proxy.clearFaults());
afterAll(async () => {
  for (const c of clients) c.close();
  await proxy.stop();
  await deleteNamespaces(direct, namespaces);
  await Promise.all(inventories.map((name) => deleteInventory(direct, name)));
  direct.close();
});

/** A fresh client (no pooled connections yet) through one of the proxy's doors, with quick retries. */
function via(door: 'tcp' | 'https', notices: RetryNotice[] = [], requestTimeoutMs = 10_000): ClusterClient {
  const client = testClient({
    kubeconfigPath: door === 'tcp' ? proxy.tcpKubeconfigPath : proxy.httpsKubeconfigPath,
    retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 3_000 },
    requestTimeoutMs,
    onRetry: (n) => notices.push(n),
  });
  clients.push(client);
  return client;
}

function setup(): { env: string; space: string } {
  const env = unique('env');
  const space = unique('flt');
  namespaces.push(space);
  inventories.push(inventoryName(env));
  return { env, space };
}

const fiveConfigMaps = (space: string, value = '1') => [1, 2, 3, 4, 5].map((i) => configMap(space, `cm${i}`, { v: value }));

describe('fault tolerance', () => {
  it('retries connections the network resets and still applies everything', async () => {
    const { env, space } = setup();
    const notices: RetryNotice[] = [];
    const client = via('tcp', notices);
    proxy.resetNextConnections(3);
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), ...fiveConfigMaps(space)) });
    expect(proxy.resets).toBeGreaterThanOrEqual(3);
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(report.ok).toBe(true);
    expect(report.counts.created).toBe(6);
    expect(await get(direct, `/api/v1/namespaces/${space}/configmaps/cm5`)).toBeDefined();
  });

  it('gives up on a connection that does not answer in time and retries on a new one', async () => {
    const { env, space } = setup();
    const notices: RetryNotice[] = [];
    const client = via('tcp', notices, 300);
    proxy.delayNextConnections(2, 2_000);
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'slow', { a: '1' })) });
    expect(report.ok).toBe(true);
    expect(notices.some((n) => (n.error as { code?: string }).code === 'ETIMEDOUT')).toBe(true);
  });

  it('retries server errors until the API server recovers', async () => {
    const { env, space } = setup();
    const notices: RetryNotice[] = [];
    const client = via('https', notices);
    // Fewer failures than tries per request: whichever requests they hit, each one eventually succeeds.
    proxy.failRequests({ count: 3, status: 503 });
    const progress: ProgressEvent[] = [];
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), ...fiveConfigMaps(space)), onProgress: (e) => progress.push(e) });
    expect(report.ok).toBe(true);
    expect(proxy.requests.filter((r) => r.injected && r.status === 503)).toHaveLength(3);
    expect(notices).toHaveLength(3);
    const retries = progress.filter((e) => e.stage === 'retry');
    expect(retries).toHaveLength(3);
    expect(retries[0].message).toMatch(/failed \(503 ServiceUnavailable: injected by the fault proxy: 503\); try 2 of 4 in \d+ ms$/);
    expect(await get(direct, `/api/v1/namespaces/${space}/configmaps/cm5`)).toBeDefined();
  });

  it('waits at least as long as Retry-After says when throttled', async () => {
    const { env, space } = setup();
    const notices: RetryNotice[] = [];
    const client = via('https', notices);
    proxy.failRequests({ count: 1, status: 429, retryAfterSeconds: 1 });
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space)) });
    expect(report.ok).toBe(true);
    expect(notices).toHaveLength(1);
    expect(notices[0].delayMs).toBeGreaterThanOrEqual(1_000);
  });

  it('does not retry a request the API server rejected', async () => {
    const { env, space } = setup();
    const client = via('https');
    const bad = deployment(space, 'bad');
    (bad.spec as { selector: unknown }).selector = { matchLabels: { app: 'mismatch' } };
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), bad), wait: false });
    expect(report.objects.find((o) => o.name === 'bad')?.action).toBe('failed');
    expect(report.unreachable).toBeUndefined();
    expect(proxy.requests.filter((r) => r.method === 'PATCH' && r.path.includes(`/namespaces/${space}/deployments/bad`))).toHaveLength(1);
  });

  it('reports a partial apply object by object and prunes nothing when the retry budget runs out', async () => {
    const { env, space } = setup();
    const first = await applyEnvironment({ client: direct, env: environment(env), objects: rendered(ns(space), ...fiveConfigMaps(space)) });
    expect(first.ok).toBe(true);

    const client = via('https');
    proxy.failRequests({ count: Infinity, status: 503, match: { method: 'PATCH', path: `/namespaces/${space}/configmaps/cm3` } });
    // cm5 is gone from Git, cm1..cm4 change.
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), ...fiveConfigMaps(space, '2').slice(0, 4)) });
    expect(report.ok).toBe(false);
    const byName = Object.fromEntries(report.objects.map((o) => [o.name, o]));
    expect(byName.cm3.action).toBe('failed');
    expect(byName.cm3.error).toBe('503 ServiceUnavailable: injected by the fault proxy: 503 (after 4 tries)');
    // The server did not answer about cm3: the report says so, and the apply job repeats the run once it answers.
    expect(report.unreachable).toBe(`ConfigMap ${space}/cm3: 503 ServiceUnavailable: injected by the fault proxy: 503 (after 4 tries)`);
    for (const name of ['cm1', 'cm2', 'cm4']) expect(byName[name].action).toBe('configured');
    expect(byName.cm5).toBeUndefined();
    expect(report.pruned).toBe(0);
    expect(report.notes).toContain('apply failed for 1 object(s): nothing was pruned');
    expect(report.health).toBeUndefined();
    expect(await get(direct, `/api/v1/namespaces/${space}/configmaps/cm5`)).toBeDefined();
    expect((await get(direct, `/api/v1/namespaces/${space}/configmaps/cm3`))?.data).toEqual({ v: '1' });
    expect((await readInventory(direct, env))?.entries.map((e) => e.name)).toContain('cm5');
  });

  it('says an apply preview could not be taken when the API server stops answering, instead of predicting a failed apply', async () => {
    const { env, space } = setup();
    const first = await applyEnvironment({ client: direct, env: environment(env), objects: rendered(ns(space), ...fiveConfigMaps(space)) });
    expect(first.ok).toBe(true);
    const objects = rendered(ns(space), ...fiveConfigMaps(space, '2'));

    // The same change previews as five updates while the server answers...
    const answered = await previewEnvironment({ client: via('https'), env: environment(env), objects });
    expect(answered.ok).toBe(true);
    expect(answered.objects.filter((o) => o.action === 'update').map((o) => o.name).sort()).toEqual(['cm1', 'cm2', 'cm3', 'cm4', 'cm5']);

    // ...and, once the server answers one dry run with 503 past every retry, as no preview at all, naming
    // the cluster, rather than as cm3 "rejected" (which the report would call a predicted failure).
    proxy.failRequests({ count: Infinity, status: 503, match: { method: 'PATCH', path: `/namespaces/${space}/configmaps/cm3` } });
    const outage = previewEnvironment({ client: via('https'), env: environment(env), objects });
    await expect(outage).rejects.toBeInstanceOf(BosunError);
    await expect(outage).rejects.toMatchObject({ kind: 'cluster', message: expect.stringMatching(/cluster "[^"]+" \(https:\/\/[^)]+\) answered 503/) });
    // Nothing was changed by either preview.
    expect((await get(direct, `/api/v1/namespaces/${space}/configmaps/cm3`))?.data).toEqual({ v: '1' });
  });
});
