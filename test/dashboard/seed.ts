// A bosun server with the dashboard on, and state a person would expect to see on it: applies (one
// healthy, one failed after a good one), a drift with its issue, a rollback pin, a PR lock, and jobs run
// by bosun's real worker runtime (a superseded apply, a finished one with its check run, a plan that
// failed with a token in its error, an apply still running and holding its environment, a reconcile
// skipped because of it). The processors are the test's; ordering, leases and outcomes are bosun's.
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { lockPrefixFor } from '../../src/app.ts';
import { loadServerConfig } from '../../src/config/server.ts';
import { createEnvStatusStore, PermanentJobError, stateKeys, type ApplyJob, type RepoRef } from '../../src/jobs.ts';
import { createLockManager, lockKey } from '../../src/locks/index.ts';
import { startServer, type BosunServer } from '../../src/server/index.ts';
import { startWorkers, type WorkerRuntime } from '../../queue/index.ts';
import { redisUrl, waitFor } from '../../testkit/harness.ts';
import { generateAppKey } from '../../testkit/github-standin/index.ts';
import { dropPrefix } from '../queue/support.ts';

/** GitHub Enterprise host the links point at; nothing answers there (the browser test intercepts it). */
export const gheHost = 'github.example.test';
export const web = `https://${gheHost}`;

export const repo: RepoRef = { owner: 'acme', name: 'gitops', fullName: 'acme/gitops', cloneUrl: `${web}/acme/gitops.git`, defaultBranch: 'main' };
/** An environment name full of markup (as a status record could hold): it must show as text. */
export const markupEnv = '<script>window.__pwned=1</script>';
/** A token in a job's error; the dashboard shows the error scrubbed. */
export const leakedToken = `ghp_${'Z9'.repeat(18)}`;

export const shas = {
  production: 'b'.repeat(40),
  productionOld: 'a'.repeat(40),
  productionSuperseded: '9'.repeat(40),
  productionApplied: 'c'.repeat(40),
  stagingGood: 'd'.repeat(40),
  stagingFailed: 'e'.repeat(40),
  canary: '1'.repeat(40),
  plan: '2'.repeat(40),
};

export interface SeededDashboard {
  server: BosunServer;
  token: string;
  prefix: string;
  /** The running canary apply's job id (it holds the canary lease until close). */
  canaryJobId: string;
  close(): Promise<void>;
}

