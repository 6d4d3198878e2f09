// ChatOps on a small repository with a .bosun.yaml whose environment allows pre-merge apply into the
// real test API server: permission refusals, the apply itself, the environment lock, its release on
// close; and a validation error annotated on the file and line that caused it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvStatusStore } from '../../src/jobs.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockKey } from '../../src/locks/index.ts';
import { scenario } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'platform';
const env = 'staging/apps';

describe('/bosun apply and validation findings on a repository with .bosun.yaml', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let namespace: string;
  let applyHead: string;
  let brokenHead: string;
  const s = scenario(owner, name, () => h);
  const { kubectl, comment, replies, reacted, planComment, withRedis, plansIdle } = s;
  const envRow = (pr: number): string | undefined => planComment(pr).split('\n').find((l) => l.startsWith(`| [${env}]`));
  const lockRedisKey = () => `${h.prefix}:locks:lock:${lockKey(`${owner}/${name}`, env)}`;
  const synchronize = (pr: number) => s.pullRequestEvent(pr, 'synchronize');

  beforeAll(async () => {
    namespace = `bosun-e2e-${randomBytes(3).toString('hex')}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-apply-'));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile);

    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', [
      'version: 1',
      'environments:',
      `  - name: ${env}`,
      '    path: clusters/staging',
      '    cluster: test',
      '    allowPreMergeApply: true',
      '  - name: staging/gated',
      '    path: clusters/staging',
      '    cluster: test',
      '    allowPreMergeApply: true',
      '    requires: [approved]',
      '',
    ].join('\n'));
    await repo.write('clusters/staging/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
    await repo.write('clusters/staging/app.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${namespace}\ndata:\n  replicas: "1"\n`);
    await repo.commit('staging');
    await repo.branch('scale');
    await repo.branch('broken');
    await repo.checkout('scale');
    await repo.write('clusters/staging/app.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${namespace}\ndata:\n  replicas: "3"\n`);
    applyHead = await repo.commit('scale to 3');
    await repo.checkout('broken');
    // A Service port written as text; the object starts on line 2, after a comment.
    await repo.write('clusters/staging/service.yaml', [
      '# The app\'s service',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: app',
      `  namespace: ${namespace}`,
      'spec:',
      '  ports:',
      '    - port: eighty',
      '      protocol: TCP',
      '',
    ].join('\n'));
    brokenHead = await repo.commit('add a service');
    await repo.checkout('main');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'scale', sha: applyHead }, base: { ref: 'main' }, user: 'alice' });
    await h.gh.addPullRequest({ owner, repo: name, number: 2, head: { ref: 'broken', sha: brokenHead }, base: { ref: 'main' }, user: 'alice' });
    h.gh.setPermission(owner, name, 'alice', 'write');
    h.gh.setPermission(owner, name, 'mia', 'maintain');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('a validation error is annotated on the file and line that caused it, and fails the check', async () => {
    await s.pullRequestEvent(2, 'opened');
    const check = await waitFor('the completed check run', () => s.checkRuns(brokenHead, `bosun / ${env}`).find((r) => r.status === 'completed'));
    expect(check.conclusion).toBe('failure');
    const annotations = h.gh.annotations(Number(check.id));
    const onService = annotations.filter((a) => a.path === 'clusters/staging/service.yaml');
    expect(onService.length).toBeGreaterThan(0);
    expect(onService[0]).toMatchObject({ annotation_level: 'failure' });
    // On the line of the offending field (`- port: eighty`), not only its object's first line.
    expect(onService[0].start_line).toBe(9);
    expect(String(onService[0].message)).toMatch(/port/);
    // The environment's cluster is registered (BOSUN_CLUSTERS): the report carries the live apply preview.
    const output = check.output as { summary: string; text: string | null };
    expect(`${output.summary}\n${output.text ?? ''}`).toMatch(/Apply preview \(live cluster\)/);
  });

  it('`/bosun apply` by a writer is refused with a reply naming the maintain permission', async () => {
    const c = await comment(1, 'alice', `/bosun apply ${env}`);
    await waitFor('😕', reacted(c, 'confused'));
    expect(h.gh.reactions(Number(c.id)).map((r) => r.content)).toContain('eyes');
    const reply = replies(1).find((b) => b.includes('@alice'));
    expect(reply).toMatch(/needs maintain permission/);
    await expect(kubectl('get', 'configmap', 'app', '-n', namespace)).rejects.toThrow();
  });

  it('`/bosun apply` by a maintainer applies the PR head to the cluster and locks the environment to the PR', async () => {
    const c = await comment(1, 'mia', `/bosun apply ${env}`);
    await waitFor('🚀', reacted(c, 'rocket'));
    const stdout = await kubectl('get', 'configmap', 'app', '-n', namespace, '-o', 'jsonpath={.data.replicas}');
    expect(stdout).toBe('3');
    const reply = replies(1).find((b) => b.includes('/bosun apply') && b.includes(applyHead.slice(0, 7)));
    expect(reply).toBeDefined();
    expect(reply).toContain(`is locked to #1`);
    // The lock is a lease long enough to last until the PR is merged or closed, not the 10-minute default.
    expect(await withRedis((redis) => redis.pttl(lockRedisKey()))).toBeGreaterThan(6 * 24 * 3600 * 1000);
    // The plan comment's row of the environment names the PR holding it.
    await waitFor('the lock in the plan comment', () => /\| 🔒 \[#1\]\([^)]*\/pull\/1\) \|$/.test(envRow(1) ?? ''));

    // Another PR cannot apply the same environment while #1 holds it.
    await h.gh.updatePullRequest(owner, name, 2, { head: { sha: applyHead } });
    const other = await comment(2, 'mia', `/bosun apply ${env}`);
    await waitFor('😕 on the second PR', reacted(other, 'confused'));
    expect(replies(2).join('\n')).toMatch(/is locked by #1/);
  });

  it('the pre-merge apply is a deployment of the PR head, recorded in the environment\'s apply history like every apply', async () => {
    const deployment = h.gh.deployments(owner, name).find((d) => d.environment === env && d.sha === applyHead);
    expect(deployment).toBeDefined();
    expect(deployment!.payload).toMatchObject({ trigger: 'pre-merge', pr: 1 });
    const states = s.deploymentStates(deployment!).map((st) => st.state);
    expect(states).toEqual(['in_progress', 'success']);
    const history = await withRedis((redis) => createEnvStatusStore(redis, h.prefix).history(`${owner}/${name}`, env));
    expect(history[0]).toMatchObject({ sha: applyHead, trigger: 'pre-merge', ok: true, pr: 1, requestedBy: 'mia', deploymentId: Number(deployment!.id) });
  });

  it('an environment that requires approval refuses `/bosun apply` until the PR is approved by someone else', async () => {
    const c = await comment(1, 'mia', '/bosun apply staging/gated');
    await waitFor('😕', reacted(c, 'confused'));
    expect(replies(1).at(-1)).toMatch(/\*\*approved\*\*: this pull request needs an approving review/);
  });

  it('`/bosun unlock` by a maintainer releases another PR\'s lock and says who held it', async () => {
    const c = await comment(2, 'mia', `/bosun unlock ${env}`);
    await waitFor('🚀', reacted(c, 'rocket'));
    expect(replies(2).at(-1)).toMatch(/unlocked \(it was locked by #1/);
    // #1 applies again and takes the lock back.
    const again = await comment(1, 'mia', `/bosun apply ${env}`);
    await waitFor('🚀 on the re-apply', reacted(again, 'rocket'));
  });

  it('every event of the holding PR renews its lock lease', async () => {
    // As if the lease had almost run out: the next push to the PR extends it to a full lease again.
    await withRedis((redis) => redis.pexpire(lockRedisKey(), 60_000));
    await synchronize(1);
    await waitFor('the renewed lease', () => withRedis(async (redis) => (await redis.pttl(lockRedisKey())) > 6 * 24 * 3600 * 1000));
  });

  it('another PR\'s plan comment shows who holds the environment, and stops when the holder closes, without a push to it', async () => {
    // #1 took the lock again (previous tests) after #2 was planned: #2's comment was refreshed by that.
    await waitFor('#1\'s lock in #2\'s plan comment', () => (envRow(2) ?? '').includes('🔒 [#1]'));
    // Nothing left to plan: what changes #2's comment from here on is the close of #1.
    await plansIdle();
    await h.gh.updatePullRequest(owner, name, 1, { state: 'closed' });
    await s.pullRequestEvent(1, 'closed');
    await waitFor('#2\'s plan comment without the lock', () => envRow(2) !== undefined && !planComment(2).includes('🔒'));
    await h.gh.updatePullRequest(owner, name, 1, { state: 'open' });
    // #1 takes the lock again for the next test.
    const again = await comment(1, 'mia', `/bosun apply ${env}`);
    await waitFor('🚀 on the re-apply', reacted(again, 'rocket'));
  });

  it('closing the PR releases its environment lock', async () => {
    const redis = new (await import('ioredis')).Redis(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const key = `${h.prefix}:locks:lock:${lockKey(`${owner}/${name}`, env)}`;
      expect(await redis.exists(key)).toBe(1);
      await h.gh.updatePullRequest(owner, name, 1, { state: 'closed' });
      await s.pullRequestEvent(1, 'closed');
      expect(await redis.exists(key)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.problems()).toEqual([]);
  });
});
