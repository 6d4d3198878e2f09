// A shared Flux Kustomization (clusters/base/apps.yaml) that two Kustomizations of the same cluster apply:
// each server-side applies its own copy with the same field manager, so the cluster holds whichever applied
// last. When both builds edit it alike, that is one object and bosun previews it; when they edit it
// differently, there is no one state to preview: not previewed, its files ones bosun cannot judge.
import { describe, expect, it } from 'vitest';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';

const planOf = twoCommitPlanner();

const configMap = (env: string, level: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: default}
data: {env: "${env}", level: ${level}}
`;

const overlay = (resources: string[], path: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${resources.map((r) => `  - ${r}`).join('\n')}
patches:
  - target: {kind: Kustomization, name: apps}
    patch: |
      - op: replace
        path: /spec/path
        value: ${path}
`;

const layout = (secondPath: string) => ({
  'clusters/production/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/production'),
  'clusters/production/kustomization.yaml': overlay(['flux-system/gotk-sync.yaml', 'extra.yaml', '../base/apps.yaml'], './apps/production'),
  'clusters/production/extra.yaml': fluxKustomization('extra', './clusters/production/extra'),
  'clusters/production/extra/kustomization.yaml': overlay(['../../base/apps.yaml'], secondPath),
  'clusters/base/apps.yaml': fluxKustomization('apps', './apps/staging'),
  'apps/staging/cm.yaml': configMap('staging', 'info'),
  'apps/production/cm.yaml': configMap('production', 'info'),
});

describe('a Flux Kustomization two builds of the same cluster apply, each patching it', () => {
  it('is previewed when both edit it into the same object', async () => {
    const plan = await planOf(layout('./apps/production'), { 'apps/production/cm.yaml': configMap('production', 'debug') });
    const apps = plan.environments.find((e) => e.name === 'production/apps')!;
    expect(apps).toMatchObject({ path: 'apps/production', affected: true });
    expect(apps.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap app']);
    expect(changedUncovered(plan)).toEqual([]);
  });

  it('is not previewed when they edit it differently (the cluster holds whichever applied last)', async () => {
    const plan = await planOf(layout('./apps/staging'), { 'apps/production/cm.yaml': configMap('production', 'debug') });
    expect(plan.environments.map((e) => e.name)).not.toContain('production/apps');
    expect(plan.discovery?.find((n) => n.kind === 'Kustomization' && n.name === 'apps')).toMatchObject({ status: 'not-previewed' });
    expect(changedUncovered(plan).map((u) => u.file)).toEqual(['apps/production/cm.yaml']);
  });
});
