import { afterAll, describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { inventoryName, readInventory } from '../../src/cluster/inventory.ts';
import { environmentLabel, partOfLabel } from '../../src/cluster/labels.ts';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';
import { configMap, deleteInventory, deleteNamespaces, deployment, environment, get, ns, rendered, service, testClient, unique, waitFor } from './helpers.ts';

const client = testClient();
const namespaces: string[] = [];
const inventories: string[] = [];

function track(env: string, ...nss: string[]): void {
  inventories.push(inventoryName(env));
  namespaces.push(...nss);
}

afterAll(async () => {
  await deleteNamespaces(client, namespaces);
  await Promise.all(inventories.map((name) => deleteInventory(client, name)));
  client.close();
});

const actions = (report: { objects: Array<{ key: string; action: string }> }): Record<string, string> =>
  Object.fromEntries(report.objects.map((o) => [o.key, o.action]));

describe('applying an environment', () => {
  it('creates, updates and prunes objects, labelling what it owns', async () => {
    const env = unique('env');
    const space = unique('shop');
    track(env, space);
    const first = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'a', { v: '1' }), configMap(space, 'b', { v: '1' })) });
    expect(first.ok).toBe(true);
    expect(actions(first)).toEqual({ [`/Namespace//${space}`]: 'created', [`/ConfigMap/${space}/a`]: 'created', [`/ConfigMap/${space}/b`]: 'created' });
    const a = await get(client, `/api/v1/namespaces/${space}/configmaps/a`);
    expect(a?.metadata?.labels).toMatchObject({ [environmentLabel]: env, [partOfLabel]: 'bosun' });
    expect((a?.metadata?.managedFields as Array<{ manager: string }>).map((m) => m.manager)).toContain('bosun');

    const second = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'a', { v: '2' })) });
    expect(second.ok).toBe(true);
    expect(actions(second)).toEqual({ [`/Namespace//${space}`]: 'unchanged', [`/ConfigMap/${space}/a`]: 'configured', [`/ConfigMap/${space}/b`]: 'pruned' });
    expect(second.pruned).toBe(1);
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/a`))?.data).toEqual({ v: '2' });
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/b`)).toBeUndefined();
    const inventory = await readInventory(client, env);
    expect(inventory?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/a', `Namespace/${space}`]);
    expect(renderApplySummary(second)).toMatch(/pruned +ConfigMap .*\/b/);
  });

  it('keeps two repositories with an environment of the same name apart: own inventories, no pruning of each other', async () => {
    const env = unique('staging');
    const [spaceA, spaceB] = [unique('repo-a'), unique('repo-b')];
    namespaces.push(spaceA, spaceB);
    inventories.push(inventoryName(env, 'acme/payments'), inventoryName(env, 'acme/search'));
    expect(inventoryName(env, 'acme/payments')).not.toBe(inventoryName(env, 'acme/search'));
    const a = await applyEnvironment({ client, env: environment(env), partOf: 'acme/payments', objects: rendered(ns(spaceA), configMap(spaceA, 'a', { v: '1' })) });
    const b = await applyEnvironment({ client, env: environment(env), partOf: 'acme/search', objects: rendered(ns(spaceB), configMap(spaceB, 'b', { v: '1' })) });
    expect([a.ok, b.ok]).toEqual([true, true]);
    // The second repository's apply pruned nothing of the first, and a re-apply of the first prunes nothing of the second.
    expect(b.pruned).toBe(0);
    const again = await applyEnvironment({ client, env: environment(env), partOf: 'acme/payments', objects: rendered(ns(spaceA), configMap(spaceA, 'a', { v: '2' })) });
    expect(again.pruned).toBe(0);
    expect((await get(client, `/api/v1/namespaces/${spaceB}/configmaps/b`))?.data).toEqual({ v: '1' });
    expect((await readInventory(client, env, 'acme/search'))?.entries.map((e) => e.name).sort()).toEqual(['b', spaceB].sort());
    expect(await readInventory(client, env)).toBeUndefined();
  });

  it('re-applies Services and Deployments whose ports leave out the protocol (server-side apply needs it as a list key)', async () => {
    const env = unique('env');
    const space = unique('ports');
    track(env, space);
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: space }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
    const deploy = deployment(space, 'web');
    const container = (deploy.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0]!;
    container.ports = [{ name: 'http', containerPort: 8080 }];
    const objects = rendered(ns(space), svc, deploy);
    const first = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(first.ok, renderApplySummary(first)).toBe(true);
    // The second apply of the same manifests is the one API servers refused ("omits key field protocol").
    const second = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(second.ok, renderApplySummary(second)).toBe(true);
    expect(actions(second)[`/Service/${space}/web`]).toBe('unchanged');
    expect(((await get(client, `/api/v1/namespaces/${space}/services/web`))?.spec as { ports: Array<{ protocol: string }> }).ports[0]!.protocol).toBe('TCP');
  });

  it('changes nothing when the same objects are applied again', async () => {
    const env = unique('env');
    const space = unique('idem');
    track(env, space);
    const objects = rendered(ns(space), configMap(space, 'cfg', { a: '1' }), deployment(space, 'web'), service(space, 'web'));
    const first = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(first.ok).toBe(true);
    const paths = [`/api/v1/namespaces/${space}`, `/api/v1/namespaces/${space}/configmaps/cfg`, `/apis/apps/v1/namespaces/${space}/deployments/web`, `/api/v1/namespaces/${space}/services/web`];
    const versionsBefore = await Promise.all(paths.map(async (p) => (await get(client, p))?.metadata?.resourceVersion));
    const deploymentBefore = await get(client, paths[2]);

    const second = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(second.ok).toBe(true);
    expect(second.objects.map((o) => o.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    // The deployment controller writes status on its own; compare what we own: spec and generation.
    const deploymentAfter = await get(client, paths[2]);
    expect(deploymentAfter?.metadata?.generation).toBe(deploymentBefore?.metadata?.generation);
    const versionsAfter = await Promise.all(paths.map(async (p) => (await get(client, p))?.metadata?.resourceVersion));
    expect([versionsAfter[0], versionsAfter[1], versionsAfter[3]]).toEqual([versionsBefore[0], versionsBefore[1], versionsBefore[3]]);
  });

  it('tells created, configured and unchanged apart when many objects share a namespace', async () => {
    const env = unique('env');
    const space = unique('many');
    track(env, space);
    const many = (changed: number) => Array.from({ length: 12 }, (_, i) => configMap(space, `cm-${i}`, { v: i === changed ? 'new' : 'old' }));
    const first = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), ...many(-1)) });
    expect(first.counts).toMatchObject({ created: 13, failed: 0 });
    // Twelve ConfigMaps in one namespace are read with one LIST instead of twelve GETs.
    const proxy = await startFaultProxy(testKubeconfig());
    const watched = testClient({ kubeconfigPath: proxy.httpsKubeconfigPath });
    const second = await applyEnvironment({ client: watched, env: environment(env), objects: rendered(ns(space), ...many(5)), wait: false }).finally(async () => {
      watched.close();
      await proxy.stop();
    });
    const reads = proxy.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/api/v1/namespaces/${space}/configmaps`));
    expect(reads.map((r) => r.path.split('?')[0])).toEqual([`/api/v1/namespaces/${space}/configmaps`]);
    expect(second.ok).toBe(true);
    expect(second.objects.filter((o) => o.action !== 'unchanged').map((o) => `${o.name}:${o.action}`)).toEqual(['cm-5:configured']);
    expect(second.counts.unchanged).toBe(12);
  });

  it('creates a namespace and the objects in it in one apply', async () => {
    const env = unique('env');
    const spaces = [unique('ns-a'), unique('ns-b')];
    track(env, ...spaces);
    // Namespaced objects first in the input: ordering is bosun's job, not the author's.
    const objects = rendered(
      deployment(spaces[1], 'api'), service(spaces[1], 'api'), configMap(spaces[0], 'settings', { x: 'y' }),
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${env}-reader` }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
      ns(spaces[0]), ns(spaces[1]),
    );
    const report = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(report.ok).toBe(true);
    expect(report.objects.map((o) => o.kind)).toEqual(['Namespace', 'Namespace', 'ClusterRole', 'ConfigMap', 'Service', 'Deployment']);
    expect(report.counts.created).toBe(6);
    await applyEnvironment({ client, env: environment(env), objects: [], prune: true, wait: false, }).then((r) => {
      // An empty render never prunes unless allowed.
      expect(r.ok).toBe(false);
      expect(r.notes.join('\n')).toContain('prune refused: the render is empty');
    });
    expect(await get(client, `/apis/apps/v1/namespaces/${spaces[1]}/deployments/api`)).toBeDefined();
    const emptied = await applyEnvironment({ client, env: environment(env, { allowEmpty: true }), objects: [], wait: false });
    expect(emptied.ok).toBe(true);
    expect(emptied.pruned).toBe(6);
    expect(await get(client, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${env}-reader`)).toBeUndefined();
  });

  it('applies a CRD and its custom resources together and waits for the CRD to be established', async () => {
    const env = unique('env');
    const space = unique('crd');
    const group = `${unique('g')}.bosun.test`;
    track(env, space);
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    const widget = (name: string, size: number): KubeObject => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name, namespace: space }, spec: { size } });
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(widget('w1', 1), widget('w2', 2), crd, ns(space)) });
    expect(report.ok).toBe(true);
    expect(actions(report)).toMatchObject({ [`${group}/Widget/${space}/w1`]: 'created', [`${group}/Widget/${space}/w2`]: 'created', [`apiextensions.k8s.io/CustomResourceDefinition//widgets.${group}`]: 'created' });
    expect(report.health?.verdict).toBe('healthy');
    expect((await get(client, `/apis/${group}/v1/namespaces/${space}/widgets/w2`))?.spec).toEqual({ size: 2 });

    // Removing the CRD and its resources from Git prunes the resources before the definition.
    const pruned = await applyEnvironment({ client, env: environment(env, { allowEmpty: true }), objects: rendered(ns(space)) });
    expect(pruned.ok).toBe(true);
    expect(pruned.objects.filter((o) => o.stage === 'prune').map((o) => `${o.kind}:${o.action}`)).toEqual(['Widget:pruned', 'Widget:pruned', 'CustomResourceDefinition:pruned']);
    await waitFor('the CRD to go', async () => ((await get(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`)) ? undefined : true));
  });

  it('keeps objects annotated bosun.dev/prune: disabled and objects someone else took over', async () => {
    const env = unique('env');
    const space = unique('keep');
    track(env, space);
    await applyEnvironment({
      client,
      env: environment(env),
      objects: rendered(ns(space), configMap(space, 'kept', { a: '1' }, { 'bosun.dev/prune': 'disabled' }), configMap(space, 'taken', { a: '1' }), configMap(space, 'dropped', { a: '1' })),
    });
    // Someone relabels "taken" for another environment: it is no longer ours to delete.
    await client.request({
      method: 'PATCH', path: `/api/v1/namespaces/${space}/configmaps/taken`, contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { [environmentLabel]: 'someone-else' } } },
    });
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space)) });
    expect(report.ok).toBe(true);
    const prunes = Object.fromEntries(report.objects.filter((o) => o.stage === 'prune').map((o) => [o.name, `${o.action}: ${o.error ?? ''}`]));
    expect(prunes.dropped).toBe('pruned: ');
    expect(prunes.kept).toContain('skipped: kept: annotated bosun.dev/prune: disabled');
    expect(prunes.taken).toContain(`skipped: kept: it no longer carries ${environmentLabel}=${env} (now someone-else)`);
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/kept`)).toBeDefined();
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/taken`)).toBeDefined();
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/dropped`)).toBeUndefined();
  });

  it('applies nothing when an object cannot be applied at all', async () => {
    const env = unique('env');
    const space = unique('bad');
    track(env, space);
    const report = await applyEnvironment({
      client,
      env: environment(env),
      objects: rendered(ns(space), configMap(space, 'fine', { a: '1' }), { apiVersion: 'nowhere.example.com/v1', kind: 'Ghost', metadata: { name: 'g', namespace: space } }),
    });
    expect(report.ok).toBe(false);
    const ghost = report.objects.find((o) => o.kind === 'Ghost');
    expect(ghost?.action).toBe('failed');
    expect(ghost?.error).toContain('does not serve Ghost in nowhere.example.com/v1');
    expect(report.objects.filter((o) => o.kind !== 'Ghost').every((o) => o.action === 'skipped')).toBe(true);
    expect(await get(client, `/api/v1/namespaces/${space}`)).toBeUndefined();
  });

  it('reports a server-side rejection per object and prunes nothing after it', async () => {
    const env = unique('env');
    const space = unique('rej');
    track(env, space);
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'old', { a: '1' })) });
    const broken = deployment(space, 'broken');
    (broken.spec as { selector: unknown }).selector = { matchLabels: { app: 'other' } }; // does not match the template
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), broken, configMap(space, 'new', { a: '1' })), wait: false });
    expect(report.ok).toBe(false);
    const failed = report.objects.find((o) => o.name === 'broken');
    expect(failed?.action).toBe('failed');
    expect(failed?.error).toMatch(/^422 Invalid: .*selector/);
    expect(report.objects.find((o) => o.name === 'new')?.action).toBe('created');
    expect(report.notes).toContain('apply failed for 1 object(s): nothing was pruned');
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/old`)).toBeDefined();
    // The inventory still tracks "old", so a later successful apply prunes it.
    const fixed = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'new', { a: '1' })) });
    expect(fixed.ok).toBe(true);
    expect(fixed.objects.find((o) => o.name === 'old')?.action).toBe('pruned');
  });
});
