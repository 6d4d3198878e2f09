// Rancher Fleet bundles are Helm releases (the Fleet agent installs and upgrades each with Helm): on the
// test API server, the merge's apply of a Fleet environment follows Helm's rules, not Argo CD's —
// `argocd.argoproj.io/sync-options: Prune=false` keeps nothing and an `argocd.argoproj.io/hook` object is
// an ordinary object of the release, while a chart template's `helm.sh/hook: pre-install` Job runs before
// the objects on the install and not on an upgrade. The plan agrees (plan/kept.ts, plan/sync-plan.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { readInventory } from '../../src/cluster/inventory.ts';
import type { Change } from '../../src/model/change.ts';
import type { Environment } from '../../src/model/environment.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { keptByController } from '../../src/plan/kept.ts';
import { syncPlanOf } from '../../src/plan/sync-plan.ts';
import { configMap, environment, get, ns, suiteCleanup, testClient } from './helpers.ts';
import { startStatusWriter, type StatusWriter } from './status-writer.ts';

const client = testClient();
const { setup } = suiteCleanup(client, 'fh');
const writers: StatusWriter[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.stop()));
});

const bundle = 'fleet/web';
const fleetEnv = (name: string, space: string) => environment(name, { source: 'fleet', path: bundle, namespace: space, fleet: { bundle: 'web', releaseName: 'web', overlays: [], defaultNamespace: space, valuesFiles: [], definedBy: [] } });
// As the Fleet renderer gives them: a file of the bundle's templates/ is a template of the chart Fleet's Helm installs.
const at = (file: string, object: KubeObject): RenderedObject => ({ object, source: { file: `${bundle}/${file}`, line: 1 }, ...(file.startsWith('templates/') ? { helmTemplate: true as const } : {}) });
const job = (namespace: string, name: string, annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace, annotations },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }] } } },
});

async function jobNames(namespace: string): Promise<string[]> {
  const list = await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/apis/batch/v1/namespaces/${namespace}/jobs` });
  return list.body.items.filter((j) => !j.metadata?.deletionTimestamp).map((j) => j.metadata?.name ?? '').sort();
}

describe('Fleet bundles on the test API server: the agent\'s Helm rules', () => {
  it('prunes an object Git drops although it says Prune=false, as the plan shows it deleted', async () => {
    const { env, space } = setup();
    const settings = fleetEnv(env, space);
    const kept = configMap(space, 'legacy', { v: '1' }, { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    const base = [at('namespace.yaml', ns(space)), at('legacy.yaml', kept), at('web.yaml', configMap(space, 'web', { v: '1' }))];
    const first = await applyEnvironment({ client, env: settings, objects: base, wait: false });
    expect(first.ok, renderApplySummary(first)).toBe(true);

    // The plan: Helm's upgrade deletes what the bundle no longer renders; Argo CD's Prune=false means nothing to it.
    const drop: Change = { action: 'delete', apiVersion: 'v1', kind: 'ConfigMap', namespace: space, name: 'legacy', risk: 'deletion', diff: '' };
    const planned = keptByController({ ...settings, cluster: 'test', render: 'fleet' } as unknown as Environment, base, [drop], false);
    expect(planned.kept).toEqual([]);
    expect(planned.changes).toEqual([drop]);

    // The merge: pruned alike.
    const second = await applyEnvironment({ client, env: settings, objects: base.filter((r) => r.object.metadata?.name !== 'legacy'), wait: false });
    expect(second.ok, renderApplySummary(second)).toBe(true);
    expect(second.objects.find((o) => o.name === 'legacy')).toMatchObject({ action: 'pruned' });
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/legacy`)).toBeUndefined();
  });

  it('applies an argocd.argoproj.io/hook Job as an ordinary object and runs a chart template\'s pre-install hook first, on the install only', async () => {
    const { env, space } = setup();
    const settings = fleetEnv(env, space);
    const w = startStatusWriter(client, space);
    writers.push(w);
    const objects = [
      at('namespace.yaml', ns(space)),
      at('settings.yaml', configMap(space, 'settings', { a: '1' }, { 'argocd.argoproj.io/sync-wave': '5' })),
      // Raw YAML: Fleet adds it in its post-renderer, after Helm split off the hooks — an ordinary object.
      at('argo-presync.yaml', job(space, 'argo-presync', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })),
      // A template of the bundle's templates/: a Helm hook.
      at('templates/migrate.yaml', job(space, 'migrate', { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-delete-policy': 'hook-succeeded' })),
      at('templates/smoke.yaml', job(space, 'smoke', { 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-weight': '1' })),
    ];

    // The plan's sync section: Helm's hooks, the Argo CD one an object of the one step.
    const plan = syncPlanOf({ ...settings, apply: { helmRelease: 'install' } } as unknown as Environment, objects);
    expect(plan?.hooks.map((h) => `${h.phase} ${h.wave} ${h.name} (${h.declaredBy})`)).toEqual([
      'PreSync 0 migrate (helm.sh/hook: pre-install)',
      'PostSync 1 smoke (helm.sh/hook: post-install,post-upgrade)',
    ]);
    // No waves: one step of objects (its Namespace goes first, with the hook that lives in it, as Fleet creates the release namespace).
    expect(plan?.waves).toEqual([{ wave: 0, objects: 2 }]);

    const install = await applyEnvironment({ client, env: settings, objects, wait: false });
    expect(install.ok, renderApplySummary(install)).toBe(true);
    // pre-install before any object of the release; the Argo CD "hook" with the objects; post-install after them all.
    expect(w.events).toEqual([
      'job migrate started; configmaps: ; deployments: ',
      'job argo-presync started; configmaps: settings; deployments: ',
      'job smoke started; configmaps: settings; deployments: ',
    ]);
    expect(install.steps?.map((s) => `${s.phase} ${s.wave}: ${s.outcome}`)).toEqual(['PreSync 0: ok', 'Sync 0: ok', 'PostSync 1: ok']);
    // hook-succeeded: migrate is gone; argo-presync is a tracked object Argo CD's HookSucceeded does not delete.
    expect(await jobNames(space)).toEqual(['argo-presync', 'smoke']);
    const inventory = await readInventory(client, env);
    expect(inventory?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/settings', 'Job/argo-presync', `Namespace/${space}`]);

    // The upgrade (the release exists): pre-install does not run; post-upgrade does.
    const upgrade = await applyEnvironment({ client, env: settings, objects, wait: false });
    expect(upgrade.ok, renderApplySummary(upgrade)).toBe(true);
    expect(upgrade.notes).toContain(`not applied: Job ${space}/migrate: helm.sh/hook: pre-install: Helm runs it only on pre-install, not during this upgrade of the release`);
    expect(upgrade.objects.filter((o) => o.stage === 'hook').map((o) => `${o.hook?.phase} ${o.name} ${o.hook?.outcome}`)).toEqual(['PostSync smoke succeeded']);
    expect(await jobNames(space)).toEqual(['argo-presync', 'smoke']);
  });
});
