// A worker killed with SIGKILL in the middle of an apply: `bosun worker` runs as a separate process,
// configured like an operator would (environment only), next to the webhook server, the GitHub stand-in,
// real Redis and the test cluster. The merged Deployment's health wait keeps the apply running until the
// test makes its pods ready (no kubelet runs in the test cluster), so the kill always lands mid-apply.
// Two workers run, as an operator deploys them; the one running the apply is killed. The other must pick
// the job up again (BullMQ stalled-job recovery, after the killed worker's job lock and environment lease
// ran out), leave the cluster at the merged commit, and finish the same check run and the same GitHub
// deployment: one coherent story on the commit, as if nothing had happened.
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
import { startWorkerProcess, type BosunProcess } from '../../testkit/bosun-process.ts';

const owner = 'acme';
const name = 'platform';
const env = 'staging';
const checkName = `bosun / apply (${env})`;
/** `bosun worker` has no key-prefix setting: these processes get a Redis database of their own instead. */
const redisUrl = (() => {
  const url = new URL(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '/12';
  return url.toString();
})();
/** Short job lock and environment lease, so the killed worker's job is recovered within seconds. */
const recovery = { BOSUN_JOB_LOCK_MS: '3000', BOSUN_ENV_LEASE_MS: '3000' };

describe('a worker killed with SIGKILL mid-apply', () => {
  let h: Harness;
  let applies: Queue<ApplyJob>;
  let work: string;
  let repo: GitRepoBuilder;
  let namespace: string;
  let tip: string;
  const workers: BosunProcess[] = [];
  const s = scenario(owner, name, () => h);
  const { kubectl } = s;
  const applyRuns = (sha: string): Json[] => s.checkRuns(sha, checkName);
  const deploymentsOf = (sha: string): Json[] => h.gh.deployments(owner, name).filter((d) => d.sha === sha && d.environment === env);
  const states = (deployment: Json): Json[] => s.deploymentStates(deployment);
  const applyJob = async (sha: string): Promise<Job<ApplyJob> | undefined> =>
    (await applies.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'])).find((j) => j?.data.sha === sha && j.data.env === env);
  const worker = async (label: string): Promise<BosunProcess> => {
    const started = await startWorkerProcess({ env: { ...h.workerEnv, ...recovery, LOG_LEVEL: 'info', BOSUN_DATA_DIR: join(work, label) }, home: work, redisUrl });
    workers.push(started);
    return started;
  };
  const workerName = (w: BosunProcess): string => `bosun-${w.pid}-`;

  /** Commits on main and delivers GitHub's push event for it. */
  const mergeAndPush = async (message: string, files: Record<string, string>): Promise<string> => {
    for (const [path, content] of Object.entries(files)) await repo.write(path, content);
    const before = tip;
    tip = await repo.commit(message);
    await s.push({ before, after: tip });
    return tip;
  };

  /** What the kubelet would report: every pod of the Deployment running and ready. */
  const markPodsReady = async (app: string): Promise<void> => {
    const pods = await waitFor(`pods of ${app}`, async () => {
      const stdout = await kubectl('get', 'pods', '-n', namespace, '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}');
      return stdout.trim() ? stdout.trim().split(/\s+/) : undefined;
    });
    const now = new Date().toISOString();
    const status = { status: { phase: 'Running', conditions: ['Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: now })) } };
    for (const pod of pods) await kubectl('patch', 'pod', pod, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify(status));
  };

  beforeAll(async () => {
    namespace = `bosun-e2e-kill-${randomBytes(3).toString('hex')}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-kill-'));
    const clustersFile = await writeTestClusterRegistry(join(work, 'clusters.yaml'));

    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', ['version: 1', 'environments:', `  - name: ${env}`, '    path: clusters/staging', '    cluster: test', '    healthTimeout: 120s', ''].join('\n'));
    tip = await repo.commit('configure bosun');

    // The webhook server only queues jobs; the workers are the child processes started in the test.
    h = await startHarness({ workers: false, redisUrl, prefix: 'bosun', clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    applies = new Queue(queueNames.apply, { connection: { url: redisUrl }, prefix: 'bosun' });
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await w.exited;
    }
    await applies?.close();
    await h?.close();
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  }, 60_000);

  it('is picked up again by another worker, which finishes the same check run and deployment; the cluster ends at the merged commit', async () => {
    // Two workers, as an operator runs them; whichever takes the apply is killed, the other one must finish it.
    const both = await Promise.all([worker('worker-a'), worker('worker-b')]);
    const sha = await mergeAndPush('deploy web', {
      'clusters/staging/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
      'clusters/staging/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
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
      'clusters/staging/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: ${namespace}\ndata:\n  version: "1"\n`,
    });

    // One worker applied the objects and now waits for the Deployment to become healthy.
    await waitFor('the apply check run in progress', () => applyRuns(sha).find((r) => r.status === 'in_progress'), 120_000);
    await waitFor('the Deployment in the cluster', () => kubectl('get', 'deployment', 'web', '-n', namespace).then(() => true, () => undefined), 60_000);
    const running = await waitFor('the apply job running', async () => {
      const job = await applyJob(sha);
      return job && (await job.getState()) === 'active' ? job : undefined;
    });
    const victim = both.find((w) => running.processedBy?.includes(workerName(w)));
    expect(victim, `processed by ${running.processedBy}`).toBeDefined();
    const survivor = both.find((w) => w !== victim)!;

    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    const killedAt = Date.now();
    // Nothing reported the kill: the run and the deployment are left in progress for the next attempt.
    expect(applyRuns(sha).map((r) => r.status)).toEqual(['in_progress']);
    expect(deploymentsOf(sha).flatMap((d) => states(d).map((s) => s.state))).toEqual(['in_progress']);

    // BullMQ finds the job's lock gone and returns it to the queue; the other worker waits out the dead
    // worker's environment lease, then runs the apply again (its progress is newer than the kill).
    await waitFor('the other worker to resume the apply', async () => {
      const job = await applyJob(sha);
      const progress = job?.progress as { at?: number } | undefined;
      return job && job.processedBy?.includes(workerName(survivor)) && (progress?.at ?? 0) > killedAt && (await job.getState()) === 'active';
    }, 60_000);
    expect(applyRuns(sha).map((r) => r.status)).toEqual(['in_progress']);

    await markPodsReady('web');
    const done = await waitFor('the apply check run completed', () => applyRuns(sha).find((r) => r.status === 'completed'), 90_000);

    // One check run on the commit, completed once, as success, with the resumed attempt's health result.
    expect(applyRuns(sha)).toHaveLength(1);
    expect(done.conclusion).toBe('success');
    const output = done.output as { title: string; summary: string };
    expect(output.title).toBe(`Applied ${sha.slice(0, 7)} to ${env}`);
    expect(output.summary).toMatch(/\*\*Health:\*\* healthy/);

    // One deployment for the apply, whose statuses tell one story: in progress, then success.
    const deployments = deploymentsOf(sha);
    expect(deployments).toHaveLength(1);
    const statuses = await s.finalStates(sha, env, 'success');
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    for (const s of statuses) expect(s.log_url).toBe(done.html_url);

    // The job itself: recovered once from the stall, finished by the other worker.
    const finished = await waitFor('the apply job completed', async () => {
      const job = await applyJob(sha);
      return job && (await job.isCompleted()) ? await applies.getJob(job.id!) : undefined;
    });
    expect(finished?.stalledCounter).toBe(1);
    expect(finished?.processedBy).toContain(workerName(survivor));
    expect(finished?.returnvalue).toMatchObject({ status: 'done', value: { env, sha, ok: true } });

    // The cluster is at the merged commit.
    expect(await kubectl('get', 'configmap', 'web-config', '-n', namespace, '-o', 'jsonpath={.data.version}')).toBe('1');
    const web = JSON.parse(await kubectl('get', 'deployment', 'web', '-n', namespace, '-o', 'json')) as { spec: { template: { spec: { containers: Array<{ image: string }> } } }; status: { availableReplicas?: number } };
    expect(web.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(web.status.availableReplicas).toBe(1);

    expect(survivor.entries().filter((e) => e.level === 'error' || /failed/.test(String(e.msg)))).toEqual([]);
    expect(h.gh.problems()).toEqual([]);
  }, 240_000);
});
