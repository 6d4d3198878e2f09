// The per-cluster apply limit on a merge, end to end: bosun's server and workers (two applies at
// once), the GitHub stand-in, real Redis and the test cluster registered as two clusters, `a` and `b`,
// with BOSUN_APPLY_CONCURRENCY_PER_CLUSTER=1. One push affects two environments on `a` and one on `b`.
// The environments on `a` deploy a Deployment whose health wait keeps the apply running until the test
// makes its pods ready (no kubelet runs in the test cluster), so the overlap is decided by the limit, not
// by timing: `b` must be applied while `a`'s first apply runs, and `a`'s second must wait for it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames, type ApplyJob } from '../../src/jobs.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';

const owner = 'acme';
const name = 'fleet';
const envs = ['a-1', 'a-2', 'b-1'] as const;

describe('applies of one merge under a per-cluster limit of one', () => {
  let h: Harness;
  let applies: Queue<ApplyJob>;
  let work: string;
  let repo: GitRepoBuilder;
  let tip: string;
  const suffix = randomBytes(3).toString('hex');
  const ns = (env: string): string => `bosun-e2e-limit-${env}-${suffix}`;
  const s = scenario(owner, name, () => h);
  const { kubectl } = s;

  const applyRun = (sha: string, env: string): Json | undefined => s.checkRuns(sha, `bosun / apply (${env})`)[0];
  const jobOf = async (sha: string, env: string): Promise<Job<ApplyJob> | undefined> =>
    (await applies.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'])).find((j) => j?.data.sha === sha && j.data.env === env);

  /** What the kubelet would report: the Deployment's pods running and ready. */
  const markPodsReady = async (env: string): Promise<void> => {
    const pods = await waitFor(`pods of ${env}`, async () => {
      const out = await kubectl('get', 'pods', '-n', ns(env), '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}');
      return out.trim() ? out.trim().split(/\s+/) : undefined;
    });
    const now = new Date().toISOString();
    const status = { status: { phase: 'Running', conditions: ['Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: now })) } };
    for (const pod of pods) await kubectl('patch', 'pod', pod, '-n', ns(env), '--subresource=status', '--type=merge', '-p', JSON.stringify(status));
  };

  const manifests = (env: string): Record<string, string> => {
    const namespace = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns(env)}\n`;
    if (env.startsWith('b')) return { [`envs/${env}/all.yaml`]: `${namespace}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns(env)}\ndata:\n  mode: "on"\n` };
    return {
      [`envs/${env}/all.yaml`]: `${namespace}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns(env)}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
    };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-limit-'));
    const clustersFile = await writeTestClusterRegistry(join(work, 'clusters.yaml'), ['a', 'b']);
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', ['version: 1', 'environments:', ...envs.flatMap((env) => [`  - name: ${env}`, `    path: envs/${env}`, `    cluster: ${env.slice(0, 1)}`, '    healthTimeout: 180s']), ''].join('\n'));
    tip = await repo.commit('configure bosun');
    // The in-process worker runs two applies at once: only the limit keeps cluster a's apart.
    h = await startHarness({ clustersFile, env: { BOSUN_APPLY_CONCURRENCY_PER_CLUSTER: '1' } });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    applies = new Queue(queueNames.apply, { connection: { url: h.redisUrl }, prefix: h.prefix });
  }, 120_000);

  afterAll(async () => {
    await applies?.close();
    await h?.close();
    await kubectl('delete', 'namespace', ...envs.map(ns), '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  }, 60_000);

  it('applies the other cluster while one environment of a runs, and a\'s second only after it, without a second check run or deployment', async () => {
    for (const env of envs) for (const [path, content] of Object.entries(manifests(env))) await repo.write(path, content);
    const before = tip;
    const sha = (tip = await repo.commit('deploy the fleet'));
    await s.push({ before, after: sha });

    // Whichever environment of cluster a got the slot is now waiting for its Deployment's health.
    const first = await waitFor('an apply on cluster a in progress', () => ['a-1', 'a-2'].find((env) => applyRun(sha, env)?.status === 'in_progress' && s.deploymentOf(sha, env)), 120_000);
    const second = first === 'a-1' ? 'a-2' : 'a-1';
    await waitFor('the Deployment of the first', () => kubectl('get', 'deployment', 'web', '-n', ns(first)).then(() => true, () => undefined), 60_000);
    // Cluster b does not wait for cluster a.
    expect((await s.completedRun(sha, 'bosun / apply (b-1)', { timeoutMs: 120_000 })).conclusion).toBe('success');
    // a's second was turned away (delayed) while the first holds the slot: nothing deployed for it yet.
    await waitFor(`${second} to be turned away`, async () => (await jobOf(sha, second))?.isDelayed(), 60_000);
    expect(applyRun(sha, first)?.status).toBe('in_progress');
    expect(s.deploymentOf(sha, second)).toBeUndefined();

    await markPodsReady(first);
    expect((await s.completedRun(sha, `bosun / apply (${first})`, { timeoutMs: 120_000 })).conclusion).toBe('success');
    await waitFor(`the Deployment of ${second}`, () => kubectl('get', 'deployment', 'web', '-n', ns(second)).then(() => true, () => undefined), 120_000);
    await markPodsReady(second);
    expect((await s.completedRun(sha, `bosun / apply (${second})`, { timeoutMs: 120_000 })).conclusion).toBe('success');

    // From the jobs' recorded start (last activation) and finish: a's applies never overlapped, b's overlapped a's first.
    const span = (env: string): Promise<{ start: number; end: number; attemptsStarted: number; value: unknown }> => waitFor(`the apply job of ${env} to finish`, async () => {
      const job = await jobOf(sha, env);
      if (!job?.finishedOn || !job.returnvalue) return undefined;
      return { start: job.processedOn!, end: job.finishedOn, attemptsStarted: job.attemptsStarted, value: job.returnvalue };
    });
    const [a1, a2, b1] = [await span(first), await span(second), await span('b-1')];
    expect(a2.start).toBeGreaterThanOrEqual(a1.end);
    expect(b1.start < a1.end && a1.start < b1.end).toBe(true);
    // The wait cost no attempt: one check run and one deployment per environment, each ending in success.
    expect(a2.attemptsStarted).toBeGreaterThan(1);
    for (const env of envs) {
      expect(s.checkRuns(sha, `bosun / apply (${env})`)).toHaveLength(1);
      expect(h.gh.deployments(owner, name).filter((d) => d.sha === sha && d.environment === env)).toHaveLength(1);
      expect(s.deploymentStates(s.deploymentOf(sha, env)!).map((d) => d.state)).toEqual(['in_progress', 'success']);
    }
    expect(a2.value).toMatchObject({ status: 'done', value: { ok: true } });
  }, 600_000);
});
