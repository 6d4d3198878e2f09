// Rancher Fleet bundles are Helm releases (the Fleet agent installs and upgrades each with Helm): on the
// test API server, the merge's apply of a Fleet environment follows Helm's rules, not Argo CD's —
// `argocd.argoproj.io/sync-options: Prune=false` keeps nothing and an `argocd.argoproj.io/hook` object is
// an ordinary object of the release, while a chart template's `helm.sh/hook: pre-install` Job runs before
// the objects on the install and not on an upgrade. A chart's crds/ CRD is created on the install and never
// changed nor deleted after; a CRD the agent's post-renderer gets carries helm.sh/resource-policy: keep unless
// deleteCRDResources (render/fleet-crds.ts). The plan agrees (plan/kept.ts, plan/sync-plan.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { readInventory } from '../../src/cluster/inventory.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import type { Change } from '../../src/model/change.ts';
import type { Environment } from '../../src/model/environment.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { keptByController } from '../../src/plan/kept.ts';
import { syncPlanOf } from '../../src/plan/sync-plan.ts';
import { withFleetCrds } from '../../src/render/fleet-crds.ts';
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

  describe('CRDs', () => {
    const crd = (group: string, plural: string, column?: string): KubeObject => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group, scope: 'Namespaced', names: { kind: plural.slice(0, 1).toUpperCase() + plural.slice(1, -1), plural, singular: plural.slice(0, -1) },
        versions: [{
          name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          ...(column ? { additionalPrinterColumns: [{ name: column, type: 'string', jsonPath: '.spec.size' }] } : {}),
        }],
      },
    });
    const live = (name: string) => get(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const columns = async (name: string) => ((await live(name))?.spec as { versions: Array<{ additionalPrinterColumns?: unknown }> } | undefined)?.versions[0].additionalPrinterColumns;
    const removeCrds = (...names: string[]) => Promise.all(names.map((n) => client.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${n}` }).catch(() => undefined)));
    // A chart bundle as the Fleet renderer marks it: crds/ apart, templates post-rendered.
    const chart = (objects: RenderedObject[], deleteCRDResources = false) => withFleetCrds(objects, { fromChart: true, ...(deleteCRDResources ? { deleteCRDResources } : {}) }, () => true);

    it('creates a chart\'s crds/ CRD on the install, leaves it as installed when it changes on the upgrade, and never deletes it; a template CRD is kept by Fleet\'s keep', async () => {
      const { env, space } = setup();
      const group = `${env}.example.com`;
      const widgets = `widgets.${group}`;
      const gadgets = `gadgets.${group}`;
      const settings = fleetEnv(env, space);
      const bundleAt = (column?: string) => chart([
        at('templates/namespace.yaml', ns(space)),
        at('templates/web.yaml', configMap(space, 'web', { v: column ?? '1' })),
        at('crds/widgets.yaml', crd(group, 'widgets', column)),
        at('templates/gadgets.yaml', crd(group, 'gadgets')),
      ]);
      try {
        // No inventory yet: the Fleet agent's helm install, which creates the crds/ CRD.
        const install = await applyEnvironment({ client, env: settings, objects: bundleAt(), wait: false });
        expect(install.ok, renderApplySummary(install)).toBe(true);
        expect(install.objects.find((o) => o.name === widgets)?.action).toBe('created');
        expect((await live(gadgets))?.metadata?.annotations?.['helm.sh/resource-policy']).toBe('keep');
        expect((await live(widgets))?.metadata?.annotations?.['helm.sh/resource-policy']).toBeUndefined();

        // The bundle exists: its helm upgrade has no CRD step. The preview says so instead of showing a diff.
        const changed = bundleAt('Size');
        const preview = await previewEnvironment({ client, env: { ...settings, apply: { helmRelease: 'upgrade' } }, objects: changed });
        expect(preview.objects.find((o) => o.name === widgets)?.action).toBe('unchanged');
        expect(preview.notes).toContain(`not applied: CustomResourceDefinition ${widgets}: Helm does not upgrade a chart's crds/ (the Fleet agent deploys this existing bundle with helm upgrade, which has no CRD step)`);
        const upgrade = await applyEnvironment({ client, env: settings, objects: changed, wait: false });
        expect(upgrade.ok, renderApplySummary(upgrade)).toBe(true);
        expect(upgrade.objects.find((o) => o.name === widgets)?.action).toBe('skipped');
        expect(await columns(widgets)).toBeUndefined();
        expect((await get(client, `/api/v1/namespaces/${space}/configmaps/web`))?.data).toEqual({ v: 'Size' });

        // The chart drops both CRDs: neither is deleted (crds/ is never in the release; the template's says keep).
        const dropped = await applyEnvironment({ client, env: settings, objects: changed.filter((o) => o.object.kind !== 'CustomResourceDefinition'), wait: false });
        expect(dropped.ok, renderApplySummary(dropped)).toBe(true);
        expect(dropped.objects.filter((o) => o.action === 'pruned')).toEqual([]);
        expect(dropped.objects.find((o) => o.name === gadgets)).toMatchObject({ action: 'skipped', error: expect.stringContaining('helm.sh/resource-policy: keep') });
        expect(await live(widgets)).toBeDefined();
        expect(await live(gadgets)).toBeDefined();

        // The bundle removed (the agent's helm uninstall): the CRDs stay, the rest goes.
        const removed = await applyEnvironment({ client, env: { ...settings, allowEmpty: true }, objects: [], removal: true, wait: false });
        expect(removed.ok, renderApplySummary(removed)).toBe(true);
        expect(removed.objects.filter((o) => o.action === 'pruned').map((o) => `${o.kind} ${o.name}`).sort()).toEqual(['ConfigMap web', `Namespace ${space}`]);
        expect(await live(widgets)).toBeDefined();
        expect(await live(gadgets)).toBeDefined();
      } finally {
        await removeCrds(widgets, gadgets);
      }
    });

    it('with deleteCRDResources a template CRD has no keep and is deleted when the chart drops it; a crds/ CRD still is not', async () => {
      const { env, space } = setup();
      const group = `${env}.example.com`;
      const widgets = `widgets.${group}`;
      const gadgets = `gadgets.${group}`;
      const settings = fleetEnv(env, space);
      const objects = chart([at('templates/namespace.yaml', ns(space)), at('crds/widgets.yaml', crd(group, 'widgets')), at('templates/gadgets.yaml', crd(group, 'gadgets'))], true);
      try {
        const install = await applyEnvironment({ client, env: settings, objects, wait: false });
        expect(install.ok, renderApplySummary(install)).toBe(true);
        expect((await live(gadgets))?.metadata?.annotations?.['helm.sh/resource-policy']).toBeUndefined();
        const dropped = await applyEnvironment({ client, env: settings, objects: objects.slice(0, 1), wait: false });
        expect(dropped.ok, renderApplySummary(dropped)).toBe(true);
        expect(dropped.objects.filter((o) => o.action === 'pruned').map((o) => o.name)).toEqual([gadgets]);
        expect(await live(widgets)).toBeDefined();
      } finally {
        await removeCrds(widgets, gadgets);
      }
    });
  });
});
