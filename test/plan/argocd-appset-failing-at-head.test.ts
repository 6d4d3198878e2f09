// An ApplicationSet that fails at the merged commit (a template or generator error, an Application it cannot
// create) deletes nothing in Argo CD: Reconcile returns before deleteInCluster (applicationset_controller.go), so
// the Applications it generated before stay and keep syncing. What a merge applies (plan/affected.ts) must not
// prune them as removed environments.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { planChange } from '../../src/plan/plan.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});
const set = (elements: string, name = 'web-{{env}}') => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: web
  namespace: argocd
spec:
  generators:
    - list:
        elements:
${elements}
  template:
    metadata:
      name: '${name}'
    spec:
      project: default
      source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: apps/web }
      destination: { server: https://kubernetes.default.svc, namespace: 'web-{{env}}' }
`;
const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n';

/** The environments a merge prunes (affectedEnvironments' removed ones) when the list's elements change from two to `headElements`. */
async function prunedAfter(headElements: string, baseElements = '          - { env: staging }\n          - { env: prod }', name = 'web-{{env}}'): Promise<string[]> {
  const repo = await makeTwoCommitRepo(
    { 'apps/web/cm.yaml': cm, 'sets/web.yaml': set(baseElements, name) },
    { 'sets/web.yaml': set(headElements, name) },
  );
  repos.push(repo);
  const affected = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
  // affectedEnvironments lists what a merge applies or prunes: a kept removed environment is not in it.
  return affected.filter((a) => a.decision.lifecycle === 'removed' && a.decision.affected).map((a) => a.name);
}

describe('an ApplicationSet failing at the merged commit', () => {
  it('keeps the Applications it generated before: not pruned', async () => {
    expect(await prunedAfter('          - { env: staging, replicas: 2 }\n          - { env: prod }')).toEqual([]);
  });

  it('keeps them when one Application it generates cannot be created (a name with a placeholder no element fills)', async () => {
    const base = '          - { env: staging, region: eu }\n          - { env: prod, region: eu }';
    expect(await prunedAfter('          - { env: staging, region: eu }\n          - { env: qa }', base, 'web-{{env}}-{{region}}')).toEqual([]);
  });

  it('still prunes when it generates fewer Applications without failing', async () => {
    expect(await prunedAfter('          - { env: staging }')).toEqual(['web-prod']);
  });
});

describe('the plan of a change that makes an ApplicationSet fail', () => {
  it('shows the Applications it generated before as kept with their objects, as the merge keeps them, never as deletions', async () => {
    const repo = await makeTwoCommitRepo(
      { 'apps/web/cm.yaml': cm, 'sets/web.yaml': set('          - { env: staging }\n          - { env: prod }') },
      { 'sets/web.yaml': set('          - { env: staging, replicas: 2 }\n          - { env: prod }') },
    );
    repos.push(repo);
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    const envs = plan.environments.filter((e) => e.name.startsWith('web-'));
    expect(envs.map((e) => e.name).sort()).toEqual(['web-prod', 'web-staging']);
    for (const env of envs) {
      expect(env).toMatchObject({ lifecycle: 'removed', affected: false });
      expect(env.changes.filter((c) => c.action === 'delete')).toEqual([]);
      expect(env.reason).toMatch(/ApplicationSet web deletes no Application at the merged commit/);
    }
  });
});
