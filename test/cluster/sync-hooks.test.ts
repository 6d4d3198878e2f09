import { afterEach, describe, expect, it } from 'vitest';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { applyEnvironment, syncEnvironment } from '../../src/cluster/environment.ts';
import { readInventory } from '../../src/cluster/inventory.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { configMap, deployment, environment, get, ns, rendered, suiteCleanup, testClient, waitFor } from './helpers.ts';
import { outcomeAnnotation, startStatusWriter, type StatusWriter } from './status-writer.ts';

const client = testClient();
const { setup } = suiteCleanup(client, 'hk');
const writers: StatusWriter[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.stop()));
});

function writer(namespace: string): StatusWriter {
  const w = startStatusWriter(client, namespace);
  writers.push(w);
  return w;
}

const job = (namespace: string, name: string, annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { ...(name.endsWith('-') ? { generateName: name } : { name }), namespace, annotations },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }] } } },
});

const withAnnotations = (obj: KubeObject, annotations: Record<string, string>): KubeObject => ({ ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, ...annotations } } });

async function jobs(namespace: string): Promise<KubeObject[]> {
  return (await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/apis/batch/v1/namespaces/${namespace}/jobs` })).body.items;
}

describe('Argo CD sync semantics on the test API server', () => {
  it('runs PreSync, the waves and PostSync in order, waits for health between waves and deletes hooks by policy', async () => {
    const { env, space } = setup();
    const w = writer(space);
    const objects = rendered(
      ns(space),
      job(space, 'upgrade-sql-schema-', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }),
      deployment(space, 'web'),
      configMap(space, 'settings', { a: '1' }),
      withAnnotations(configMap(space, 'late', { b: '2' }), { 'argocd.argoproj.io/sync-wave': '1' }),
      job(space, 'smoke-test', { 'argocd.argoproj.io/hook': 'PostSync' }),
    );
    const applying = applyEnvironment({ client, env: environment(env, { healthTimeoutSeconds: 60 }), objects, revision: 'abcdef0123456789', wait: false });
    // Wave 0 is applied; wave 1 waits for the Deployment, whose pods nothing has made ready yet.
    await waitFor('the pods of web', async () => {
      const pods = await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/api/v1/namespaces/${space}/pods`, query: { labelSelector: 'app=web' } });
      return pods.body.items.length > 0 ? true : undefined;
    });
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/late`)).toBeUndefined();
    w.ready('web');
    const report = await applying;
    expect(report.ok, renderApplySummary(report)).toBe(true);

    // What existed when each hook started: PreSync before any object of the sync, PostSync after all.
    expect(w.events).toEqual([
      expect.stringMatching(/^job upgrade-sql-schema-abcdef0-presync-\d+ started; configmaps: ; deployments: $/),
      'job smoke-test started; configmaps: late,settings; deployments: web',
    ]);
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/late`)).toBeDefined();
    // HookSucceeded: the PreSync Job is gone after the successful sync; the PostSync one stays (BeforeHookCreation).
    await waitFor('the PreSync job deleted', async () => ((await jobs(space)).some((j) => j.metadata?.name?.startsWith('upgrade-sql-schema-')) ? undefined : true));
    expect((await jobs(space)).map((j) => j.metadata?.name)).toEqual(['smoke-test']);
    expect(report.objects.filter((o) => o.stage === 'hook').map((o) => `${o.hook?.phase} ${o.name} ${o.hook?.outcome}${o.hook?.deleted ? ' deleted' : ''}`)).toEqual([
      expect.stringMatching(/^PreSync upgrade-sql-schema-abcdef0-presync-\d+ succeeded deleted$/),
      'PostSync smoke-test succeeded',
    ]);
    expect(report.steps?.map((s) => `${s.phase}${s.wave !== undefined ? ` ${s.wave}` : ''}: ${s.outcome}`)).toEqual(['PreSync 0: ok', 'Sync 0: ok', 'Sync 1: ok', 'PostSync 0: ok']);
    // The Namespace moves into PreSync: the PreSync hook lives in it (Argo CD's dependency adjustment).
    expect(renderApplySummary(report)).toMatch(/sync steps:\n {4}PreSync: 1 object, 1 hook: done in [\d.]+ s\n {4}wave 0: 2 objects: done in [\d.]+ s\n {4}wave 1: 1 object: done in [\d.]+ s\n {4}PostSync: 1 hook: done/);

    // Hooks are never in the inventory; the next sync replaces the PostSync hook's earlier run.
    const inventory = await readInventory(client, env);
    expect(inventory?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/late', 'ConfigMap/settings', 'Deployment/web', `Namespace/${space}`]);
    const firstRun = (await get(client, `/apis/batch/v1/namespaces/${space}/jobs/smoke-test`))?.metadata?.uid;
    const again = await applyEnvironment({ client, env: environment(env, { healthTimeoutSeconds: 60 }), objects, revision: 'abcdef0123456789', wait: false });
    expect(again.ok, renderApplySummary(again)).toBe(true);
    const secondRun = (await get(client, `/apis/batch/v1/namespaces/${space}/jobs/smoke-test`))?.metadata?.uid;
    expect(secondRun).toBeDefined();
    expect(secondRun).not.toBe(firstRun);
  });

  it('stops the sync when a PreSync hook fails, runs the SyncFail hooks and prunes nothing', async () => {
    const { env, space } = setup();
    const w = writer(space);
    const first = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'old', { v: '1' })), wait: false });
    expect(first.ok).toBe(true);
    const objects = rendered(
      ns(space),
      job(space, 'migrate-', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed', [outcomeAnnotation]: 'fail' }),
      configMap(space, 'new', { v: '2' }),
      job(space, 'page-the-oncall', { 'argocd.argoproj.io/hook': 'SyncFail' }),
      job(space, 'smoke-test', { 'argocd.argoproj.io/hook': 'PostSync' }),
    );
    const report = await applyEnvironment({ client, env: environment(env, { healthTimeoutSeconds: 30 }), objects, revision: '0123456789abcdef' });
    expect(report.ok).toBe(false);
    expect(report.objects.find((o) => o.name === 'new')).toMatchObject({ action: 'skipped', error: expect.stringContaining('PreSync hook Job migrate-0123456-presync-') });
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/new`)).toBeUndefined();
    // Nothing pruned after a failed sync.
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/old`)).toBeDefined();
    expect(report.notes.join('\n')).toMatch(/PreSync hook Job migrate-.* failed: nothing was pruned/);
    expect(w.events.map((e) => e.split(' ')[1].replace(/-0123456-presync-\d+$/, '-*'))).toEqual(['migrate-*', 'page-the-oncall']);
    const hooks = Object.fromEntries(report.objects.filter((o) => o.stage === 'hook').map((o) => [o.hook!.phase, o]));
    expect(hooks.PreSync).toMatchObject({ action: 'failed', error: expect.stringContaining('job failed (BackoffLimitExceeded)'), hook: { outcome: 'failed', deleted: true } });
    expect(hooks.SyncFail).toMatchObject({ action: 'created', hook: { outcome: 'succeeded' } });
    expect(hooks.PostSync).toMatchObject({ action: 'skipped', hook: { outcome: 'not run' } });
    // HookFailed: the failed migration Job is deleted; the SyncFail Job stays.
    await waitFor('the failed PreSync job deleted', async () => ((await jobs(space)).some((j) => j.metadata?.name?.startsWith('migrate-')) ? undefined : true));
    expect((await jobs(space)).map((j) => j.metadata?.name)).toEqual(['page-the-oncall']);
    expect(report.steps?.map((s) => `${s.phase}: ${s.outcome}`)).toEqual(['PreSync: failed', 'Sync: not run', 'PostSync: not run', 'SyncFail: ok']);
  });

  it('never prunes hooks, in apply or in sync mode, and keeps Prune=false objects', async () => {
    const { env, space } = setup();
    writer(space);
    const hook = job(space, 'seed-data', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'Never' });
    const kept = withAnnotations(configMap(space, 'kept', { v: '1' }), { 'argocd.argoproj.io/sync-options': 'Prune=false' });
    const first = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), hook, kept, configMap(space, 'gone', { v: '1' })) });
    expect(first.ok, renderApplySummary(first)).toBe(true);
    // Git drops the hook and both ConfigMaps.
    const second = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space)), wait: false });
    expect(second.ok, renderApplySummary(second)).toBe(true);
    expect(second.objects.filter((o) => o.stage === 'prune').map((o) => `${o.name}: ${o.action}${o.error ? ` (${o.error})` : ''}`).sort()).toEqual([
      'gone: pruned',
      'kept: skipped (kept: annotated argocd.argoproj.io/sync-options: Prune=false)',
    ]);
    expect(await get(client, `/apis/batch/v1/namespaces/${space}/jobs/seed-data`)).toBeDefined();
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/kept`)).toBeDefined();
    // Sync mode finds owned objects by label as well: the hook carries none of the environment's labels.
    const synced = await syncEnvironment({ client, env: environment(env), objects: rendered(ns(space)), wait: false });
    expect(synced.ok, renderApplySummary(synced)).toBe(true);
    expect(await get(client, `/apis/batch/v1/namespaces/${space}/jobs/seed-data`)).toBeDefined();
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/kept`)).toBeDefined();
  });

  it('keeps Delete=false objects when the environment is removed, and prunes in reverse wave order', async () => {
    const { env, space } = setup();
    const objects = rendered(
      withAnnotations(configMap(space, 'first', { v: '1' }), { 'argocd.argoproj.io/sync-wave': '-1' }),
      withAnnotations(configMap(space, 'last', { v: '1' }), { 'argocd.argoproj.io/sync-wave': '5' }),
      withAnnotations(configMap(space, 'data', { v: '1' }), { 'argocd.argoproj.io/sync-options': 'Delete=false' }),
      withAnnotations(configMap(space, 'final', { v: '1' }), { 'argocd.argoproj.io/sync-options': 'PruneLast=true' }),
    );
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space)), wait: false });
    const applied = await applyEnvironment({ client, env: environment(env), objects: [...rendered(ns(space)), ...objects], wait: false });
    expect(applied.ok, renderApplySummary(applied)).toBe(true);
    expect(applied.objects.filter((o) => o.kind === 'ConfigMap').map((o) => `${o.wave}:${o.name}`)).toEqual(['-1:first', '0:data', '0:final', '5:last']);
    const removed = await applyEnvironment({ client, env: environment(env, { allowEmpty: true }), objects: [], removal: true, wait: false });
    expect(removed.ok, renderApplySummary(removed)).toBe(true);
    // Highest wave first, PruneLast after everything; the namespace goes with the others of wave 0.
    expect(removed.objects.filter((o) => o.stage === 'prune' && o.kind === 'ConfigMap').map((o) => `${o.name}: ${o.action}`)).toEqual([
      'last: pruned', 'data: skipped', 'first: pruned', 'final: pruned',
    ]);
    expect(removed.objects.find((o) => o.name === 'data')?.error).toBe('kept: annotated argocd.argoproj.io/sync-options: Delete=false: kept when its environment is removed');
  });

  it('an Argo CD Application deleted with its objects leaves its CRDs and helm.sh/resource-policy: keep objects; a sync prunes a keep object', async () => {
    const { env, space } = setup();
    const plural = `w${space.replace(/[^a-z0-9]/g, '')}`;
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.kept.bosun.test` },
      spec: { group: 'kept.bosun.test', scope: 'Namespaced', names: { kind: 'Widget', plural, singular: `${plural}x` }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    };
    try {
      const argo = environment(env, { source: 'argocd', allowEmpty: true });
      const keep = { 'helm.sh/resource-policy': 'keep' };
      // The namespace is not the environment's (its deletion would take the kept object with it).
      await client.request({ method: 'POST', path: '/api/v1/namespaces', body: ns(space) });
      const all = [crd, configMap(space, 'data', { v: '1' }, keep), configMap(space, 'cache', { v: '1' }, keep), configMap(space, 'plain', { v: '1' })];
      const applied = await applyEnvironment({ client, env: argo, objects: rendered(...all), wait: false });
      expect(applied.ok, renderApplySummary(applied)).toBe(true);
      // A sync's prune reads only Prune= (gitops-engine pruneObject): the keep object Git drops goes.
      const synced = await applyEnvironment({ client, env: argo, objects: rendered(...all.filter((o) => o.metadata?.name !== 'cache')), wait: false });
      expect(synced.objects.filter((o) => o.stage === 'prune').map((o) => `${o.name}: ${o.action}`)).toEqual(['cache: pruned']);
      expect(await get(client, `/api/v1/namespaces/${space}/configmaps/cache`)).toBeUndefined();
      // The Application is deleted (its environment removed): the CRD and the keep object stay, the neighbour goes.
      const removed = await applyEnvironment({ client, env: argo, objects: [], removal: true, wait: false });
      expect(removed.ok, renderApplySummary(removed)).toBe(true);
      const prunes = removed.objects.filter((o) => o.stage === 'prune').map((o) => `${o.name}: ${o.action}${o.error ? ` (${o.error})` : ''}`).sort();
      expect(prunes).toEqual([
        "data: skipped (kept: annotated helm.sh/resource-policy: keep: Argo CD's cascading deletion of the Application leaves it)",
        'plain: pruned',
        `${plural}.kept.bosun.test: skipped (kept: a CustomResourceDefinition: Argo CD's cascading deletion of an Application never deletes CRDs (their custom resources would go with them))`,
      ]);
      expect(await get(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.kept.bosun.test`)).toBeDefined();
      expect(await get(client, `/api/v1/namespaces/${space}/configmaps/data`)).toBeDefined();
      expect(await get(client, `/api/v1/namespaces/${space}/configmaps/plain`)).toBeUndefined();
    } finally {
      await client.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.kept.bosun.test` }).catch(() => undefined);
    }
  });

  it('creates the destination namespace for CreateNamespace=true without tracking it, and replaces objects for Replace=true', async () => {
    const { env, space } = setup();
    const settings = environment(env, { namespace: space, apply: { createNamespace: { labels: { team: 'shop' } }, replace: true } });
    const report = await applyEnvironment({ client, env: settings, objects: rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { v: '1' } }), wait: false });
    expect(report.ok, renderApplySummary(report)).toBe(true);
    expect((await get(client, `/api/v1/namespaces/${space}`))?.metadata?.labels).toMatchObject({ team: 'shop' });
    const cm = await get(client, `/api/v1/namespaces/${space}/configmaps/app`);
    // Replaced (kubectl create/replace), not server-side applied: the manager's operation is Update.
    expect((cm?.metadata?.managedFields as Array<{ manager: string; operation: string }>).find((m) => m.manager === 'bosun')?.operation).toBe('Update');
    expect((await readInventory(client, env))?.entries.map((e) => e.kind)).toEqual(['ConfigMap']);
    const again = await applyEnvironment({ client, env: settings, objects: rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { v: '2' } }), wait: false });
    expect(again.objects.find((o) => o.name === 'app')?.action).toBe('configured');
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/app`))?.data).toEqual({ v: '2' });
  });
});
