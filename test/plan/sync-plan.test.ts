import { describe, expect, it } from 'vitest';
import { objectApplyOptions } from '../../src/model/apply-options.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { orderForSync } from '../../src/model/sync-order.ts';
import { syncRoleOf } from '../../src/model/sync.ts';
import { neverAppliedIds, syncPlanOf } from '../../src/plan/sync-plan.ts';

const obj = (kind: string, name: string, annotations: Record<string, string> = {}, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: kind === 'Job' ? 'batch/v1' : kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { ...(name.endsWith('-') ? { generateName: name } : { name }), namespace: 'shop', annotations },
  ...extra,
});

describe('sync roles (gitops-engine hook, helm and syncwaves rules)', () => {
  it('reads Argo CD hooks, their phases, waves and delete policies', () => {
    expect(syncRoleOf(obj('Job', 'migrate-', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-2' }))).toEqual({
      role: 'hook', phases: ['PreSync'], wave: -2, deletePolicies: ['BeforeHookCreation'], declaredBy: 'argocd.argoproj.io/hook: PreSync',
    });
    expect(syncRoleOf(obj('Job', 'x', { 'argocd.argoproj.io/hook': 'PostSync, PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded,HookFailed' }))).toMatchObject({
      phases: ['PreSync', 'PostSync'], deletePolicies: ['HookSucceeded', 'HookFailed'],
    });
    expect(syncRoleOf(obj('Pod', 'x', { 'argocd.argoproj.io/hook': 'Skip' }))).toMatchObject({ role: 'skipped' });
    expect(syncRoleOf(obj('Pod', 'x', { 'argocd.argoproj.io/hook': 'Skip,Sync' }))).toMatchObject({ role: 'hook', phases: ['Sync'] });
    expect(syncRoleOf(obj('Job', 'x', { 'argocd.argoproj.io/hook': 'PreDelete' }))).toMatchObject({ role: 'skipped', reason: expect.stringContaining('not a phase a sync runs') });
    expect(syncRoleOf(obj('ConfigMap', 'x', { 'argocd.argoproj.io/sync-wave': '3' }))).toEqual({ role: 'resource', wave: 3 });
    expect(syncRoleOf(obj('ConfigMap', 'x', { 'argocd.argoproj.io/sync-wave': ' 3' }))).toEqual({ role: 'resource', wave: 0 });
  });

  it('maps Helm hooks the way Argo CD does', () => {
    expect(syncRoleOf(obj('Job', 'x', { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '5', 'helm.sh/hook-delete-policy': 'hook-succeeded' }))).toEqual({
      role: 'hook', phases: ['PreSync'], wave: 5, deletePolicies: ['HookSucceeded'], declaredBy: 'helm.sh/hook: pre-install,pre-upgrade',
    });
    expect(syncRoleOf(obj('Job', 'x', { 'helm.sh/hook': 'post-upgrade' }))).toMatchObject({ phases: ['PostSync'] });
    expect(syncRoleOf(obj('Pod', 'x', { 'helm.sh/hook': 'test' }))).toMatchObject({ role: 'skipped', reason: expect.stringContaining('helm.sh/hook: test') });
    expect(syncRoleOf(obj('ConfigMap', 'x', { 'helm.sh/hook': 'crd-install' }))).toEqual({ role: 'resource', wave: 0 });
    // Argo CD's own annotation wins over Helm's.
    expect(syncRoleOf(obj('Job', 'x', { 'helm.sh/hook': 'pre-install', 'argocd.argoproj.io/hook': 'PostSync' }))).toMatchObject({ phases: ['PostSync'] });
  });

  it('orders by phase, wave, kind and name, and moves a Namespace before the first object in it', () => {
    const items = [
      { phase: 'Sync' as const, wave: 0, group: 'apps', kind: 'Deployment', namespace: 'db', name: 'b' },
      { phase: 'PreSync' as const, wave: 0, group: 'batch', kind: 'Job', namespace: 'db', name: 'migrate' },
      { phase: 'Sync' as const, wave: 0, group: '', kind: 'Namespace', namespace: '', name: 'db' },
      { phase: 'Sync' as const, wave: -1, group: '', kind: 'ConfigMap', namespace: 'app', name: 'a' },
    ];
    expect(orderForSync(items).map((i) => `${i.phase}/${i.wave}/${i.kind}/${i.name}`)).toEqual([
      'PreSync/0/Namespace/db', 'PreSync/0/Job/migrate', 'Sync/-1/ConfigMap/a', 'Sync/0/Deployment/b',
    ]);
  });

  it('resolves sync options: the object wins over the Application for Prune and Delete', () => {
    const kept = obj('ConfigMap', 'x', { 'argocd.argoproj.io/sync-options': 'Prune=false, Delete=false' });
    expect(objectApplyOptions(kept, {}, 'argocd')).toMatchObject({ prune: 'no', delete: 'no' });
    expect(objectApplyOptions(obj('ConfigMap', 'x', { 'argocd.argoproj.io/sync-options': 'Prune=true' }), { prune: 'false' }, 'argocd').prune).toBe('yes');
    expect(objectApplyOptions(obj('ConfigMap', 'x'), { prune: 'confirm', pruneLast: true }, 'argocd')).toMatchObject({ prune: 'confirm', pruneLast: true });
    // Flux environments do not read Argo CD's annotations.
    expect(objectApplyOptions(kept, {}, 'none')).toMatchObject({ prune: 'yes', delete: 'yes', wave: 0 });
  });
});

describe('the sync plan of a render', () => {
  it('lists hooks in run order, waves and skipped objects', () => {
    const render = [
      obj('Job', 'upgrade-sql-schema-', { 'argocd.argoproj.io/hook': 'PreSync' }),
      obj('Deployment', 'web', { 'argocd.argoproj.io/sync-wave': '1' }),
      obj('ConfigMap', 'settings'),
      obj('Job', 'smoke-test', { 'helm.sh/hook': 'post-install', 'helm.sh/hook-delete-policy': 'hook-succeeded' }),
      obj('Pod', 'helm-test', { 'helm.sh/hook': 'test' }),
    ].map((object, i) => ({ object, source: { file: 'app/manifests.yaml', line: i * 10 + 1 } }));
    const plan = syncPlanOf({ source: 'argocd' }, render);
    expect(plan?.hooks.map((h) => `${h.phase} ${h.kind} ${h.name}`)).toEqual(['PreSync Job upgrade-sql-schema-*', 'PostSync Job smoke-test']);
    expect(plan?.hooks[0]).toMatchObject({ generateName: true, file: 'app/manifests.yaml', line: 1, deletePolicies: ['BeforeHookCreation'] });
    expect(plan?.waves).toEqual([{ wave: 0, objects: 1 }, { wave: 1, objects: 1 }]);
    expect(plan?.skipped).toEqual([expect.objectContaining({ kind: 'Pod', name: 'helm-test', reason: expect.stringContaining('helm.sh/hook: test') })]);
    expect(syncPlanOf({ source: 'flux' }, render)).toBeUndefined();
    expect(syncPlanOf({ source: 'argocd' }, [{ object: obj('ConfigMap', 'a') }])).toBeUndefined();
  });
});

describe('objects a sync never applies (kept out of the plan\'s changes)', () => {
  const rendered = (o: KubeObject) => ({ object: o });
  it('are Argo CD Skip and helm test hooks under Argo CD semantics, nothing else', () => {
    const objects = [obj('ConfigMap', 'skipped', { 'argocd.argoproj.io/hook': 'Skip' }), obj('Pod', 'helm-test', { 'helm.sh/hook': 'test' }), obj('ConfigMap', 'plain'), obj('Job', 'migrate', { 'argocd.argoproj.io/hook': 'PreSync' })];
    expect([...neverAppliedIds({ source: 'argocd' }, objects.map(rendered))]).toEqual(['/ConfigMap/shop/skipped', '/Pod/shop/helm-test']);
  });

  it('are ssa: Ignore and reconcile: disabled objects under Flux semantics', () => {
    const objects = [obj('ConfigMap', 'ignored', { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }), obj('ConfigMap', 'disabled', { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }), obj('ConfigMap', 'plain'), obj('ConfigMap', 'once', { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' })];
    expect([...neverAppliedIds({ source: 'flux' }, objects.map(rendered))]).toEqual(['/ConfigMap/shop/ignored', '/ConfigMap/shop/disabled']);
  });

  it('follow the environment\'s semantics: Argo CD\'s annotations by default, none when it says so', () => {
    const skip = [rendered(obj('ConfigMap', 'x', { 'argocd.argoproj.io/hook': 'Skip' }))];
    expect(neverAppliedIds({ source: 'config' }, skip).size).toBe(1);
    expect(neverAppliedIds({ source: 'config', apply: { semantics: 'none' } }, skip).size).toBe(0);
  });
});
