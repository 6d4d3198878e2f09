// The home-ops layout of onedr0p/cluster-template: kubernetes/flux/cluster/ks.yaml's cluster-apps builds
// ./kubernetes/apps, whose per-app ks.yaml files are Flux Kustomizations; cluster-apps substitutes its
// postBuild variables into everything its build outputs — the app Kustomizations too — and patches every
// one of them (spec.patches with a document named `not-used`). kustomize-controller applies each app
// Kustomization as that build outputs it, so an app's `postBuild.substitute` value `echo.${DOMAIN}` holds
// cluster-apps' DOMAIN by the time the app's own build reads it.
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { fluxKustomization } from '../../testkit/flux-sync.ts';
import { makeTwoCommitRepo } from '../../testkit/git-repo.ts';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';

const planOf = twoCommitPlanner();

const settings = (namespace: string, domain: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: cluster-settings, namespace: ${namespace}}
data: {DOMAIN: ${domain}}
`;

const clusterKs = (patch = '') => `${fluxKustomization('cluster-meta', './kubernetes/flux/meta')}---
${fluxKustomization('cluster-apps', './kubernetes/apps', `  postBuild:
    substituteFrom:
      - {kind: ConfigMap, name: cluster-settings}
${patch}`)}`;

const appKs = (annotations = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: echo
  namespace: default
${annotations}spec:
  interval: 1h
  path: ./kubernetes/apps/default/echo/app
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  postBuild:
    substitute:
      HOST: echo.\${DOMAIN}
`;

const deployment = `apiVersion: v1
kind: ConfigMap
metadata: {name: echo, namespace: default}
data: {host: "\${HOST}", domain: "\${DOMAIN:=none}"}
`;

const layout = (ks: string, app: string) => ({
  'kubernetes/flux/cluster/ks.yaml': ks,
  'kubernetes/flux/meta/cluster-settings.yaml': settings('flux-system', 'example.org'),
  'kubernetes/apps/default/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./echo/ks.yaml]\n',
  'kubernetes/apps/default/echo/ks.yaml': app,
  'kubernetes/apps/default/echo/app/config.yaml': deployment,
});