export async function startSeededDashboard(): Promise<SeededDashboard> {
  const token = randomBytes(24).toString('hex');
  const prefix = `bosun-dash-${randomUUID().slice(0, 8)}`;
  const config = loadServerConfig({
    APP_ID: '12345',
    PRIVATE_KEY: generateAppKey(),
    WEBHOOK_SECRET: `s-${randomUUID()}`,
    GHE_HOST: gheHost,
    PORT: '0',
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'silent',
    BOSUN_DASHBOARD_TOKEN: token,
  });
  const server = await startServer(config, { prefix });
  const redis = new Redis(redisUrl);
  const status = createEnvStatusStore(redis, prefix);
  const locks = createLockManager(redis, { prefix: lockPrefixFor(prefix) });
  const now = Date.now();
  const min = 60_000;

  await status.recordApply(repo.fullName, 'production', {
    sha: shas.production, seq: 1, trigger: 'merge', ok: true, health: 'healthy', at: now - 5 * min, durationMs: 12_300,
    summary: '3 created, 1 configured, 0 pruned, healthy', checkRunUrl: `${web}/acme/gitops/runs/77`, deploymentId: 7, pr: 12,
  });
  await status.recordDrift(repo.fullName, 'production', {
    state: 'drifted', checkedAt: now - min, sha: shas.production, drifted: 2, summary: '2 object(s) differ from Git',
    issueNumber: 31, issueUrl: `${web}/acme/gitops/issues/31`,
  });
  await status.recordApply(repo.fullName, 'staging', {
    sha: shas.stagingGood, seq: 1, trigger: 'merge', ok: true, health: 'healthy', at: now - 60 * min, durationMs: 8_000,
    summary: '1 configured, healthy', checkRunUrl: `${web}/acme/gitops/runs/70`,
  });
  await status.recordApply(repo.fullName, 'staging', {
    sha: shas.stagingFailed, seq: 2, trigger: 'command', ok: false, health: 'unhealthy', at: now - 10 * min, durationMs: 95_000,
    summary: 'deployment/web not ready: 0/2 replicas', checkRunUrl: `${web}/acme/gitops/runs/75`, pr: 15, requestedBy: 'octocat',
  });
  await status.setPin(repo.fullName, 'staging', { sha: shas.stagingGood, reason: 'rolled back after the failed apply', at: now - 8 * min, by: 'hubot', revertPr: 40 });
  await status.recordDrift(repo.fullName, markupEnv, { state: 'in-sync', checkedAt: now - 2 * min, sha: shas.production, drifted: 0, summary: 'in sync' });
  const lock = await locks.acquire(lockKey(repo.fullName, 'staging'), { pr: 15, url: `${web}/acme/gitops/pull/15`, by: 'octocat' }, { ttlMs: 3_600_000 });
  if (!lock.ok) throw new Error('could not take the staging lock');

  let releaseCanary!: () => void;
  const canaryReleased = new Promise<void>((resolve) => {
    releaseCanary = resolve;
  });
  const producers = server.producers;
  const apply = (env: string, sha: string, seq: number) => producers.enqueueApply({ deliveryId: randomUUID(), installationId: 1, repo, env, sha, trigger: 'merge', seq });
  // Queued before any worker runs: the older one finds a newer request and completes as superseded.
  const superseded = await apply('production', shas.productionSuperseded, 1_000);
  const applied = await apply('production', shas.productionApplied, 2_000);
  const plan = await producers.enqueuePlan({ deliveryId: randomUUID(), installationId: 1, repo, pr: 12, headSha: shas.plan, baseRef: 'main', reason: 'opened' });

  const workers: WorkerRuntime = startWorkers({
    connection: redisUrl,
    prefix,
    shutdownTimeoutMs: 2_000,
    supersedePollMs: 500,
    processors: {
      apply: async (job: ApplyJob, ctx) => {
        if (job.env === 'canary') {
          await new Promise<void>((resolve) => {
            void canaryReleased.then(resolve);
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
        return { env: job.env, sha: job.sha, ok: true, checkRunId: 501, deploymentId: 9 };
      },
      plan: async () => {
        throw new PermanentJobError(`could not fetch https://x-access-token:${leakedToken}@${gheHost}/acme/gitops.git (token=${leakedToken})`);
      },
      reconcile: async () => 'in sync',
    },
  });
  await workers.ready();

  const queues = { apply: new Queue('bosun-apply', { connection: redis, prefix }), plan: new Queue('bosun-plan', { connection: redis, prefix }) };
  const jobState = (queue: keyof typeof queues, id: string) => queues[queue].getJobState(id);
  await waitFor('the superseded and the applied production applies, and the failed plan', async () =>
    (await jobState('apply', superseded.jobId)) === 'completed'
    && (await jobState('apply', applied.jobId)) === 'completed'
    && (await jobState('plan', plan.jobId)) === 'failed', 30_000);

  const canary = await apply('canary', shas.canary, 3_000);
  // Active in BullMQ is not yet holding the environment: wait for the lease to carry the apply's job id, so the
  // reconcile below finds the environment busy (on a loaded machine it could otherwise take the lease first).
  await waitFor('the canary apply to hold the environment lease', async () =>
    (await jobState('apply', canary.jobId)) === 'active' && (await redis.get(stateKeys(prefix).envLease(repo.fullName, 'canary')))?.includes(`:${canary.jobId}:`), 30_000);
  await producers.ensureReconcile({ installationId: 1, repo, env: 'canary' }, 100);
  await waitFor('a reconcile of the busy canary to be skipped', async () => {
    const ids = await redis.zrange(`${prefix}:bosun-reconcile:completed`, 0, -1);
    return ids.length > 0;
  }, 30_000);
  await producers.removeReconcile(repo.fullName, 'canary');
  // A round the scheduler had already started may still be queued or running: the snapshot below must not
  // catch one in flight (the dashboard would show that job as the environment's), so wait until none is left.
  const reconciles = new Queue('bosun-reconcile', { connection: redis, prefix });
  await waitFor('no reconcile round left in flight', async () => {
    const counts = await reconciles.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  }, 30_000);
  await reconciles.close();
  await Promise.all(Object.values(queues).map((q) => q.close()));

  return {
    server,
    token,
    prefix,
    canaryJobId: canary.jobId,
    close: async () => {
      releaseCanary();
      await workers.close();
      await server.close();
      await dropPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
