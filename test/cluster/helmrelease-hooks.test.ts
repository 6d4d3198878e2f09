// A Flux HelmRelease is installed and upgraded by helm-controller with Helm's actions, so its chart's
// `helm.sh/hook` objects are Helm hooks, not objects of the release: on the test API server, a chart of this
// repository rendered as bosun renders it (discovery, render/helmrelease.ts) gets a `pre-upgrade` Job that
// the plan's sync section shows as a hook, that the merge's apply runs before the release's objects on an
// upgrade (not on the install) and never records in the inventory — and that `spec.upgrade.disableHooks`
// keeps out of the cluster altogether (helm-controller internal/action/upgrade.go: DisableHooks).
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { readInventory } from '../../src/cluster/inventory.ts';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { renderEnvironment } from '../../src/render/render-environment.ts';
import { syncPlanOf } from '../../src/plan/sync-plan.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';
import { ns, suiteCleanup, testClient } from './helpers.ts';
import { startStatusWriter, type StatusWriter } from './status-writer.ts';

const client = testClient();
const { setup } = suiteCleanup(client, 'hrh');
const writers: StatusWriter[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.stop()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const chart = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'v: "1"\nextra: false\n',
  'charts/web/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  v: {{ .Values.v | quote }}\n',
  'charts/web/templates/extra.yaml': '{{- if .Values.extra }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  v: {{ .Values.v | quote }}\n{{- end }}\n',
  'charts/web/templates/migrate.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-upgrade
    helm.sh/hook-delete-policy: hook-succeeded
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.36
          command: ["true"]
`,
};

/** The repository: flux-system, a Kustomization `apps` applying the HelmRelease, the chart; `values` and `upgrade` go in the release. */
async function repository(space: string, values: string, upgrade = ''): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bosun-hr-hooks-'));
  dirs.push(root);
  await chmod(root, 0o755); // the render sandbox's tools read it as another user
  const files: Record<string, string> = {
    ...chart,
    'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
    'clusters/staging/apps.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n',
    'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n',
    'apps/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: flux-system}
spec:
  interval: 10m
  releaseName: web
  targetNamespace: ${space}
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  values: ${values}
${upgrade}`,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** The HelmRelease environment as discovery finds it (under the test's own name) and its render. */
async function release(name: string, root: string): Promise<{ env: Environment; objects: RenderedObject[] }> {
  const { environments } = await discoverEnvironments(root, { repoUrls: ['ssh://git@github.com/acme/fleet'], branch: 'main' });
  const found = environments.find((e) => e.helmRelease !== undefined);
  expect(found?.helmRelease?.name).toBe('web');
  const env = { ...found!, name };
  const out = await renderEnvironment(root, env);
  if (!out.ok) throw new Error(out.error.message);
  return { env, objects: out.objects };
}

const planned = (env: Environment, action: 'install' | 'upgrade', objects: RenderedObject[]) => syncPlanOf({ ...env, apply: { ...env.apply, helmRelease: action } }, objects);

async function jobNames(namespace: string): Promise<string[]> {
  const list = await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/apis/batch/v1/namespaces/${namespace}/jobs` });
  return list.body.items.filter((j) => !j.metadata?.deletionTimestamp).map((j) => j.metadata?.name ?? '').sort();
}

describe('a Flux HelmRelease chart\'s hooks on the test API server, as helm-controller\'s Helm runs them', () => {
  it('runs a pre-upgrade Job before the release\'s objects on an upgrade, not on the install, and never tracks it', async () => {
    const { env: name, space } = setup();
    await client.request({ method: 'POST', path: '/api/v1/namespaces', body: ns(space) });
    const w = startStatusWriter(client, space);
    writers.push(w);

    const installed = await release(name, await repository(space, '{v: "1"}'));
    // The plan of the install: the pre-upgrade hook is not applied, and not an object of the release either.
    const installPlan = planned(installed.env, 'install', installed.objects);
    expect(installPlan?.hooks).toEqual([]);
    expect(installPlan?.skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`)).toEqual([
      'Job web-migrate: helm.sh/hook: pre-upgrade: Helm runs it only on pre-upgrade, not during this install of the release',
    ]);
    const install = await applyEnvironment({ client, env: installed.env, objects: installed.objects, wait: false });
    expect(install.ok, renderApplySummary(install)).toBe(true);
    expect(await jobNames(space)).toEqual([]);
    expect((await readInventory(client, name))?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/web-config']);

    // The upgrade adds an object: the hook runs before it, as a hook of the plan's sync section.
    const upgraded = await release(name, await repository(space, '{v: "2", extra: true}'));
    const upgradePlan = planned(upgraded.env, 'upgrade', upgraded.objects);
    expect(upgradePlan?.hooks.map((h) => `${h.phase} ${h.wave} ${h.kind} ${h.name} (${h.declaredBy}) ${h.deletePolicies.join(',')}`)).toEqual([
      'PreSync 0 Job web-migrate (helm.sh/hook: pre-upgrade) HookSucceeded',
    ]);
    expect(upgradePlan?.skipped).toEqual([]);
    const upgrade = await applyEnvironment({ client, env: upgraded.env, objects: upgraded.objects, wait: false });
    expect(upgrade.ok, renderApplySummary(upgrade)).toBe(true);
    expect(w.events).toEqual(['job web-migrate started; configmaps: web-config; deployments: ']);
    expect(upgrade.steps?.map((s) => `${s.phase} ${s.wave}: ${s.outcome}`)).toEqual(['PreSync 0: ok', 'Sync 0: ok']);
    expect(upgrade.objects.filter((o) => o.stage === 'hook').map((o) => `${o.hook?.phase} ${o.name} ${o.hook?.outcome}`)).toEqual(['PreSync web-migrate succeeded']);
    // hook-succeeded deleted it; the inventory holds the release's objects only.
    expect(await jobNames(space)).toEqual([]);
    expect((await readInventory(client, name))?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/web-config', 'ConfigMap/web-extra']);
  });

  it('never applies the hook with spec.upgrade.disableHooks: true', async () => {
    const { env: name, space } = setup();
    await client.request({ method: 'POST', path: '/api/v1/namespaces', body: ns(space) });
    const w = startStatusWriter(client, space);
    writers.push(w);
    const disabled = '  upgrade:\n    disableHooks: true\n';

    const installed = await release(name, await repository(space, '{v: "1"}', disabled));
    const install = await applyEnvironment({ client, env: installed.env, objects: installed.objects, wait: false });
    expect(install.ok, renderApplySummary(install)).toBe(true);

    const upgraded = await release(name, await repository(space, '{v: "2", extra: true}', disabled));
    const plan = planned(upgraded.env, 'upgrade', upgraded.objects);
    expect(plan?.hooks ?? []).toEqual([]);
    expect(plan?.skipped.map((s) => `${s.kind} ${s.name}: ${s.reason}`)).toEqual([
      'Job web-migrate: helm.sh/hook: pre-upgrade: spec.upgrade.disableHooks is set, so helm-controller\'s Helm upgrade neither runs nor installs the chart\'s hooks',
    ]);
    const upgrade = await applyEnvironment({ client, env: upgraded.env, objects: upgraded.objects, wait: false });
    expect(upgrade.ok, renderApplySummary(upgrade)).toBe(true);
    expect(upgrade.objects.filter((o) => o.stage === 'hook')).toEqual([]);
    expect(upgrade.notes.some((n) => n.includes('web-migrate') && n.includes('spec.upgrade.disableHooks'))).toBe(true);
    expect(w.events).toEqual([]);
    expect(await jobNames(space)).toEqual([]);
    expect((await readInventory(client, name))?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/web-config', 'ConfigMap/web-extra']);
  });
});
