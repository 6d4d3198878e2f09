import { afterEach, describe, expect, it } from 'vitest';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { applyEnvironment, type ApplyEnvironmentSettings } from '../../src/cluster/environment.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import { driftReport } from '../../src/drift/report.ts';
import type { ApplyPolicy } from '../../src/model/apply-options.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { configMap, environment, get, ns, rendered, suiteCleanup, testClient } from './helpers.ts';
import { startStatusWriter, type StatusWriter } from './status-writer.ts';

// kustomize-controller's apply semantics for Flux environments, on the real test API server.
const client = testClient();
const { setup } = suiteCleanup(client, 'fx');
const writers: StatusWriter[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.stop()));
});

const flux = (name: string, apply: ApplyPolicy = {}, overrides: Partial<ApplyEnvironmentSettings> = {}): ApplyEnvironmentSettings =>
  environment(name, { source: 'flux', apply: { semantics: 'flux', wait: false, ...apply }, ...overrides });

const annotated = (obj: KubeObject, annotations: Record<string, string>): KubeObject => ({ ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, ...annotations } } });

const job = (namespace: string, name: string, image: string): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image, command: ['true'] }] } } },
});

const cmPath = (space: string, name: string): string => `/api/v1/namespaces/${space}/configmaps/${name}`;
const resultOf = (report: { objects: Array<{ kind: string; name: string; action: string; error?: string }> }, kind: string, name: string) => report.objects.find((o) => o.kind === kind && o.name === name);

