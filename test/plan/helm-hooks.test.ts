// Helm's hook rules for Fleet bundles (model/helm-hooks.ts, model/sync-role.ts): which objects the Fleet
// agent's Helm runs as hooks, when, in which order, and which it never applies.
import { describe, expect, it } from 'vitest';
import { objectApplyOptions, syncSemanticsOf } from '../../src/model/apply-options.ts';
import type { Environment } from '../../src/model/environment.ts';
import { fleetHelmHook, fleetHelmTemplate, helmReleaseSyncRoleOf, helmSyncRoleOf } from '../../src/model/helm-hooks.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { mayUseGenerateName } from '../../src/model/sync.ts';
import { neverAppliedIds, syncPlanOf } from '../../src/plan/sync-plan.ts';

const job = (name: string, annotations: Record<string, string>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'shop', annotations } });

describe('Helm hooks as the Fleet agent runs them', () => {
  it('runs pre-* before and post-* after, by the release operation, weight as the wave, Helm delete policies only', () => {
    const hook = job('migrate', { 'helm.sh/hook': 'pre-install, Pre-Upgrade', 'helm.sh/hook-weight': '-5', 'helm.sh/hook-delete-policy': 'hook-succeeded', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed', 'argocd.argoproj.io/sync-wave': '9' });
    expect(helmSyncRoleOf(hook, 'upgrade')).toEqual({ role: 'hook', phases: ['PreSync'], wave: -5, deletePolicies: ['HookSucceeded'], declaredBy: 'helm.sh/hook: pre-install, Pre-Upgrade' });
    expect(helmSyncRoleOf(job('x', { 'helm.sh/hook': 'post-install' }), 'install')).toMatchObject({ phases: ['PostSync'], wave: 0, deletePolicies: ['BeforeHookCreation'] });
    expect(helmSyncRoleOf(job('x', { 'helm.sh/hook': 'pre-install' }), 'upgrade')).toEqual({ role: 'skipped', reason: 'helm.sh/hook: pre-install: Helm runs it only on pre-install, not during this upgrade of the release' });
    expect(helmSyncRoleOf(job('x', { 'helm.sh/hook': 'pre-install' }), undefined)).toMatchObject({ role: 'hook', phases: ['PreSync'] });
    expect(helmSyncRoleOf(job('x', { 'helm.sh/hook': 'test' }), 'install')).toMatchObject({ role: 'skipped' });
    expect(helmSyncRoleOf(job('x', { 'helm.sh/hook': 'pre-delete' }), 'upgrade')).toMatchObject({ role: 'skipped' });
    // One unknown type and Helm drops the object (manifest_sorter.go: "skipping unknown hook") — crd-install included.
    expect(helmSyncRoleOf(job('x', { 'helm.sh/hook': 'pre-install,crd-install' }), 'install')).toMatchObject({ role: 'skipped', reason: expect.stringContaining('"crd-install" is no Helm hook type') });
    // Argo CD's annotations mean nothing to Helm.
    expect(helmSyncRoleOf(job('x', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '3' }), 'install')).toEqual({ role: 'resource', wave: 0 });
    expect(helmSyncRoleOf(job('x', { 'helm.sh/hook': 'post-upgrade', 'helm.sh/hook-weight': 'heavy', 'helm.sh/hook-delete-policy': 'whenever' }), 'upgrade')).toMatchObject({ wave: 0, deletePolicies: [] });
  });

  it('reads hooks only on what the renderer marks as a chart template, wherever its file is', () => {
    const hook = job('migrate', { 'helm.sh/hook': 'pre-install' });
    expect(fleetHelmTemplate({ helmTemplate: true })).toBe(true);
    expect(fleetHelmTemplate({})).toBe(false);
    // A kustomize bundle's templates/ file: post-rendered by Fleet, never a hook; nor does the post-render touch a hook.
    expect(fleetHelmHook({ object: hook, helmTemplate: true })).toBe(true);
    expect(fleetHelmHook({ object: hook })).toBe(false);
    expect(fleetHelmHook({ object: job('x', {}), helmTemplate: true })).toBe(false);
  });

  it('gives Fleet environments Helm semantics: no Argo CD options, no generateName, Helm hooks in the plan', () => {
    const env = { name: 'web@dev', source: 'fleet', path: 'fleet/web', namespace: 'shop', apply: { helmRelease: 'upgrade' } } as unknown as Environment;
    expect(syncSemanticsOf(env)).toBe('helm');
    expect(objectApplyOptions(job('x', { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false,Replace=true,PruneLast=true' }), undefined, 'helm')).toMatchObject({ prune: 'yes', delete: 'yes', replace: false, pruneLast: false, wave: 0 });
    expect(mayUseGenerateName({ apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'x-', annotations: { 'helm.sh/hook': 'pre-install' } } }, 'helm')).toBe(false);
    const objects: RenderedObject[] = [
      { object: job('seed', { 'helm.sh/hook': 'pre-install' }), source: { file: 'fleet/web/templates/seed.yaml' }, helmTemplate: true },
      { object: job('migrate', { 'helm.sh/hook': 'pre-upgrade', 'helm.sh/hook-weight': '2' }), source: { file: 'fleet/web/templates/migrate.yaml' }, helmTemplate: true },
      { object: job('check', { 'helm.sh/hook': 'test' }), source: { file: 'fleet/web/templates/check.yaml' }, helmTemplate: true },
      { object: job('skip', { 'argocd.argoproj.io/hook': 'Skip' }), source: { file: 'fleet/web/skip.yaml' } },
    ];
    const plan = syncPlanOf(env, objects);
    expect(plan?.hooks.map((h) => `${h.phase} ${h.wave} ${h.name}`)).toEqual(['PreSync 2 migrate']);
    expect(plan?.skipped.map((s) => s.name)).toEqual(['seed', 'check']);
    expect(plan?.waves).toEqual([{ wave: 0, objects: 1 }]);
    expect([...neverAppliedIds(env, objects)]).toEqual(['batch/Job/shop/seed', 'batch/Job/shop/check']);
  });
});

describe('Helm hooks of a Flux HelmRelease as helm-controller runs them', () => {
  const release = { source: 'flux', namespace: 'shop', helmRelease: { name: 'web' } } as unknown as Environment;

  it('gives a HelmRelease Helm\'s semantics and leaves a Kustomization Flux\'s', () => {
    expect(syncSemanticsOf(release)).toBe('helm');
    expect(syncSemanticsOf({ source: 'flux', apply: { semantics: 'flux' } })).toBe('flux');
    expect(syncSemanticsOf({ source: 'flux' })).toBe('flux');
    // kustomize-controller's annotations mean nothing to helm-controller's Helm.
    expect(objectApplyOptions(job('x', { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }), undefined, syncSemanticsOf(release)).apply).toBe('always');
  });

  it('runs no hook of an operation whose disableHooks is set; with the operation unknown, the other one\'s hooks', () => {
    const both = job('migrate', { 'helm.sh/hook': 'pre-install,pre-upgrade' });
    expect(helmReleaseSyncRoleOf(both, 'upgrade', ['upgrade'])).toEqual({ role: 'skipped', reason: 'helm.sh/hook: pre-install,pre-upgrade: spec.upgrade.disableHooks is set, so helm-controller\'s Helm upgrade neither runs nor installs the chart\'s hooks' });
    expect(helmReleaseSyncRoleOf(both, 'install', ['upgrade'])).toMatchObject({ role: 'hook', phases: ['PreSync'] });
    expect(helmReleaseSyncRoleOf(both, undefined, ['upgrade'])).toMatchObject({ role: 'hook', phases: ['PreSync'] });
    expect(helmReleaseSyncRoleOf(job('x', { 'helm.sh/hook': 'pre-upgrade' }), undefined, ['upgrade'])).toMatchObject({ role: 'skipped', reason: expect.stringContaining('spec.upgrade.disableHooks is set') });
    expect(helmReleaseSyncRoleOf(both, undefined, ['install', 'upgrade'])).toMatchObject({ role: 'skipped', reason: expect.stringContaining('spec.install.disableHooks and spec.upgrade.disableHooks are set') });
    // Not a hook: untouched by disableHooks; an unknown type is dropped by Helm either way.
    expect(helmReleaseSyncRoleOf(job('x', {}), 'upgrade', ['upgrade'])).toEqual({ role: 'resource', wave: 0 });
    expect(helmReleaseSyncRoleOf(job('x', { 'helm.sh/hook': 'crd-install' }), 'upgrade', ['upgrade'])).toMatchObject({ role: 'skipped', reason: expect.stringContaining('is no Helm hook type') });
  });

  it('lists the hooks in the sync plan and keeps the crds/ policy of the chart\'s CRDs', () => {
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com', annotations: { 'helm.sh/hook': 'pre-upgrade' } }, spec: { group: 'example.com', names: { kind: 'Widget' } } };
    const objects: RenderedObject[] = [
      { object: crd, source: { file: 'charts/web/crds/widget.yaml' }, helmCrds: { install: 'Create', upgrade: 'Skip' } },
      { object: job('migrate', { 'helm.sh/hook': 'pre-upgrade', 'helm.sh/hook-weight': '2' }), source: { file: 'charts/web/templates/migrate.yaml' } },
      { object: job('seed', { 'helm.sh/hook': 'post-install' }), source: { file: 'charts/web/templates/seed.yaml' } },
    ];
    const upgrade = syncPlanOf({ ...release, apply: { helmRelease: 'upgrade' } }, objects);
    expect(upgrade?.hooks.map((h) => `${h.phase} ${h.wave} ${h.name}`)).toEqual(['PreSync 2 migrate']);
    expect(upgrade?.skipped.map((s) => `${s.name}: ${s.reason}`)).toEqual([
      'widgets.example.com: not applied by helm-controller on upgrade (upgrade.crds: Skip)',
      'seed: helm.sh/hook: post-install: Helm runs it only on post-install, not during this upgrade of the release',
    ]);
    expect(neverAppliedIds({ ...release, apply: { helmRelease: 'upgrade' } }, objects).size).toBe(2);
    // Install: the CRD is created (install.crds: Create) and is no hook of the release; seed runs after.
    const install = syncPlanOf({ ...release, apply: { helmRelease: 'install' } }, objects);
    expect(install?.hooks.map((h) => `${h.phase} ${h.name}`)).toEqual(['PostSync seed']);
    expect(install?.skipped.map((s) => s.name)).toEqual(['migrate']);
    const disabled = objects.map((o) => (o.helmCrds ? o : { ...o, helmHooksDisabled: ['install' as const] }));
    expect(syncPlanOf({ ...release, apply: { helmRelease: 'install' } }, disabled)?.hooks).toEqual([]);
  });
});
