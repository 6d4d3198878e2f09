// A Flux Kustomization that a cluster overlay patches (the multi-cluster layout where clusters/base/apps.yaml
// is shared and clusters/production/kustomization.yaml sets its spec.path or postBuild): kustomize-controller
// applies the patched object. bosun builds the environment from the object as JSON 6902 / merge patches edit
// it; an edit it does not apply (namePrefix, namespace, several builds) makes it not previewed, never a
// preview of the unedited file (a phantom "base/apps" deploying apps/staging). A patch that only sets
// reconcile fields (decryption, timeout…) changes nothing it deploys and leaves the preview as it was.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

async function planOf(files: Record<string, string>, change: Record<string, string>): Promise<PlanResult> {
  const repo = await makeTwoCommitRepo(files, change);
  repos.push(repo);
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
  it('is built from the object as the patch edits it (spec.path, postBuild), so a change to the patched path is previewed', async () => {
    const patch = '- op: replace\n  path: /spec/path\n  value: ./apps/production\n- op: add\n  path: /spec/postBuild\n  value: {substitute: {env: prod}}';
    const prodMap = (level: string) => configMap('${env}', level);
    const plan = await planOf({ ...layout(patch), 'apps/production/cm.yaml': prodMap('info') }, { 'apps/production/cm.yaml': prodMap('debug') });
    const apps = plan.environments.find((e) => e.name === 'production/apps')!;
    // clusters/base is no cluster (no flux-system there): the environment is the production cluster's, whose build applies it.
    expect(apps).toMatchObject({ path: 'apps/production', cluster: 'production', affected: true });
    expect(apps.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap app']);
    expect(apps.changes[0].diff).toContain('env: prod');
    expect(apps.changes[0].diff).toMatch(/\n-\s+level: info\n\+\s+level: debug\n/);
    expect(plan.discovery?.find((n) => n.name === 'production/apps')?.reason).toContain('clusters/production/kustomization.yaml');
    expect(changedUncovered(plan)).toEqual([]);
  });

  it('re-plans it when only a JSON 6902 patch file it reads changes (the file defines the environment)', async () => {
    const files = layout('- op: add\n  path: /spec/postBuild\n  value: {substitute: {env: staging-eu}}');
    const kz = files['clusters/production/kustomization.yaml'].replace(/patches:[\s\S]*$/, 'patches:\n  - target: {kind: Kustomization, name: apps}\n    path: apps-patch.yaml\n');
    const patchFile = (env: string) => `- op: add\n  path: /spec/postBuild\n  value: {substitute: {env: ${env}}}\n`;
    const plan = await planOf(
      { ...files, 'clusters/production/kustomization.yaml': kz, 'clusters/production/apps-patch.yaml': patchFile('one'), 'apps/staging/cm.yaml': configMap('${env}', 'info') },
      { 'clusters/production/apps-patch.yaml': patchFile('two') },
    );
    const apps = plan.environments.find((e) => e.name === 'production/apps')!;
    expect(apps.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap app']);
    expect(apps.changes[0].diff).toMatch(/\n-\s+env: one\n\+\s+env: two\n/);
  });

  it('is not previewed when the build edits it in a way bosun does not apply (namePrefix): no phantom environment, and its files are ones bosun cannot judge, saying why', async () => {
    const files = layout('- op: replace\n  path: /spec/path\n  value: ./apps/production');
    const plan = await planOf(
      { ...files, 'clusters/production/kustomization.yaml': files['clusters/production/kustomization.yaml'].replace('resources:', 'namePrefix: prod-\nresources:') },
      { 'apps/production/cm.yaml': configMap('production', 'debug') },
    );
    expect(plan.environments.map((e) => e.name)).toEqual(['production/flux-system']);
    const note = plan.discovery?.find((n) => n.kind === 'Kustomization' && n.name === 'apps');
    expect(note).toMatchObject({ status: 'not-previewed', file: 'clusters/base/apps.yaml' });
    expect(note?.reason).toContain('namePrefix');
    expect(note?.reads).toEqual(expect.arrayContaining(['apps/staging', 'apps/production']));
    const unjudged = changedUncovered(plan);
    expect(unjudged.map((u) => u.file)).toEqual(['apps/production/cm.yaml']);
    expect(unjudged[0].reason).toContain('clusters/production/kustomization.yaml');
  });

  it('takes the namespace the overlay\'s namespace: sets on a Kustomization that has none, and stays previewed', async () => {
    const files = layout('- op: add\n  path: /spec/timeout\n  value: 3m');
    const plan = await planOf({
      ...files,
      'clusters/base/apps.yaml': files['clusters/base/apps.yaml'].replace('metadata: {name: apps, namespace: flux-system}', 'metadata: {name: apps}'),
      'clusters/production/kustomization.yaml': files['clusters/production/kustomization.yaml'].replace('resources:', 'namespace: flux-system\nresources:'),
    }, { 'apps/staging/cm.yaml': configMap('staging', 'debug') });
    const apps = plan.environments.find((e) => e.name === 'production/apps');
    expect(apps?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap app']);
    expect(plan.discovery?.find((n) => n.name === 'production/apps')?.reason).toContain('namespace: flux-system');
    expect(changedUncovered(plan)).toEqual([]);
  });

  it('stays previewed when the patch only sets reconcile fields (decryption, timeout)', async () => {
    const plan = await planOf(
      layout('- op: add\n  path: /spec/timeout\n  value: 3m\n- op: add\n  path: /spec/decryption\n  value: {provider: sops}'),
      { 'apps/staging/cm.yaml': configMap('staging', 'debug') },
    );
    const apps = plan.environments.find((e) => e.name === 'production/apps');
    expect(apps?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap app']);
    expect(plan.discovery?.some((n) => n.kind === 'Kustomization' && n.name === 'apps') ?? false).toBe(false);
    expect(changedUncovered(plan)).toEqual([]);
  });
});