describe("a Flux Kustomization's postBuild.substitute values, as the Kustomization applying it substitutes them", () => {
  it("take the parent's substituteFrom values: a change to the parent's ConfigMap changes the app (false \"no changes\" before)", async () => {
    const plan = await planOf(layout(clusterKs(), appKs()), { 'kubernetes/flux/meta/cluster-settings.yaml': settings('flux-system', 'example.net') });
    const echo = plan.environments.find((e) => e.name === 'echo')!;
    expect(echo.affected).toBe(true);
    expect(echo.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap echo']);
    expect(echo.changes[0].diff).toMatch(/-\s+host: echo\.example\.org\n\+\s+host: echo\.example\.net/);
    // The app reads no cluster-settings itself: its own ${DOMAIN} is not the parent's.
    expect(echo.changes[0].diff).toContain('domain: none');
  });

  it('leave an object that opts out (kustomize.toolkit.fluxcd.io/substitute: disabled) as written', async () => {
    const disabled = appKs('  annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n');
    const plan = await planOf(layout(clusterKs(), disabled), { 'kubernetes/flux/meta/cluster-settings.yaml': settings('flux-system', 'example.net') });
    const echo = plan.environments.find((e) => e.name === 'echo')!;
    expect(echo.changes).toEqual([]);
  });

  it("keep the app's own namespace under a spec.patches document named `not-used` (kustomize keeps the patched object's name and namespace)", async () => {
    // cluster-template's patch of every child: substituteFrom cluster-settings, read from the child's namespace.
    const patch = `  patches:
    - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: not-used, namespace: not-used}
        spec:
          postBuild:
            substituteFrom:
              - {kind: ConfigMap, name: cluster-settings}
`;
    const files = { ...layout(clusterKs(patch), appKs()), 'kubernetes/apps/default/settings.yaml': settings('default', 'apps.example.org') };
    files['kubernetes/apps/default/kustomization.yaml'] = files['kubernetes/apps/default/kustomization.yaml'].replace('resources: [', 'resources: [./settings.yaml, ');
    const plan = await planOf(files, { 'kubernetes/apps/default/settings.yaml': settings('default', 'apps.example.net') });
    const echo = plan.environments.find((e) => e.name === 'echo')!;
    expect(echo.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap echo']);
    expect(echo.changes[0].diff).toMatch(/-\s+domain: apps\.example\.org\n\+\s+domain: apps\.example\.net/);
  });

  it('make the merge apply the app when the parent\'s ConfigMap changes (affected without rendering)', async () => {
    const repo = await makeTwoCommitRepo(layout(clusterKs(), appKs()), { 'kubernetes/flux/meta/cluster-settings.yaml': settings('flux-system', 'example.net') });
    try {
      const affected = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
      expect(affected.map((a) => a.name).sort()).toEqual(['cluster-apps', 'cluster-meta', 'echo']);
    } finally {
      await rm(repo.dir, { recursive: true, force: true });
    }
  });

  it("move the app Kustomization into the parent's targetNamespace, where its substituteFrom is read (kustomize-controller's namespace: of the build)", async () => {
    const app = appKs().replace('      HOST: echo.${DOMAIN}\n', '      HOST: echo\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-settings}\n');
    const ks = `${fluxKustomization('cluster-meta', './kubernetes/flux/meta')}---\n${fluxKustomization('cluster-apps', './kubernetes/apps', '  targetNamespace: flux-system\n')}`;
    const plan = await planOf(layout(ks, app), { 'kubernetes/flux/meta/cluster-settings.yaml': settings('flux-system', 'example.net') });
    const echo = plan.environments.find((e) => e.name === 'echo')!;
    expect(echo.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap echo']);
    expect(echo.changes[0].diff).toMatch(/-\s+domain: example\.org\n\+\s+domain: example\.net/);
  });

  it("are previewed when the namespace's kustomization sets the app's namespace and the parent's spec.patches edit it too (both edits, inner first)", async () => {
    const patch = `  patches:
    - target: {group: kustomize.toolkit.fluxcd.io, kind: Kustomization}
      patch: |-
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata: {name: not-used}
        spec:
          postBuild:
            substituteFrom:
              - {kind: ConfigMap, name: cluster-settings}
`;
    const files = { ...layout(clusterKs(patch), appKs().replace('  namespace: default\n', '')), 'kubernetes/apps/default/settings.yaml': settings('default', 'apps.example.org') };
    files['kubernetes/apps/default/kustomization.yaml'] = files['kubernetes/apps/default/kustomization.yaml'].replace('resources: [', 'namespace: default\nresources: [./settings.yaml, ');
    const plan = await planOf(files, { 'kubernetes/apps/default/settings.yaml': settings('default', 'apps.example.net') });
    const echo = plan.environments.find((e) => e.name === 'echo');
    expect(echo?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap echo']);
    expect(echo?.changes[0].diff).toMatch(/-\s+domain: apps\.example\.org\n\+\s+domain: apps\.example\.net/);
  });

  it('pass through a chain: the app takes a value its parent took from cluster-apps (plan and merge)', async () => {
    const nsKs = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: default-apps, namespace: flux-system}
spec:
  interval: 1h
  path: ./kubernetes/apps/default
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substitute:
      DOMAIN: \${DOMAIN}
`;
    const files = { ...layout(clusterKs(), appKs()), 'kubernetes/apps/default-apps.yaml': nsKs };
    // cluster-apps applies only default-apps (its kustomization lists it), which applies echo.
    const before = { ...files, 'kubernetes/apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./default-apps.yaml]\n' };
    const change = { 'kubernetes/flux/meta/cluster-settings.yaml': settings('flux-system', 'example.net') };
    const plan = await planOf(before, change);
    const echo = plan.environments.find((e) => e.name === 'echo')!;
    expect(echo.changes[0]?.diff).toMatch(/-\s+host: echo\.example\.org\n\+\s+host: echo\.example\.net/);
    const repo = await makeTwoCommitRepo(before, change);
    try {
      const affected = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
      expect(affected.map((a) => a.name)).toContain('echo');
    } finally {
      await rm(repo.dir, { recursive: true, force: true });
    }
  });
});
