import { describe, expect, it } from 'vitest';
import { fluxExclusion, objectApplyOptions, syncSemanticsOf } from '../../src/model/apply-options.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { pruneKeepReason } from '../../src/cluster/prune-rules.ts';

const cm = (annotations: Record<string, string> = {}, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', annotations, labels },
});

describe('Flux per-object apply options', () => {
  it('Flux environments honour kustomize-controller annotations, others keep Argo CD semantics', () => {
    expect(syncSemanticsOf({ source: 'flux' })).toBe('flux');
    expect(syncSemanticsOf({ source: 'config' })).toBe('argocd');
  });

  it('ssa: Ignore and reconcile: disabled are never applied; the value matches in any case, as a label or an annotation', () => {
    // ssa: Ignore is among the garbage collection's Exclusions too (kustomize-controller deleteObjects): never pruned.
    expect(objectApplyOptions(cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }), undefined, 'flux')).toMatchObject({ apply: 'never', prune: 'no', keepReason: 'annotated kustomize.toolkit.fluxcd.io/ssa: Ignore' });
    expect(objectApplyOptions(cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'ignore' }), undefined, 'flux').apply).toBe('never');
    const disabled = objectApplyOptions(cm({}, { 'kustomize.toolkit.fluxcd.io/reconcile': 'Disabled' }), undefined, 'flux');
    expect(disabled).toMatchObject({ apply: 'never', prune: 'no', keepReason: 'annotated kustomize.toolkit.fluxcd.io/reconcile: disabled' });
    expect(disabled.skipReason).toContain('neither applies nor prunes');
    expect(fluxExclusion(cm({ 'kustomize.toolkit.fluxcd.io/reconcile': 'enabled' }))).toBeUndefined();
  });

  it('ssa: IfNotPresent is created only; Override and Merge are applied as usual', () => {
    expect(objectApplyOptions(cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }), undefined, 'flux')).toMatchObject({ apply: 'ifNotPresent' });
    expect(objectApplyOptions(cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' }), undefined, 'flux').apply).toBe('always');
    expect(objectApplyOptions(cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'Override' }), undefined, 'flux').apply).toBe('always');
  });

  it('force comes from spec.force or the object\'s force: enabled', () => {
    expect(objectApplyOptions(cm(), { force: true }, 'flux').recreateOnImmutable).toBe(true);
    expect(objectApplyOptions(cm({ 'kustomize.toolkit.fluxcd.io/force': 'Enabled' }), {}, 'flux').recreateOnImmutable).toBe(true);
    expect(objectApplyOptions(cm(), {}, 'flux').recreateOnImmutable).toBe(false);
  });

  it('Flux annotations mean nothing to Argo CD environments, and Argo CD sync options nothing to Flux', () => {
    expect(objectApplyOptions(cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }), { force: true }, 'argocd'))
      .toMatchObject({ apply: 'always', prune: 'yes', recreateOnImmutable: false });
    expect(objectApplyOptions(cm({ 'argocd.argoproj.io/sync-options': 'Prune=false,Replace=true' }), undefined, 'flux')).toMatchObject({ prune: 'yes', replace: false });
  });

  it('prune keeps prune: disabled and reconcile: disabled objects under Flux, not bosun\'s own annotation only', () => {
    expect(pruneKeepReason(cm({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }), { semantics: 'flux' })).toBe('annotated kustomize.toolkit.fluxcd.io/prune: disabled');
    expect(pruneKeepReason(cm({ 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' }), { semantics: 'flux', removal: true })).toBe('annotated kustomize.toolkit.fluxcd.io/reconcile: disabled');
    expect(pruneKeepReason(cm({ 'bosun.dev/prune': 'disabled' }), { semantics: 'flux' })).toBe('annotated bosun.dev/prune: disabled');
    expect(pruneKeepReason(cm(), { semantics: 'flux' })).toBeUndefined();
    expect(pruneKeepReason(cm({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }), { semantics: 'argocd' })).toBeUndefined();
  });
});

describe('Flux Kustomization apply fields from discovery', () => {
  it('maps spec.force, spec.wait, spec.healthChecks and spec.timeout; wait defaults to false as in Flux', async () => {
    const { discoverEnvironments, noteText } = await import('../../src/discover/index.ts');
    const { makeTree, yaml } = await import('../discover/temp-tree.ts');
    const ks = (name: string, spec: string) => yaml`
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata:
        name: ${name}
        namespace: flux-system
      spec:
        interval: 10m
        path: ./apps
        sourceRef:
          kind: GitRepository
          name: flux-system
${spec}`;
    const root = await makeTree({
      'clusters/staging/flux-system/gotk-sync.yaml': ks('flux-system', '        prune: true\n'),
      'clusters/staging/apps.yaml': ks('apps', [
        '        prune: false',
        '        force: true',
        '        timeout: 3m',
        '        healthChecks:',
        '          - apiVersion: apps/v1',
        '            kind: Deployment',
        '            name: backend',
        '            namespace: dev',
        '          - kind: Deployment',
        '',
      ].join('\n')),
      'clusters/staging/waiting.yaml': ks('waiting', '        prune: true\n        wait: true\n'),
      'apps/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
    });
    const { environments, notes } = await discoverEnvironments(root);
    expect(environments.find((e) => e.name === 'staging/apps')).toMatchObject({
      prune: false,
      healthTimeoutSeconds: 180,
      apply: { semantics: 'flux', wait: false, force: true, healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend', namespace: 'dev' }] },
    });
    expect(environments.find((e) => e.name === 'staging/waiting')?.apply).toEqual({ semantics: 'flux', wait: true });
    expect(notes.map(noteText)).toContainEqual(expect.stringContaining('environment staging/apps: a spec.healthChecks entry without apiVersion, kind and name is ignored'));
  });
});

describe('the plan\'s sync section for Flux environments', () => {
  it('lists the objects Flux never applies, with the annotation that says so; none: no section', async () => {
    const { syncPlanOf } = await import('../../src/plan/sync-plan.ts');
    const { syncSectionLines } = await import('../../src/report/sync-section.ts');
    const env = { source: 'flux' as const, apply: { semantics: 'flux' as const, wait: false } };
    const plan = syncPlanOf(env, [
      { object: cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }), source: { file: 'apps/cm.yaml', line: 3 } },
      { object: { ...cm({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }), metadata: { name: 'seed', namespace: 'n', annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } } } },
    ]);
    expect(plan?.skipped).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'c', reason: 'annotated kustomize.toolkit.fluxcd.io/ssa: Ignore in Git: Flux never applies it', file: 'apps/cm.yaml', line: 3 }]);
    expect(syncSectionLines(plan).join('\n')).toContain('- not applied: ConfigMap `n/c`: annotated kustomize.toolkit.fluxcd.io/ssa: Ignore in Git: Flux never applies it');
    expect(syncPlanOf(env, [{ object: cm() }])).toBeUndefined();
  });
});
