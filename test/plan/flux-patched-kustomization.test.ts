// A Flux Kustomization that a cluster overlay patches (the multi-cluster layout where clusters/base/apps.yaml
// is shared and clusters/production/kustomization.yaml sets its spec.path or postBuild): kustomize-controller
// applies the patched object, which bosun's file-based discovery does not see. It must not be previewed as
// its file says (a phantom "base/apps" deploying apps/staging) but listed as not previewed, and a change to
// what the patched object deploys is one bosun cannot judge, with the reason. A patch that only sets
// reconcile fields (decryption, timeout…) changes nothing it deploys and leaves the preview as it was.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

async function planOf(files: Record<string, string>, change: Record<string, string>): Promise<PlanResult> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  await repo.commit('base');
  for (const [path, content] of Object.entries(change)) await repo.write(path, content);
  await repo.commit('change');
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
}

const configMap = (env: string, level: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: default}
data: {env: "${env}", level: ${level}}
`;

const layout = (patch: string) => ({
  'clusters/production/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/production'),
  'clusters/production/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - flux-system/gotk-sync.yaml
  - ../base
patches:
  - target: {kind: Kustomization, name: apps}
    patch: |
${patch.split('\n').map((l) => `      ${l}`).join('\n')}
`,
  'clusters/base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - apps.yaml\n',
  'clusters/base/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/staging
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`,
  'apps/staging/cm.yaml': configMap('staging', 'info'),
  'apps/production/cm.yaml': configMap('production', 'info'),
});

describe('a Flux Kustomization patched by the cluster overlay that applies it', () => {
  it('is not previewed from its file: no phantom environment, and a change to the patched path is one bosun cannot judge, saying why', async () => {
    const plan = await planOf(
      layout('- op: replace\n  path: /spec/path\n  value: ./apps/production'),
      { 'apps/production/cm.yaml': configMap('production', 'debug') },
    );
    expect(plan.environments.map((e) => e.name)).toEqual(['production/flux-system']);
    const note = plan.discovery?.find((n) => n.kind === 'Kustomization' && n.name === 'apps');
    expect(note).toMatchObject({ status: 'not-previewed', file: 'clusters/base/apps.yaml' });
    expect(note?.reason).toContain('clusters/production/kustomization.yaml');
    expect(note?.reads).toEqual(expect.arrayContaining(['apps/staging', 'apps/production']));
    const unjudged = changedUncovered(plan);
    expect(unjudged.map((u) => u.file)).toEqual(['apps/production/cm.yaml']);
    expect(unjudged[0].reason).toContain('clusters/production/kustomization.yaml');
  });

  it('stays previewed when the patch only sets reconcile fields (decryption, timeout)', async () => {
    const plan = await planOf(
      layout('- op: add\n  path: /spec/timeout\n  value: 3m\n- op: add\n  path: /spec/decryption\n  value: {provider: sops}'),
      { 'apps/staging/cm.yaml': configMap('staging', 'debug') },
    );
    const apps = plan.environments.find((e) => e.name === 'base/apps');
    expect(apps?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap app']);
    expect(plan.discovery?.some((n) => n.kind === 'Kustomization' && n.name === 'apps') ?? false).toBe(false);
    expect(changedUncovered(plan)).toEqual([]);
  });
});
