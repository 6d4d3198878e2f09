// An Argo CD Application with sync hooks and waves, through the GitHub App end to end: the pull request's
// comment shows the hooks and waves; each merge runs PreSync, applies wave by wave waiting for health,
// runs PostSync, on the real test API server (a status writer plays the kubelet), with the check run and
// the GitHub Deployment saying so; hooks stay out of the inventory and survive prune; a failing PreSync
// hook stops the sync and runs SyncFail. The Application names the cluster by its API URL, which the
// registry entry carries (`server:`), as Argo CD's cluster secret would.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventory } from '../../src/cluster/inventory.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { scenario } from '../../testkit/scenario.ts';
import { testClient } from '../cluster/helpers.ts';
import { outcomeAnnotation, startStatusWriter, type StatusWriter } from '../cluster/status-writer.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { testCluster, testKubeconfig } from '../../testkit/testenv/inject.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = `hooks-${randomBytes(3).toString('hex')}`;
const repoUrl = `https://github.com/${owner}/${name}`;
// The Application's name is the environment's: unique per run, as inventories are per environment.
const app = `shop-${randomBytes(3).toString('hex')}`;
const namespace = `bosun-e2e-sync-${randomBytes(3).toString('hex')}`;
const slow = 180_000;

const hookJob = (jobName: string, annotations: Record<string, string>): string => [
  'apiVersion: batch/v1',
  'kind: Job',
  'metadata:',
  `  ${jobName.endsWith('-') ? 'generateName' : 'name'}: ${jobName}`,
  `  namespace: ${namespace}`,
  '  annotations:',
  ...Object.entries(annotations).map(([k, v]) => `    ${k}: ${v}`),
  'spec:',
  '  backoffLimit: 0',
  '  template:',
  '    spec:',
  '      restartPolicy: Never',
  '      containers:',
  '        - { name: main, image: "busybox:1.36", command: ["true"] }',
  '',
].join('\n');
const configMap = (cmName: string, version: string, annotations: Record<string, string> = {}): string => [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  `  name: ${cmName}`,
  `  namespace: ${namespace}`,
  ...(Object.keys(annotations).length > 0 ? ['  annotations:', ...Object.entries(annotations).map(([k, v]) => `    ${k}: "${v}"`)] : []),
  'data:',
  `  version: "${version}"`,
  '',
].join('\n');
const deployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  `  namespace: ${namespace}`,
  '  annotations:',
  '    argocd.argoproj.io/sync-wave: "1"',
  'spec:',
  '  replicas: 1',
  '  selector: { matchLabels: { app: web } }',
  '  template:',
  '    metadata: { labels: { app: web } }',
  '    spec:',
  '      containers:',
  '        - { name: main, image: "nginx:1.27" }',
  '',
].join('\n');
const presync = (annotations: Record<string, string> = {}) => hookJob('migrate-', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation', ...annotations });

describe('an Argo CD Application with hooks and sync waves, from pull request to merge', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let writer: StatusWriter;
  let main: string;
  let prHead: string;
  const client = testClient();
  const checkName = `bosun / apply (${app})`;
  const s = scenario(owner, name, () => h);
  const { kubectl } = s;
  const jobs = async (): Promise<KubeObject[]> => (await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/apis/batch/v1/namespaces/${namespace}/jobs` })).body.items
    .filter((j) => !j.metadata?.deletionTimestamp);
  const jobNames = async (): Promise<string[]> => (await jobs()).map((j) => j.metadata?.name ?? '').sort();
  const live = (path: string) => client.getOrUndefined<KubeObject>(path);
  const completedRun = (sha: string) => s.completedRun(sha, checkName, { timeoutMs: slow });
  const finalStates = (sha: string, last: string) => s.finalStates(sha, app, last);
  /** Commits on main and sends GitHub's push event for it. */
  const merge = async (message: string, change: () => Promise<void>): Promise<string> => {
    await change();
    const before = main;
    main = await repo.commit(message);
    await push(before, main);
    return main;
  };
  const push = async (before: string, after: string): Promise<void> => {
    await s.push({ before, after });
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-argo-sync-'));
    const clustersFile = join(work, 'clusters.yaml');
    // Argo CD knows the cluster by its URL; so does this registry entry.
    await writeFile(clustersFile, `clusters:\n  test:\n    kubeconfig: ${testKubeconfig()}\n    server: ${testCluster().server}\n`);

    repo = await makeGitRepo();
    await repo.write('README.md', 'shop\n');
    // No environments: bosun discovers the Application; defaults bound how long a wait may take.
    await repo.write('.bosun.yaml', 'version: 1\ndefaults:\n  healthTimeout: 90s\n');
    main = await repo.commit('start');

    await repo.branch('add-shop');
    await repo.checkout('add-shop');
    await repo.write('argocd/shop.yaml', [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      `metadata: { name: ${app}, namespace: argocd }`,
      'spec:',
      `  source: { repoURL: ${repoUrl}, path: apps/shop, targetRevision: HEAD }`,
      `  destination: { server: "${testCluster().server}", namespace: ${namespace} }`,
      '  syncPolicy: { automated: { prune: true } }',
      '',
    ].join('\n'));
    await repo.write('apps/shop/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
    await repo.write('apps/shop/migrate.yaml', presync());
    await repo.write('apps/shop/settings.yaml', configMap('settings', '1', { 'argocd.argoproj.io/sync-wave': '-1' }));
    await repo.write('apps/shop/extra.yaml', configMap('extra', '1'));
    await repo.write('apps/shop/web.yaml', deployment);
    await repo.write('apps/shop/smoke-test.yaml', hookJob('smoke-test', { 'argocd.argoproj.io/hook': 'PostSync' }));
    prHead = await repo.commit('add the shop Application');
    await repo.checkout('main');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'add-shop', sha: prHead }, base: { ref: 'main' }, user: 'alice' });
    h.gh.setPermission(owner, name, 'alice', 'write');
    writer = startStatusWriter(client, namespace);
  }, 120_000);

  afterAll(async () => {
    await writer?.stop();
    await h?.close();
    client.close();
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('the pull request\'s comment shows the hooks in run order and the waves', async () => {
    await s.pullRequestEvent(1, 'opened');
    const comment = await waitFor('the sticky comment on the head', () => {
      const body = s.planComment(1);
      return body.includes(prHead.slice(0, 7)) && body.includes('#### Sync') ? body : undefined;
    }, slow);
    const sync = comment.slice(comment.indexOf('#### Sync'));
    const before = sync.indexOf(`runs before sync: Job \`${namespace}/migrate-*\``);
    const waves = sync.search(/- waves: `-1` 1 object → `0` \d+ objects? → `1` 1 object/);
    const after = sync.indexOf(`runs after sync: Job \`${namespace}/smoke-test\``);
    expect([before, waves, after].every((i) => i >= 0), sync.slice(0, 1500)).toBe(true);
    expect(before).toBeLessThan(waves);
    expect(waves).toBeLessThan(after);
    // Hooks are not objects the environment creates: the change lists the wave objects only.
    expect(s.checkRuns(prHead, `bosun / ${app}`)[0]?.conclusion).toBe('success');
  }, slow);

  it('the merge runs PreSync, applies wave by wave waiting for health, then PostSync; the check run and deployment say so', async () => {
    await repo.git('merge', '--ff-only', '-q', 'add-shop');
    const before = main;
    main = prHead;
    await push(before, main);

    // Wave 1's Deployment is applied once waves -1 and 0 are healthy; PostSync waits for it to be ready.
    await waitFor('the pods of web', async () => (await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: 'app=web' } })).body.items.length > 0, slow);
    expect(await jobNames()).toEqual([expect.stringMatching(/^migrate-/)]);
    writer.ready('web');

    const check = await completedRun(main);
    const output = check.output as { title: string; summary: string; text: string };
    expect(check.conclusion, output.text).toBe('success');
    expect(output.text).toMatch(/sync steps:\n {4}PreSync: 1 object, 1 hook: done in [\d.]+ s\n {4}wave -1: 1 object: done in [\d.]+ s\n {4}wave 0: 1 object: done in [\d.]+ s\n {4}wave 1: 1 object: done in [\d.]+ s\n {4}PostSync: 1 hook: done/);
    expect(output.summary).toContain('**Sync:** PreSync ✓ → wave -1 ✓ → wave 0 ✓ → wave 1 ✓ → PostSync ✓');
    expect((await finalStates(main, 'success')).map((s) => s.state)).toEqual(['in_progress', 'success']);

    // What existed when each hook started: nothing of the sync before PreSync, every wave before PostSync.
    // A generateName hook is named as Argo CD names it: the commit, the phase, the time.
    expect(writer.events).toEqual([
      expect.stringMatching(new RegExp(`^job migrate-${main.slice(0, 7)}-presync-\\d+ started; configmaps: ; deployments: $`)),
      'job smoke-test started; configmaps: extra,settings; deployments: web',
    ]);
    const settings = await live(`/api/v1/namespaces/${namespace}/configmaps/settings`);
    const web = await live(`/apis/apps/v1/namespaces/${namespace}/deployments/web`);
    expect(Date.parse(String(settings?.metadata?.creationTimestamp))).toBeLessThanOrEqual(Date.parse(String(web?.metadata?.creationTimestamp)));

    // Hooks are never in the inventory.
    const inventory = await readInventory(client, app, `${owner}/${name}`);
    expect(inventory?.entries.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(['ConfigMap/extra', 'ConfigMap/settings', 'Deployment/web', `Namespace/${namespace}`]);
    expect(await jobNames()).toEqual([expect.stringMatching(/^migrate-/), 'smoke-test']);
  }, slow);

  it('a second merge prunes what Git dropped but not the hooks, and replaces the PreSync hook\'s run', async () => {
    const jobsBefore = Object.fromEntries((await jobs()).map((j) => [j.metadata?.name?.startsWith('migrate-') ? 'migrate' : j.metadata?.name, j.metadata?.uid]));
    const sha = await merge('drop extra and the smoke test', async () => {
      await repo.remove('apps/shop/extra.yaml');
      await repo.remove('apps/shop/smoke-test.yaml');
      await repo.write('apps/shop/settings.yaml', configMap('settings', '2', { 'argocd.argoproj.io/sync-wave': '-1' }));
    });
    const check = await completedRun(sha);
    const output = check.output as { summary: string; text: string };
    expect(check.conclusion, output.text).toBe('success');
    expect(output.summary).toMatch(/\*\*Prune:\*\* 1 deleted/);
    await expect(kubectl('get', 'configmap', 'extra', '-n', namespace)).rejects.toThrow(/not found/i);
    expect((await live(`/api/v1/namespaces/${namespace}/configmaps/settings`))?.data).toEqual({ version: '2' });
    // The PostSync hook left Git and is still there, untouched; the PreSync hook ran anew (its earlier run deleted first).
    const after = Object.fromEntries((await jobs()).map((j) => [j.metadata?.name?.startsWith('migrate-') ? 'migrate' : j.metadata?.name, j.metadata?.uid]));
    expect(Object.keys(after).sort()).toEqual(['migrate', 'smoke-test']);
    expect(after['smoke-test']).toBe(jobsBefore['smoke-test']);
    expect(after.migrate).not.toBe(jobsBefore.migrate);
    expect((await jobs()).filter((j) => j.metadata?.name?.startsWith('migrate-'))).toHaveLength(1);
  }, slow);

  it('a failing PreSync hook stops the sync: nothing of it is applied, SyncFail runs, the check run and deployment fail', async () => {
    const seen = writer.events.length;
    const sha = await merge('a migration that fails', async () => {
      await repo.write('apps/shop/migrate.yaml', presync({ [outcomeAnnotation]: 'fail' }));
      await repo.write('apps/shop/page-oncall.yaml', hookJob('page-oncall', { 'argocd.argoproj.io/hook': 'SyncFail' }));
      await repo.write('apps/shop/settings.yaml', configMap('settings', '3', { 'argocd.argoproj.io/sync-wave': '-1' }));
    });
    const check = await completedRun(sha);
    const output = check.output as { summary: string; text: string };
    expect(check.conclusion, output.text).toBe('failure');
    expect(output.text).toMatch(/PreSync hook Job migrate-[a-z0-9-]+ failed/);
    expect(output.text).toMatch(/sync steps:\n {4}PreSync: 1 object, 1 hook: failed[^\n]*\n {4}wave -1: 1 object: not run\n {4}wave 1: 1 object: not run\n {4}SyncFail: 1 hook: done/);
    expect(output.summary).toContain('**Sync:** PreSync ✗ failed → wave -1 not run → wave 1 not run → SyncFail ✓');
    const states = await finalStates(sha, 'failure');
    expect(states.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(String(states[1].description)).toMatch(new RegExp(`^Apply of ${sha.slice(0, 7)} to ${app} failed: PreSync hook Job migrate-${sha.slice(0, 7)}-presync-\\d+ failed`));
    expect(String(states[1].description).length).toBeLessThanOrEqual(140);
    expect((await live(`/api/v1/namespaces/${namespace}/configmaps/settings`))?.data).toEqual({ version: '2' });
    expect(writer.events.slice(seen).map((e) => e.split(' ')[1].replace(new RegExp(`-${sha.slice(0, 7)}-presync-\\d+$`), '-*'))).toEqual(['migrate-*', 'page-oncall']);
    expect(await jobNames()).toEqual([expect.stringMatching(/^migrate-/), 'page-oncall', 'smoke-test']);
  }, slow);

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.problems()).toEqual([]);
  });
});
