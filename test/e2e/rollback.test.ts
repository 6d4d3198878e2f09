// `/bosun rollback <env> [--now]` end to end: two merged pull requests applied to the real test API
// server, then a maintainer rolls the second one back. The revert pull request is real git on the
// stand-in (a pushed branch whose content restores the first version); `--now` puts the cluster back at
// once, recorded as a deployment on the older commit, and pins the environment until the revert is
// merged and applied. Refusals say why; a conflicting revert names the file and pushes nothing.
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
const name = 'deployments';
const fullName = `${owner}/${name}`;
// Unique on the shared test cluster: bosun's inventory is per environment name, and another suite's
// `staging` would prune this one's objects.
const env = `staging-${randomBytes(3).toString('hex')}`;
const checkName = `bosun / apply (${env})`;

describe('/bosun rollback on a merged pull request', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let namespace: string;
  let tip: string;
  let redis: Redis;
  let status: EnvStatusStore;
  const merges: Record<number, string> = {};
  const s = scenario(owner, name, () => h);
  const { kubectl, push } = s;
  const version = (): Promise<string> => kubectl('get', 'configmap', 'app', '-n', namespace, '-o', 'jsonpath={.data.version}');
  const appConfig = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${namespace}\ndata:\n  version: "${v}"\n`;

  /** A pull request from `branch` (one commit off main's tip), merged with a merge commit. The push event is separate. */
  const merged = (number: number, range: PushRange): PushRange => {
    tip = range.after;
    merges[number] = tip;
    return range;
  };
  const mergePr = async (number: number, title: string, change: () => Promise<void>): Promise<PushRange> => merged(number, await s.mergeChange(repo, number, title, change));
  const mergeBranch = async (number: number, branch: string): Promise<PushRange> => merged(number, await s.mergeBranch(repo, number, branch));
  const appliedOk = (sha: string, count = 1) => s.completedRun(sha, checkName, { count });
  /** Runs a command and returns the bot's reply to it (the first one after it). */
  const command = async (pr: number, user: string, body: string, reaction: 'rocket' | 'confused'): Promise<string> => {
    const reply = await s.command(pr, user, body, reaction);
    expect(reply).toBeDefined();
    return reply!;
  };
  const branches = async (): Promise<string[]> => (await repo.git('for-each-ref', '--format=%(refname:short)', 'refs/heads/bosun/')).split('\n').filter(Boolean);

  beforeAll(async () => {
    namespace = `bosun-e2e-${randomBytes(3).toString('hex')}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-rollback-'));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile);
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', ['version: 1', 'environments:', `  - name: ${env}`, '    path: clusters/staging', '    cluster: test', '    healthTimeout: 30s', ''].join('\n'));
    await repo.write('README.md', 'deployments\n');
    tip = await repo.commit('configure bosun');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    h.gh.setPermission(owner, name, 'alice', 'write');
    h.gh.setPermission(owner, name, 'mia', 'maintain');
    redis = new Redis(redisUrl);
    status = createEnvStatusStore(redis, h.prefix);

    await push(await mergePr(1, 'version 1', async () => {
      await repo.write('clusters/staging/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
      await repo.write('clusters/staging/app.yaml', appConfig('1'));
    }));
    expect((await appliedOk(merges[1]!)).conclusion).toBe('success');
    await push(await mergePr(2, 'version 2', () => repo.write('clusters/staging/app.yaml', appConfig('2'))));
    expect((await appliedOk(merges[2]!)).conclusion).toBe('success');
    expect(await version()).toBe('2');
  }, 240_000);

  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('a writer is refused, with a reply naming the permission it needs', async () => {
    const reply = await command(2, 'alice', `/bosun rollback ${env}`, 'confused');
    expect(reply).toContain(`@alice needs maintain permission to run \`/bosun rollback ${env}\`; you have write`);
    expect(await branches()).toEqual([]);
  });

  it('a maintainer gets a revert pull request whose branch restores the first version; the cluster is not touched', async () => {
    const reply = await command(2, 'mia', `/bosun rollback ${env}`, 'rocket');
    const revert = await h.gh.pullRequest(owner, name, 3);
    expect(reply).toContain(`Opened a pull request that reverts #2: #3 (${String(revert.html_url)})`);
    expect(revert).toMatchObject({ state: 'open', title: 'Revert #2: version 2', head: { ref: `bosun/revert-2-${env}` }, base: { ref: 'main' } });
    const body = String(revert.body);
    expect(body).toContain('This reverts #2');
    expect(body).toContain(String((await h.gh.pullRequest(owner, name, 2)).html_url));
    expect(body).toContain(`@mia asked for it with \`/bosun rollback ${env}\``);
    expect(body).toContain('Merging this pull request applies the revert');

    // The branch is real: one commit by the bot on top of main whose content is version 1 again.
    const head = String((revert.head as Json).sha);
    expect(await repo.revParse(`refs/heads/bosun/revert-2-${env}`)).toBe(head);
    expect((await repo.git('show', '-s', '--format=%P %an', head)).trim()).toBe(`${tip} ${h.gh.botLogin}`);
    expect(await repo.git('show', `${head}:clusters/staging/app.yaml`)).toBe(appConfig('1'));
    expect(await repo.git('diff', '--name-only', tip, head)).toBe('clusters/staging/app.yaml\n');
    expect(await version()).toBe('2');
    expect(await status.pin(fullName, env)).toBeUndefined();
  });

  it('--now puts the cluster back at once, as a deployment of the older commit, and pins the environment', async () => {
    const reply = await command(2, 'mia', `/bosun rollback ${env} --now`, 'rocket');
    // The open revert pull request of the first rollback is reused, not opened twice.
    expect(reply).toContain('The revert pull request of #2: #3');
    expect(reply).toContain(`is being rolled back now to \`${merges[1]!.slice(0, 7)}\``);
    await waitFor('version 1 in the cluster', async () => (await version()) === '1', 90_000);

    const check = await appliedOk(merges[1]!, 2);
    expect(check.conclusion).toBe('success');
    const rollbacks = h.gh.deployments(owner, name).filter((d) => d.sha === merges[1] && (d.payload as Json).trigger === 'rollback');
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]).toMatchObject({ environment: env, ref: merges[1] });
    expect(String(rollbacks[0]!.description)).toMatch(/back to .*rollback of #2/);
    const statuses = await waitFor('the rollback deployment\'s final status', () => {
      const all = s.deploymentStates(rollbacks[0]!);
      return all.at(-1)?.state === 'success' ? all : undefined;
    });
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);

    expect(await status.pin(fullName, env)).toMatchObject({ sha: merges[1], reason: 'rollback of #2', by: 'mia', revertPr: 3, revertPrUrl: String((await h.gh.pullRequest(owner, name, 3)).html_url) });
    expect((await status.lastApply(fullName, env))).toMatchObject({ sha: merges[1], trigger: 'rollback', ok: true, pr: 2, requestedBy: 'mia' });
    expect(await branches()).toEqual([`bosun/revert-2-${env}`]);
  }, 150_000);

  it('refuses an open pull request, an unknown environment and one the PR did not change, saying why', async () => {
    expect(await command(3, 'mia', `/bosun rollback ${env}`, 'confused')).toMatch(/#3 is not merged yet: only a merged pull request can be rolled back/);
    expect(await command(2, 'mia', '/bosun rollback nowhere', 'confused')).toContain(`\`nowhere\` is not an environment on \`main\`; known: \`${env}\``);
    await mergePr(4, 'docs', () => repo.write('README.md', 'deployments, documented\n'));
    expect(await command(4, 'mia', `/bosun rollback ${env}`, 'confused')).toContain(`#4 did not change \`${env}\` (it changed no environment)`);
    expect(await branches()).toEqual([`bosun/revert-2-${env}`]);
  }, 150_000);

  it('merging the revert applies it and ends the pin', async () => {
    const range = await mergeBranch(3, `bosun/revert-2-${env}`);
    await push(range);
    expect((await appliedOk(range.after)).conclusion).toBe('success');
    expect(await version()).toBe('1');
    await waitFor('the pin to be cleared', async () => (await status.pin(fullName, env)) === undefined);
  }, 150_000);

  it('--now refuses a merge commit that was never applied, and changes nothing', async () => {
    await mergePr(5, 'version 5', () => repo.write('clusters/staging/app.yaml', appConfig('5')));
    const reply = await command(5, 'mia', `/bosun rollback ${env} --now`, 'confused');
    expect(reply).toContain(`the merge commit \`${merges[5]!.slice(0, 7)}\` was never applied successfully to \`${env}\``);
    expect(reply).toContain('Nothing was changed');
    expect(await branches()).toEqual([`bosun/revert-2-${env}`]);
    expect(await status.pin(fullName, env)).toBeUndefined();
    expect(await version()).toBe('1');
  }, 150_000);

  it('a revert that conflicts with a later change names the file and pushes nothing', async () => {
    await repo.write('clusters/staging/app.yaml', appConfig('6'));
    tip = await repo.commit('version 6, straight on main');
    const reply = await command(5, 'mia', `/bosun rollback ${env}`, 'confused');
    expect(reply).toContain('#5 cannot be reverted automatically on `main`');
    expect(reply).toContain('- `clusters/staging/app.yaml`');
    expect(reply).toContain('Nothing was pushed');
    expect(await branches()).toEqual([`bosun/revert-2-${env}`]);
  }, 150_000);

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.problems()).toEqual([]);
  });
});
