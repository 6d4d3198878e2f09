// `/bosun sync <env>` end to end: disaster recovery from any pull request. An object deleted by hand
// comes back, recorded as a deployment with trigger sync; a rolled-back (pinned) environment returns
// to the default branch's tip and loses its pin, even though the rollback's apply was ordered after the
// tip's merge.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvStatusStore, type EnvStatusStore } from '../../src/jobs.ts';
import { scenario, type Json, type PushRange } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { redisUrl, startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'recovery';
const fullName = `${owner}/${name}`;
// Unique on the shared test cluster: bosun's inventory is per environment name.
const env = `staging-${randomBytes(3).toString('hex')}`;
const checkName = `bosun / apply (${env})`;

describe('/bosun sync re-applies the default branch', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let namespace: string;
  let tip: string;
  let redis: Redis;
  let status: EnvStatusStore;
  const merges: Record<number, string> = {};
  const s = scenario(owner, name, () => h);
  const { kubectl } = s;
  const value = (cm: string): Promise<string> => kubectl('get', 'configmap', cm, '-n', namespace, '-o', 'jsonpath={.data.version}');
  const configMap = (cm: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\n  namespace: ${namespace}\ndata:\n  version: "${v}"\n`;

  const mergePr = async (number: number, title: string, change: () => Promise<void>): Promise<PushRange> => {
    const range = await s.mergeChange(repo, number, title, change);
    tip = range.after;
    merges[number] = tip;
    await s.push(range);
    return range;
  };
  const completedRun = (sha: string, count = 1) => s.completedRun(sha, checkName, { count });
  const command = async (pr: number, user: string, body: string, reaction: 'rocket' | 'confused'): Promise<string> => (await s.command(pr, user, body, reaction))!;
  const syncDeployments = (sha: string): Json[] => h.gh.deployments(owner, name).filter((d) => d.sha === sha && (d.payload as Json).trigger === 'sync');
  const finalStates = (deployment: Json) => waitFor('the deployment\'s final status', () => {
    const all = s.deploymentStates(deployment);
    return ['success', 'failure'].includes(String(all.at(-1)?.state)) ? all.map((d) => d.state) : undefined;
  });

  beforeAll(async () => {
    namespace = `bosun-e2e-${randomBytes(3).toString('hex')}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-sync-'));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile);
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', ['version: 1', 'environments:', `  - name: ${env}`, '    path: clusters/staging', '    cluster: test', '    healthTimeout: 30s', ''].join('\n'));
    tip = await repo.commit('configure bosun');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    h.gh.setPermission(owner, name, 'alice', 'write');
    h.gh.setPermission(owner, name, 'mia', 'maintain');
    redis = new Redis(redisUrl);
    status = createEnvStatusStore(redis, h.prefix);

    await mergePr(1, 'version 1', async () => {
      await repo.write('clusters/staging/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
      await repo.write('clusters/staging/app.yaml', configMap('app', '1'));
      await repo.write('clusters/staging/settings.yaml', configMap('settings', '1'));
    });
    expect((await completedRun(merges[1]!)).conclusion).toBe('success');
    // An open pull request to run the commands on: sync works from any PR.
    await repo.git('checkout', '--quiet', '-b', 'unrelated', 'main');
    await repo.write('docs.md', 'docs\n');
    const head = await repo.commit('docs');
    await repo.checkout('main');
    await h.gh.addPullRequest({ owner, repo: name, number: 2, head: { ref: 'unrelated', sha: head }, base: { ref: 'main' }, user: 'alice' });
  }, 240_000);

  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('is refused for a writer (naming the permission) and for an unknown environment', async () => {
    expect(await command(2, 'alice', `/bosun sync ${env}`, 'confused')).toContain(`@alice needs maintain permission to run \`/bosun sync ${env}\``);
    expect(await command(2, 'mia', '/bosun sync nowhere', 'confused')).toContain(`\`nowhere\` is not an environment on \`main\`; known: \`${env}\``);
  });

  it('brings back an object deleted by hand, recorded as a deployment of the tip with trigger sync', async () => {
    await kubectl('delete', 'configmap', 'settings', '-n', namespace);
    const reply = await command(2, 'mia', `/bosun sync ${env}`, 'rocket');
    expect(reply).toContain(`Syncing \`${env}\` with \`main\` at \`${tip.slice(0, 7)}\``);
    expect(reply).not.toContain('pinned');

    const check = await completedRun(tip, 2);
    expect(check.conclusion).toBe('success');
    expect(await value('settings')).toBe('1');
    const [deployment, ...more] = syncDeployments(tip);
    expect(more).toHaveLength(0);
    expect(deployment).toMatchObject({ environment: env, ref: tip, payload: { trigger: 'sync', pr: 2 } });
    expect(String(deployment!.description)).toContain('syncs');
    expect(await finalStates(deployment!)).toEqual(['in_progress', 'success']);
    expect(await status.lastApply(fullName, env)).toMatchObject({ sha: tip, trigger: 'sync', ok: true, requestedBy: 'mia' });
  }, 150_000);

  it('returns a rolled-back environment to the tip and removes its pin', async () => {
    await mergePr(3, 'version 2', () => repo.write('clusters/staging/app.yaml', configMap('app', '2')));
    expect((await completedRun(merges[3]!)).conclusion).toBe('success');
    await command(3, 'mia', `/bosun rollback ${env} --now`, 'rocket');
    await waitFor('the rollback to version 1', async () => (await value('app')) === '1', 90_000);
    expect(await status.pin(fullName, env)).toMatchObject({ sha: merges[1], reason: 'rollback of #3' });

    // The rollback's apply is ordered after the tip's merge; the sync must still run, not be superseded.
    const reply = await command(2, 'mia', `/bosun sync ${env}`, 'rocket');
    expect(reply).toContain(`was pinned to \`${merges[1]!.slice(0, 7)}\` (rollback of #3, by @mia); the pin is removed`);
    await waitFor('version 2 in the cluster again', async () => (await value('app')) === '2', 90_000);
    const [deployment] = syncDeployments(merges[3]!);
    expect(deployment).toBeDefined();
    expect(await finalStates(deployment!)).toEqual(['in_progress', 'success']);
    expect(await status.pin(fullName, env)).toBeUndefined();
    expect(s.checkRuns(merges[3]!, checkName).filter((r) => r.conclusion === 'cancelled')).toHaveLength(0);
  }, 200_000);

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.problems()).toEqual([]);
  });
});