describe('Flux Kustomization apply semantics on the test API server', () => {
  it('ssa: IfNotPresent creates the object, then never updates it; preview and drift leave it alone', async () => {
    const { env, space } = setup();
    const first = await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space), annotated(configMap(space, 'seed', { a: '1' }), { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' })) });
    expect(first.ok, renderApplySummary(first)).toBe(true);
    expect(resultOf(first, 'ConfigMap', 'seed')?.action).toBe('created');

    const changed = rendered(ns(space), annotated(configMap(space, 'seed', { a: '2' }), { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }));
    const preview = await previewEnvironment({ client, env: flux(env), objects: changed });
    expect(preview.objects.find((o) => o.name === 'seed')?.action).toBe('unchanged');
    expect(preview.notes).toContainEqual(expect.stringContaining(`not updated: ConfigMap ${space}/seed: it exists, and it is annotated kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`));

    const second = await applyEnvironment({ client, env: flux(env), objects: changed });
    expect(second.ok, renderApplySummary(second)).toBe(true);
    expect(resultOf(second, 'ConfigMap', 'seed')).toMatchObject({ action: 'skipped', error: expect.stringContaining('not updated: it exists') });
    expect((await get(client, cmPath(space, 'seed')))?.data).toEqual({ a: '1' });
    expect(renderApplySummary(second)).toMatch(/skipped\s+ConfigMap .*\/seed .*not updated: it exists, and it is annotated kustomize.toolkit.fluxcd.io\/ssa: IfNotPresent/);
  });

  it('ssa: Ignore is never applied, and says so', async () => {
    const { env, space } = setup();
    const report = await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space), configMap(space, 'kept', { a: '1' }), annotated(configMap(space, 'ignored', { a: '1' }), { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' })) });
    expect(report.ok, renderApplySummary(report)).toBe(true);
    expect(resultOf(report, 'ConfigMap', 'ignored')).toMatchObject({ action: 'skipped', error: 'not applied: annotated kustomize.toolkit.fluxcd.io/ssa: Ignore in Git: Flux never applies it' });
    expect(await get(client, cmPath(space, 'ignored'))).toBeUndefined();
    expect(await get(client, cmPath(space, 'kept'))).toBeDefined();
  });

  it('reconcile: disabled set in the cluster stops updates and prune of that object', async () => {
    const { env, space } = setup();
    await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space), configMap(space, 'frozen', { a: '1' }), configMap(space, 'other', { a: '1' })) });
    await client.request({ method: 'PATCH', path: cmPath(space, 'frozen'), contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } } } });

    const changed = rendered(ns(space), configMap(space, 'frozen', { a: '2' }), configMap(space, 'other', { a: '2' }));
    const preview = await previewEnvironment({ client, env: flux(env), objects: changed });
    expect(preview.objects.find((o) => o.name === 'frozen')?.action).toBe('unchanged');
    expect(preview.objects.find((o) => o.name === 'other')?.action).toBe('update');
    // Drift is the preview's: only the object Flux would still reconcile counts.
    expect(driftReport(preview).items.map((i) => `${i.kind} ${i.key}`)).toEqual([expect.stringMatching(/^changed .*\/other$/)]);
    const updated = await applyEnvironment({ client, env: flux(env), objects: changed });
    expect(resultOf(updated, 'ConfigMap', 'frozen')).toMatchObject({ action: 'skipped', error: expect.stringContaining('reconcile: disabled in the cluster') });
    expect((await get(client, cmPath(space, 'frozen')))?.data).toEqual({ a: '1' });
    expect((await get(client, cmPath(space, 'other')))?.data).toEqual({ a: '2' });

    const removed = await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space)) });
    expect(removed.ok, renderApplySummary(removed)).toBe(true);
    expect(resultOf(removed, 'ConfigMap', 'frozen')).toMatchObject({ action: 'skipped', error: 'kept: annotated kustomize.toolkit.fluxcd.io/reconcile: disabled' });
    expect(resultOf(removed, 'ConfigMap', 'other')?.action).toBe('pruned');
    expect(await get(client, cmPath(space, 'frozen'))).toBeDefined();
  });

  it('prune: disabled keeps an object Git dropped; spec.prune false keeps every one', async () => {
    const { env, space } = setup();
    await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space), annotated(configMap(space, 'precious', { a: '1' }), { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }), configMap(space, 'temp', { a: '1' })) });
    const pruned = await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space)) });
    expect(resultOf(pruned, 'ConfigMap', 'precious')).toMatchObject({ action: 'skipped', error: 'kept: annotated kustomize.toolkit.fluxcd.io/prune: disabled' });
    expect(resultOf(pruned, 'ConfigMap', 'temp')?.action).toBe('pruned');
    expect(await get(client, cmPath(space, 'precious'))).toBeDefined();
    expect(await get(client, cmPath(space, 'temp'))).toBeUndefined();

    const second = setup();
    await applyEnvironment({ client, env: flux(second.env, {}, { prune: false }), objects: rendered(ns(second.space), configMap(second.space, 'stays', { a: '1' })) });
    const off = await applyEnvironment({ client, env: flux(second.env, {}, { prune: false }), objects: rendered(ns(second.space)) });
    expect(off.ok).toBe(true);
    expect(off.notes).toContainEqual(expect.stringContaining('prune is off: 1 object(s) Git no longer has stay in the cluster'));
    expect(await get(client, cmPath(second.space, 'stays'))).toBeDefined();
  });

  it('force re-creates a Job whose template changed; without it the apply fails and says how to allow it', async () => {
    const { env, space } = setup();
    await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space), job(space, 'migrate', 'busybox:1.36')) });
    const before = await get(client, `/apis/batch/v1/namespaces/${space}/jobs/migrate`);
    const changed = rendered(ns(space), job(space, 'migrate', 'busybox:1.37'));

    const refused = await applyEnvironment({ client, env: flux(env), objects: changed });
    expect(refused.ok).toBe(false);
    expect(resultOf(refused, 'Job', 'migrate')).toMatchObject({ action: 'failed', error: expect.stringContaining('set spec.force: true on the Kustomization') });
    const refusedPreview = await previewEnvironment({ client, env: flux(env), objects: changed });
    expect(refusedPreview.objects.find((o) => o.name === 'migrate')).toMatchObject({ action: 'rejected', message: expect.stringContaining('spec.force: true') });

    const preview = await previewEnvironment({ client, env: flux(env, { force: true }), objects: changed });
    expect(preview.objects.find((o) => o.name === 'migrate')).toMatchObject({ action: 'update', message: expect.stringContaining('recreated: an immutable field changed') });
    expect(preview.objects.find((o) => o.name === 'migrate')?.diff).toContain('+');

    const forced = await applyEnvironment({ client, env: flux(env, { force: true }), objects: changed });
    expect(forced.ok, renderApplySummary(forced)).toBe(true);
    expect(resultOf(forced, 'Job', 'migrate')).toMatchObject({ action: 'configured', error: expect.stringContaining('recreated') });
    const after = await get(client, `/apis/batch/v1/namespaces/${space}/jobs/migrate`);
    expect(after?.metadata?.uid).not.toBe(before?.metadata?.uid);
    expect(JSON.stringify(after?.spec)).toContain('busybox:1.37');
  });

  it('force: enabled on the object, in Git or set in the cluster, re-creates it without spec.force', async () => {
    const { env, space } = setup();
    const forced = (image: string): KubeObject => annotated(job(space, 'in-git', image), { 'kustomize.toolkit.fluxcd.io/force': 'enabled' });
    await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space), forced('busybox:1.36'), job(space, 'in-cluster', 'busybox:1.36')) });
    await client.request({ method: 'PATCH', path: `/apis/batch/v1/namespaces/${space}/jobs/in-cluster`, contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'kustomize.toolkit.fluxcd.io/force': 'Enabled' } } } });
    const report = await applyEnvironment({ client, env: flux(env), objects: rendered(ns(space), forced('busybox:1.37'), job(space, 'in-cluster', 'busybox:1.37')) });
    expect(report.ok, renderApplySummary(report)).toBe(true);
    expect(resultOf(report, 'Job', 'in-git')?.error).toContain('recreated');
    expect(resultOf(report, 'Job', 'in-cluster')?.error).toContain('recreated');
    expect(JSON.stringify((await get(client, `/apis/batch/v1/namespaces/${space}/jobs/in-cluster`))?.spec)).toContain('busybox:1.37');
  });

  it('healthChecks waits for a named object this environment does not apply; wait: false alone waits for nothing', async () => {
    const { env, space } = setup();
    await client.request({ method: 'POST', path: '/api/v1/namespaces', body: ns(space) });
    await client.request({ method: 'POST', path: `/apis/batch/v1/namespaces/${space}/jobs`, body: job(space, 'external', 'busybox:1.36') });
    const none = await applyEnvironment({ client, env: flux(env), objects: rendered(configMap(space, 'a', { a: '1' })) });
    expect(none.health).toBeUndefined();

    const missing = await applyEnvironment({ client, env: flux(env, { healthChecks: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'never', namespace: space }] }, { healthTimeoutSeconds: 2 }), objects: rendered(configMap(space, 'a', { a: '1' })) });
    expect(missing.ok).toBe(false);
    expect(missing.health?.verdict).toBe('timeout');
    expect(missing.health?.objects.map((o) => `${o.kind} ${o.name} ${o.status}`)).toEqual(['ConfigMap never missing']);

    writers.push(startStatusWriter(client, space));
    const waited = await applyEnvironment({ client, env: flux(env, { healthChecks: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'external', namespace: space }] }, { healthTimeoutSeconds: 60 }), objects: rendered(configMap(space, 'a', { a: '1' })) });
    expect(waited.ok, renderApplySummary(waited)).toBe(true);
    expect(waited.health?.objects.map((o) => `${o.kind} ${o.name} ${o.status}`)).toEqual(['Job external healthy']);
  });
});

