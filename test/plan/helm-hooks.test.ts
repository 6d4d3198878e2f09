// Helm's hook rules for Fleet bundles (model/helm-hooks.ts, model/sync-role.ts): which objects the Fleet
// agent's Helm runs as hooks, when, in which order, and which it never applies.
import { describe, expect, it } from 'vitest';
import { objectApplyOptions, syncSemanticsOf } from '../../src/model/apply-options.ts';
import type { Environment } from '../../src/model/environment.ts';
import { fleetHelmTemplate, helmSyncRoleOf } from '../../src/model/helm-hooks.ts';
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

  it('reads hooks only in chart templates: a remote chart, the chart folder\'s templates/ and its subcharts\'', () => {
    const env = { path: 'fleet/web', fleet: { helm: { chart: './chart' } } };
    const from = (file: string): Pick<RenderedObject, 'source'> => ({ source: { file } });
    expect(fleetHelmTemplate(env, from('fleet/web/chart/templates/job.yaml'))).toBe(true);
    expect(fleetHelmTemplate(env, from('fleet/web/chart/charts/db/templates/job.yaml'))).toBe(true);
    expect(fleetHelmTemplate(env, from('fleet/web/chart/values/templates.yaml'))).toBe(false);
    expect(fleetHelmTemplate(env, from('fleet/web/templates/job.yaml'))).toBe(false);
    expect(fleetHelmTemplate({ path: 'fleet/web' }, from('fleet/web/templates/job.yaml'))).toBe(true);
    expect(fleetHelmTemplate({ path: 'fleet/web' }, from('fleet/web/job.yaml'))).toBe(false);
    expect(fleetHelmTemplate({ path: 'fleet/web', fleet: { helm: { remote: { kind: 'oci', ref: 'oci://x/y' } } } }, from('oci://x/y/templates/a.yaml'))).toBe(true);
  });

  it('gives Fleet environments Helm semantics: no Argo CD options, no generateName, Helm hooks in the plan', () => {
    const env = { name: 'web@dev', source: 'fleet', path: 'fleet/web', namespace: 'shop', apply: { helmRelease: 'upgrade' } } as unknown as Environment;
    expect(syncSemanticsOf(env)).toBe('helm');
    expect(objectApplyOptions(job('x', { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false,Replace=true,PruneLast=true' }), undefined, 'helm')).toMatchObject({ prune: 'yes', delete: 'yes', replace: false, pruneLast: false, wave: 0 });
    expect(mayUseGenerateName({ apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'x-', annotations: { 'helm.sh/hook': 'pre-install' } } }, 'helm')).toBe(false);
    const objects: RenderedObject[] = [
      { object: job('seed', { 'helm.sh/hook': 'pre-install' }), source: { file: 'fleet/web/templates/seed.yaml' } },
      { object: job('migrate', { 'helm.sh/hook': 'pre-upgrade', 'helm.sh/hook-weight': '2' }), source: { file: 'fleet/web/templates/migrate.yaml' } },
      { object: job('check', { 'helm.sh/hook': 'test' }), source: { file: 'fleet/web/templates/check.yaml' } },
      { object: job('skip', { 'argocd.argoproj.io/hook': 'Skip' }), source: { file: 'fleet/web/skip.yaml' } },
    ];
    const plan = syncPlanOf(env, objects);
    expect(plan?.hooks.map((h) => `${h.phase} ${h.wave} ${h.name}`)).toEqual(['PreSync 2 migrate']);
    expect(plan?.skipped.map((s) => s.name)).toEqual(['seed', 'check']);
    expect(plan?.waves).toEqual([{ wave: 0, objects: 1 }]);
    expect([...neverAppliedIds(env, objects)]).toEqual(['batch/Job/shop/seed', 'batch/Job/shop/check']);
  });
});
