// Never a silent green for what goes to a cluster bosun does not know (issue #11): a Fleet target or
// targetCustomization naming (clusterName) a cluster the registry lacks, a Flux Kustomization or HelmRelease
// with spec.kubeConfig. Each is a not-previewed note naming it and where it is written, and a change to what
// it reads is one the plan cannot judge (exit 3 in the CLI, the App's neutral check) — also when another,
// previewed environment reads the same files, since that shows one cluster of two. Real git, real kustomize
// and helm, through planChange.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { DiscoveryNote } from '../../src/model/discovery.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import type { DiscoveryClusters } from '../../src/discover/types.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => { await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true }))); });

async function planOf(files: Record<string, string>, change: Record<string, string>, opts: { clusters?: DiscoveryClusters; repoUrls?: string[] } = {}): Promise<PlanResult> {
  const repo = await makeTwoCommitRepo(files, change);
  repos.push(repo);
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', ...opts });
}

const notPreviewed = (plan: PlanResult, kind: string): DiscoveryNote[] => (plan.discovery ?? []).filter((n) => n.kind === kind && n.status === 'not-previewed');
const unjudged = (plan: PlanResult) => changedUncovered(plan).map((u) => u.file);
const configMap = (value: string, name = 'web') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  level: "${value}"\n`;

describe('Rancher Fleet: a bundle naming a cluster the registry lacks', () => {
  const repoUrl = 'https://github.com/acme/fleet';
  const gitRepo = (targets: string) => `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: shop\n  namespace: fleet-default\nspec:\n  repo: ${repoUrl}\n  paths: [app]\n  targets:\n${targets}`;
  const registry: DiscoveryClusters = { clusters: [{ name: 'a', labels: { env: 'dev' } }, { name: 'b', labels: { env: 'prod' } }] };

  it('a GitRepo target `clusterName: x`: the bundle is previewed on the registered cluster, and a change to it is one bosun cannot judge', async () => {
    const plan = await planOf({
      'fleet/gitrepo.yaml': gitRepo('    - name: dev\n      clusterName: a\n    - name: edge\n      clusterName: x\n'),
      'app/fleet.yaml': 'defaultNamespace: shop\n',
      'app/cm.yaml': configMap('info'),
    }, { 'app/cm.yaml': configMap('debug') }, { clusters: registry, repoUrls: [repoUrl] });
    expect(plan.environments.map((e) => `${e.name} ${e.changes.map((c) => `${c.action} ${c.kind}`).join()}`)).toEqual(['shop-app@a update ConfigMap']);
    expect(notPreviewed(plan, 'Bundle')).toEqual([expect.objectContaining({
      name: 'shop-app',
      file: 'fleet/gitrepo.yaml',
      line: 12,
      changed: ['app/cm.yaml'],
      reason: 'target `edge` names cluster `x` (clusterName), which the cluster registry lacks — it defines `a`, `b`: what this bundle deploys there is not previewed and bosun applies nothing there. Add `x` to the registry (with its labels) to preview it, or fix the clusterName',
    })]);
    // Without the note this was exit 0: the previewed cluster's diff looked like the whole change.
    expect(unjudged(plan)).toEqual(['app/cm.yaml']);
  }, 120_000);

  it('a targetCustomization `clusterName: x` (fleet.yaml) is named too, with the condition under which the bundle goes there', async () => {
    const plan = await planOf({
      'app/fleet.yaml': 'defaultNamespace: shop\ntargetCustomizations:\n  - name: edge\n    clusterName: x\n    namespace: edge\n',
      'app/cm.yaml': configMap('info'),
    }, { 'app/cm.yaml': configMap('debug') }, { clusters: registry });
    expect(plan.environments.map((e) => e.name).sort()).toEqual(['app@a', 'app@b']);
    expect(notPreviewed(plan, 'Bundle')).toEqual([expect.objectContaining({
      file: 'app/fleet.yaml',
      line: 3,
      reason: expect.stringMatching(/^targetCustomization `edge` names cluster `x` \(clusterName\), which the cluster registry lacks — it defines `a`, `b`: if Fleet's targets select that cluster/),
    })]);
    expect(unjudged(plan)).toEqual(['app/cm.yaml']);
  }, 120_000);

  it('every named cluster registered, or the unregistered one with doNotDeploy: judged as before', async () => {
    const plan = await planOf({
      'fleet/gitrepo.yaml': gitRepo('    - name: off\n      clusterName: x\n      doNotDeploy: true\n    - name: dev\n      clusterName: a\n'),
      'app/fleet.yaml': 'defaultNamespace: shop\n',
      'app/cm.yaml': configMap('info'),
    }, { 'app/cm.yaml': configMap('debug') }, { clusters: registry, repoUrls: [repoUrl] });
    expect(plan.environments.map((e) => e.name)).toEqual(['shop-app@a']);
    expect(notPreviewed(plan, 'Bundle')).toEqual([]);
    expect(unjudged(plan)).toEqual([]);
  }, 120_000);
});

describe('Flux: spec.kubeConfig (another cluster)', () => {
  const fluxSystem = fluxSystemSync('clusters/hub');
  const kustomization = fluxKustomization;
  const remote = '  kubeConfig:\n    secretRef: {name: edge-kubeconfig}\n';
  const files = {
    'clusters/hub/flux-system/gotk-sync.yaml': fluxSystem,
    'clusters/hub/apps.yaml': `${kustomization('apps', './apps')}---\n${kustomization('apps-edge', './apps', remote)}`,
    'apps/cm.yaml': configMap('info'),
  };

  it('a Kustomization on another cluster reading the folder a previewed one reads: the change is previewed for the hub and one bosun cannot judge for the other cluster', async () => {
    const plan = await planOf(files, { 'apps/cm.yaml': configMap('debug') });
    expect(plan.environments.filter((e) => e.affected).map((e) => e.name)).toEqual(['hub/apps']);
    expect(notPreviewed(plan, 'Kustomization')).toEqual([expect.objectContaining({
      name: 'apps-edge',
      file: 'clusters/hub/apps.yaml',
      changed: ['apps/cm.yaml'],
      reason: expect.stringContaining('spec.kubeConfig: kustomize-controller applies it on another cluster (the kubeconfig in Secret edge-kubeconfig), which bosun does not know: what it deploys there is not previewed'),
    })]);
    // Was exit 0: the hub's diff read as the whole change.
    expect(unjudged(plan)).toEqual(['apps/cm.yaml']);
  }, 120_000);

  it('with a .bosun.yaml listing the environments, the Kustomization is not an environment like every other one: nothing more to judge', async () => {
    const plan = await planOf({ ...files, '.bosun.yaml': 'version: 1\nenvironments:\n  - name: hub\n    path: apps\n  - name: edge\n    path: apps\n' }, { 'apps/cm.yaml': configMap('debug') });
    expect(plan.environments.filter((e) => e.affected).map((e) => e.name).sort()).toEqual(['edge', 'hub']);
    expect((plan.discovery ?? []).find((n) => n.name === 'apps-edge')?.status).toBe('not-an-environment');
    expect(unjudged(plan)).toEqual([]);
  }, 120_000);

  it('a HelmRelease on another cluster whose chart a previewed release also uses: a change to the chart\'s values is one bosun cannot judge', async () => {
    const release = (name: string, extra = '') => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: ${name}, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
${extra}`;
    const plan = await planOf({
      'clusters/hub/flux-system/gotk-sync.yaml': fluxSystem,
      'clusters/hub/apps.yaml': kustomization('apps', './apps'),
      'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - web.yaml\n  - web-edge.yaml\n',
      'apps/web.yaml': release('web'),
      'apps/web-edge.yaml': release('web-edge', remote),
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'charts/web/values.yaml': 'level: info\n',
      'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  level: {{ .Values.level | quote }}\n',
    }, { 'charts/web/values.yaml': 'level: debug\n' });
    expect(plan.environments.filter((e) => e.affected).map((e) => e.name)).toEqual(['hub/web']);
    expect(notPreviewed(plan, 'HelmRelease')).toEqual([expect.objectContaining({ name: 'web-edge', file: 'apps/web-edge.yaml', changed: ['charts/web/values.yaml'] })]);
    expect(unjudged(plan)).toEqual(['charts/web/values.yaml']);
  }, 120_000);
});
