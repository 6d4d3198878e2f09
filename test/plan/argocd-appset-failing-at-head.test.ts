// An ApplicationSet that fails at the merged commit (a template or generator error, an Application it cannot
// create) deletes nothing in Argo CD: Reconcile returns before deleteInCluster (applicationset_controller.go), so
// the Applications it generated before stay and keep syncing their sources at the merged commit with their last
// generated spec. What a merge applies (plan/affected.ts) must not prune them as removed environments; the plan
// previews, and the merge applies, what they sync (discover/argocd-kept.ts).
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { planChange } from '../../src/plan/plan.ts';
import { loadDesiredState } from '../../src/plan/desired-state.ts';
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
  const broken = '          - { env: staging, replicas: 2 }\n          - { env: prod }';
  const healthy = '          - { env: staging }\n          - { env: prod }';
  const plan = async (after: Record<string, string>, remove: string[] = []) => {
    const repo = await makeTwoCommitRepo({ 'apps/web/cm.yaml': cm, 'sets/web.yaml': set(healthy) }, after);
    repos.push(repo);
    if (remove.length > 0) {
      for (const path of remove) await repo.remove(path);
      await repo.commit('remove');
    }
    const result = await planChange({ repoDir: repo.dir, base: remove.length > 0 ? 'HEAD~2' : 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    return { repo, result, envs: result.environments.filter((e) => e.name.startsWith('web-')).sort((a, b) => (a.name < b.name ? -1 : 1)) };
  };

  it('keeps the Applications it generated before, with their last generated spec: nothing of theirs changes, nothing is deleted', async () => {
    const { envs, result } = await plan({ 'sets/web.yaml': set(broken) });
    expect(envs.map((e) => e.name)).toEqual(['web-prod', 'web-staging']);
    for (const env of envs) {
      expect(env.lifecycle).toBeUndefined();
      expect(env.changes).toEqual([]);
      expect(env.reason).toMatch(/kept by failing ApplicationSet web: previewed with its last generated spec/);
    }
    // Said in the report's notes too, per kept Application.
    expect(result.discovery?.filter((n) => n.kind === 'Environment' && /kept by failing ApplicationSet web/.test(n.reason)).map((n) => n.name).sort()).toEqual(['web-prod', 'web-staging']);
    // What is not modelled is said on the ApplicationSet: the Applications it would generate now are not created.
    expect(result.discovery?.find((n) => n.kind === 'ApplicationSet' && n.name === 'web')?.reason).toMatch(/replicas.*the new ones it would generate are not created/);
  });

  it('previews what they sync from the merged commit: a change to their source folder shows on each', async () => {
    const { envs, result } = await plan({ 'sets/web.yaml': set(broken), 'apps/web/cm.yaml': `${cm}data:\n  LOG_LEVEL: debug\n` });
    for (const env of envs) {
      expect(env).toMatchObject({ affected: true, render: { objects: 1 } });
      expect(env.changes.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual(['update ConfigMap/web']);
      expect(env.changes[0].diff).toContain('LOG_LEVEL: debug');
    }
    // The folder is read by the kept environments: no "cannot judge" for it (exit 3 only for what is not modelled).
    expect(result.coverage?.uncovered.filter((u) => u.changed).map((u) => u.file)).toEqual([]);
  });

  it('does not preview one under its RollingSync, which nothing syncs while the reconcile fails: kept, its folder a change bosun cannot judge', async () => {
    const rolling = (elements: string) => set(elements).replace('  template:\n', '  strategy:\n    type: RollingSync\n    rollingSync:\n      steps:\n        - matchExpressions: [{ key: env, operator: In, values: [staging, prod] }]\n  template:\n')
      .replace("name: 'web-{{env}}'", "name: 'web-{{env}}'\n      labels: { env: '{{env}}' }");
    const repo = await makeTwoCommitRepo(
      { 'apps/web/cm.yaml': cm, 'sets/web.yaml': rolling(healthy) },
      { 'sets/web.yaml': rolling(broken), 'apps/web/cm.yaml': `${cm}data:\n  LOG_LEVEL: debug\n` },
    );
    repos.push(repo);
    const result = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    const envs = result.environments.filter((e) => e.name.startsWith('web-'));
    expect(envs.map((e) => [e.name, e.lifecycle, e.affected, e.changes.length])).toEqual([['web-prod', 'removed', false, 0], ['web-staging', 'removed', false, 0]]);
    expect(result.coverage?.uncovered.filter((u) => u.changed).map((u) => u.file)).toContain('apps/web/cm.yaml');
  });

  it('says a kept Application whose source folder is gone at the merged commit cannot be rendered, as Argo CD reports a ComparisonError', async () => {
    const { envs } = await plan({ 'sets/web.yaml': set(broken) }, ['apps/web/cm.yaml']);
    expect(envs.map((e) => e.name)).toEqual(['web-prod', 'web-staging']);
    for (const env of envs) {
      expect(env.affected).toBe(true);
      expect(env.render).toMatchObject({ error: { side: 'head' } });
      expect((env.render as { error: { message: string } }).error.message).toMatch(/apps\/web/);
    }
  });
});

describe('the plan of a change that fixes an ApplicationSet failing at the base commit', () => {
  it('shows what it generates as new, saying Argo CD may already run them as it last generated them', async () => {
    const repo = await makeTwoCommitRepo(
      { 'apps/web/cm.yaml': cm, 'sets/web.yaml': set('          - { env: staging, replicas: 2 }') },
      { 'sets/web.yaml': set('          - { env: staging }') },
    );
    repos.push(repo);
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    const env = plan.environments.find((e) => e.name === 'web-staging');
    expect(env).toMatchObject({ lifecycle: 'added', affected: true });
    expect(env?.reason).toMatch(/ApplicationSet web fails at the base commit, so Argo CD may already run this Application as it last generated it/);
  });
});

describe('an ApplicationSet that failed before the base commit too', () => {
  // healthy → broken → the change under plan: Argo CD runs what it generated at the healthy commit.
  const history = async (change: Record<string, string>) => {
    const repo = await makeTwoCommitRepo({ 'apps/web/cm.yaml': cm, 'sets/web.yaml': set('          - { env: staging }') }, { 'sets/web.yaml': set('          - { env: staging, replicas: 2 }') });
    repos.push(repo);
    const healthy = (await repo.git('rev-parse', 'HEAD~1')).trim();
    for (const [path, content] of Object.entries(change)) await repo.write(path, content);
    await repo.commit('the change');
    return { repo, healthy };
  };

  it('fixed: what it generates again is diffed against what it last generated, not shown as new', async () => {
    const { repo } = await history({ 'sets/web.yaml': set('          - { env: staging }\n          - { env: prod }') });
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    const byName = new Map(plan.environments.map((e) => [e.name, e]));
    expect(byName.get('web-staging')?.lifecycle).toBeUndefined();
    expect(byName.get('web-staging')?.changes).toEqual([]);
    // The one it did not generate before is new, and nothing says Argo CD may already run it.
    expect(byName.get('web-prod')).toMatchObject({ lifecycle: 'added', changes: [{ action: 'create', kind: 'ConfigMap', name: 'web' }] });
    expect(byName.get('web-prod')?.reason).not.toMatch(/may already run/);
    const merged = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    // The merge applies web-staging as any Application whose ApplicationSet file changed, not as a new one.
    expect(merged.filter((a) => a.name.startsWith('web-')).map((a) => [a.name, a.decision.lifecycle])).toEqual([['web-prod', 'added'], ['web-staging', undefined]]);
  });

  it('still broken: the kept Applications are previewed, and the merge applies them with the definition of the commit that generated them', async () => {
    const { repo, healthy } = await history({ 'apps/web/cm.yaml': `${cm}data:\n  LOG_LEVEL: debug\n` });
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    const env = plan.environments.find((e) => e.name === 'web-staging');
    expect(env?.reason).toMatch(/kept by failing ApplicationSet web/);
    expect(env?.changes.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual(['update ConfigMap/web']);
    const merged = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    expect(merged.filter((a) => a.name.startsWith('web-')).map((a) => [a.name, a.keptDefinedAt])).toEqual([['web-staging', healthy]]);
    const desired = await loadDesiredState({ repoDir: repo.dir, ref: 'HEAD', definedAt: healthy, env: 'web-staging', repoUrls: [repoUrl] });
    expect(desired.objects.map((o) => o.object.data)).toEqual([{ LOG_LEVEL: 'debug' }]);
  });
});

describe('the merge of a change that makes an ApplicationSet fail', () => {
  it('applies what the Applications it keeps sync from the merged commit, defined as they were generated before', async () => {
    const repo = await makeTwoCommitRepo(
      { 'apps/web/cm.yaml': cm, 'sets/web.yaml': set('          - { env: staging }\n          - { env: prod }') },
      { 'sets/web.yaml': set('          - { env: staging, replicas: 2 }\n          - { env: prod }'), 'apps/web/cm.yaml': `${cm}data:\n  LOG_LEVEL: debug\n` },
    );
    repos.push(repo);
    const affected = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl] });
    const web = affected.filter((a) => a.name.startsWith('web-'));
    const baseSha = (await repo.git('rev-parse', 'HEAD~1')).trim();
    expect(web.map((a) => [a.name, a.keptDefinedAt, a.env?.path, a.decision.lifecycle])).toEqual([
      ['web-prod', baseSha, 'apps/web', undefined],
      ['web-staging', baseSha, 'apps/web', undefined],
    ]);
    // The apply job's desired state: the base's definition rendered from the merged commit's files.
    const desired = await loadDesiredState({ repoDir: repo.dir, ref: 'HEAD', definedAt: 'HEAD~1', env: 'web-prod', repoUrls: [repoUrl] });
    expect(desired.objects.map((o) => o.object.data)).toEqual([{ LOG_LEVEL: 'debug' }]);
  });
});