describe('a HelmRelease chart\'s crds/ CRDs, applied as helm-controller\'s crds policies say', () => {
  const widgetCrd = (group: string, column?: string): KubeObject => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
      versions: [{
        name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        ...(column ? { additionalPrinterColumns: [{ name: column, type: 'string', jsonPath: '.spec.size' }] } : {}),
      }],
    },
  });
  const fromCrds = (crd: KubeObject, upgrade: 'Skip' | 'Create' | 'CreateReplace' = 'Skip'): RenderedObject => ({ object: crd, source: { file: 'charts/web/crds/widgets.yaml' }, helmCrds: { install: 'Create', upgrade } });
  const columns = async (name: string): Promise<unknown> => ((await get(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`))?.spec as { versions: Array<{ additionalPrinterColumns?: unknown }> } | undefined)?.versions[0].additionalPrinterColumns;

  it('creates it on install, leaves a changed one alone on upgrade (upgrade.crds: Skip), replaces it with upgrade.crds: CreateReplace, never prunes it', async () => {
    const { env } = setup();
    const group = `${env}.example.com`;
    const name = `widgets.${group}`;
    try {
      const installed = await applyEnvironment({ client, env: flux(env, { helmRelease: 'install' }), objects: [fromCrds(widgetCrd(group))] });
      expect(installed.ok, renderApplySummary(installed)).toBe(true);
      expect(resultOf(installed, 'CustomResourceDefinition', name)?.action).toBe('created');

      const changed = [fromCrds(widgetCrd(group, 'Size'))];
      const preview = await previewEnvironment({ client, env: flux(env, { helmRelease: 'upgrade' }), objects: changed });
      expect(preview.objects.find((o) => o.name === name)?.action).toBe('unchanged');
      expect(preview.notes).toContain(`not applied: CustomResourceDefinition ${name}: not applied by helm-controller on upgrade (upgrade.crds: Skip)`);
      const upgraded = await applyEnvironment({ client, env: flux(env, { helmRelease: 'upgrade' }), objects: changed });
      expect(upgraded.ok, renderApplySummary(upgraded)).toBe(true);
      expect(resultOf(upgraded, 'CustomResourceDefinition', name)?.action).toBe('skipped');
      expect(await columns(name)).toBeUndefined();

      const replacing = [fromCrds(widgetCrd(group, 'Size'), 'CreateReplace')];
      expect((await previewEnvironment({ client, env: flux(env, { helmRelease: 'upgrade' }), objects: replacing })).objects.find((o) => o.name === name)?.action).toBe('update');
      const replaced = await applyEnvironment({ client, env: flux(env, { helmRelease: 'upgrade' }), objects: replacing });
      expect(replaced.ok, renderApplySummary(replaced)).toBe(true);
      expect(await columns(name)).toEqual([{ name: 'Size', type: 'string', jsonPath: '.spec.size' }]);

      // The chart drops it: helm-controller never deletes a crds/ CRD (its objects would go with it), nor does
      // prune — bosun does not track one in its inventory (next test).
      const dropped = await applyEnvironment({ client, env: flux(env, { helmRelease: 'upgrade' }, { allowEmpty: true }), objects: [] });
      expect(dropped.ok, renderApplySummary(dropped)).toBe(true);
      expect(dropped.objects.filter((o) => o.action === 'pruned')).toEqual([]);
      expect(await get(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).toBeDefined();
    } finally {
      await client.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` }).catch(() => undefined);
    }
  });

  it('a merge apply with no plan behind it (install or upgrade unknown) asks the cluster: install.crds Skip on the first apply, upgrade.crds CreateReplace once the release exists', async () => {
    const { env, space } = setup();
    const group = `${env}.example.com`;
    const name = `widgets.${group}`;
    const skipOnInstall: RenderedObject = { object: widgetCrd(group), source: { file: 'charts/web/crds/widgets.yaml' }, helmCrds: { install: 'Skip', upgrade: 'CreateReplace' } };
    try {
      const first = await applyEnvironment({ client, env: flux(env), objects: [...rendered(ns(space), configMap(space, 'web', { a: '1' })), skipOnInstall] });
      expect(first.ok, renderApplySummary(first)).toBe(true);
      expect(resultOf(first, 'CustomResourceDefinition', name)).toMatchObject({ action: 'skipped', error: expect.stringContaining('install.crds: Skip') });
      expect(await get(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).toBeUndefined();

      const second = await applyEnvironment({ client, env: flux(env), objects: [...rendered(ns(space), configMap(space, 'web', { a: '2' })), skipOnInstall] });
      expect(second.ok, renderApplySummary(second)).toBe(true);
      expect(resultOf(second, 'CustomResourceDefinition', name)?.action).toBe('created');
    } finally {
      await client.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` }).catch(() => undefined);
    }
  });

  // One its crds policy leaves alone (Create and it exists; Skip) never gets the prune mark: applied labelled
  // for the environment before (by a bosun without the crds policies), it must still survive the chart
  // dropping it and the release's removal, with every custom resource of it.
  for (const how of ['the chart drops it', 'the release is removed'] as const) {
    it(`never deletes one it tracked before and now leaves alone, when ${how}`, async () => {
      const { env } = setup();
      const group = `${env}.example.com`;
      const name = `widgets.${group}`;
      try {
        const before = await applyEnvironment({ client, env: flux(env), objects: [{ object: widgetCrd(group), source: { file: 'charts/web/crds/widgets.yaml' } }] });
        expect(before.ok, renderApplySummary(before)).toBe(true);
        expect(resultOf(before, 'CustomResourceDefinition', name)?.action).toBe('created');

        // The merge of a later commit (no plan says install or upgrade: the environment was applied before, so
        // an upgrade): upgrade.crds Skip, so it is left alone.
        const later = await applyEnvironment({ client, env: flux(env), objects: [fromCrds(widgetCrd(group))] });
        expect(later.ok, renderApplySummary(later)).toBe(true);
        expect(resultOf(later, 'CustomResourceDefinition', name)).toMatchObject({ action: 'skipped', error: expect.stringContaining('upgrade.crds: Skip') });

        const preview = await previewEnvironment({ client, env: flux(env, {}, { allowEmpty: true }), objects: [] });
        expect(preview.prunes.map((p) => p.name)).not.toContain(name);
        const gone = await applyEnvironment({ client, env: flux(env, {}, { allowEmpty: true }), objects: [], ...(how === 'the release is removed' ? { removal: true } : {}) });
        expect(gone.ok, renderApplySummary(gone)).toBe(true);
        expect(gone.objects.filter((o) => o.action === 'pruned').map((o) => o.name)).toEqual([]);
        expect(await get(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).toBeDefined();
      } finally {
        await client.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` }).catch(() => undefined);
      }
    });
  }
});
