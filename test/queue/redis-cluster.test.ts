// bosun on a real three-master Redis Cluster (redis-server --cluster-enabled yes, started by the test):
// the producers and the worker runtime run plans (superseded through pub/sub), applies (newest-request
// script, environment lease) and the status store and locks (scripts that compute key names) on it, and
// a pull request is planned end to end through the GitHub App. Every key bosun writes carries the
// prefix's hash tag, so all of them hash to one slot.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers, type JobAborted } from '../../queue/index.ts';
import { lockPrefixFor } from '../../src/github/names.ts';
import { closeRedis, createEnvStatusStore, createProducers, createRedis, queueNames, stateKeys, type JobOutcome, type QueueName } from '../../src/jobs.ts';
import { envLeaseHolder } from '../../src/jobs/env-lease.ts';
import { createLockManager } from '../../src/locks/index.ts';
import { startHarness, type Harness } from '../../testkit/harness.ts';
import { buildExampleRepo } from '../../testkit/example-repo.ts';
import { startRedisCluster, type RedisClusterHandle } from '../support/redis-cluster.ts';
import { aborted, applyJob, commandJob, deferred, planJob, sha, waitFor } from './support.ts';

describe('Redis Cluster, for real (three masters)', () => {
  let cluster: RedisClusterHandle;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  /** Every key in the cluster, which node holds it and its slot, as CLUSTER KEYSLOT says. */
  const clusterKeys = async (): Promise<Array<{ key: string; port: number; slot: number }>> => {
    const probe = cluster.node(cluster.ports[0]!);
    const keys = await cluster.keys();
    return Promise.all(keys.map(async (k) => ({ ...k, slot: Number(await probe.cluster('KEYSLOT', k.key)) })));
  };

  it('runs plans, commands and applies through bosun\'s producers and workers, with every key in one hash-tagged slot', async () => {
    const base = `bosun-ct-${randomUUID().slice(0, 8)}`;
    const producers = createProducers(cluster.url, { prefix: base });
    const prefix = `{${base}}`;
    expect(producers.prefix).toBe(prefix);
    const redis = createRedis(cluster.url, { name: 'cluster-test' });
    const keys = stateKeys(prefix);
    const status = createEnvStatusStore(redis, prefix);
    const queues = new Map<QueueName, Queue>();
    const queue = (name: QueueName): Queue => {
      if (!queues.has(name)) queues.set(name, new Queue(name, { connection: redis, prefix }));
      return queues.get(name)!;
    };
    const events: string[] = [];
    const planStarted = deferred();
    const runtime = startWorkers({
      connection: cluster.url,
      prefix: base,
      // The running plan must learn of the newer SHA from pub/sub across the cluster, not from polling.
      supersedePollMs: 60_000,
      shutdownTimeoutMs: 5_000,
      processors: {
        plan: async (data, ctx) => {
          events.push(`plan ${data.headSha[0]} started`);
          if (data.headSha === sha('a')) {
            planStarted.resolve();
            const reason = await aborted(ctx.signal);
            events.push(`plan a aborted: ${(reason as JobAborted).reason}`);
            throw reason;
          }
          return 'planned';
        },
        command: async (data) => {
          events.push(`command ${data.body}`);
          return 'answered';
        },
        apply: async (data) => {
          // The job layer took the environment lease (a script on the cluster) before running this.
          const holder = await envLeaseHolder(redis, keys, data.repo.fullName, data.env);
          events.push(`apply ${data.sha[0]} ${holder ? 'holding the lease' : 'WITHOUT the lease'}`);
          await status.recordApply(data.repo.fullName, data.env, { sha: data.sha, seq: data.seq, trigger: data.trigger, ok: true, health: 'healthy', at: Date.now(), durationMs: 1, summary: '1 configured' });
          return 'applied';
        },
      },
    });
    try {
      await runtime.ready();

      // A plan superseded while it runs: the newest-SHA script publishes, the worker's subscriber hears it.
      const first = await producers.enqueuePlan(planJob({ headSha: sha('a') }));
      await planStarted.promise;
      const second = await producers.enqueuePlan(planJob({ headSha: sha('b') }));
      const command = await producers.enqueueCommand(commandJob({ body: '/bosun help' }));
      expect(await producers.enqueueCommand(commandJob({ deliveryId: 'once', body: '/bosun plan' }))).toMatchObject({ status: 'queued' });
      expect(await producers.enqueueCommand(commandJob({ deliveryId: 'once', body: '/bosun plan' }))).toMatchObject({ status: 'duplicate' });

      // Applies: the newest request wins (an older one is dropped by the ordering script), one at a time per environment.
      const apply = await producers.enqueueApply(applyJob({ sha: sha('c'), seq: 2_000 }));
      expect(await producers.enqueueApply(applyJob({ sha: sha('d'), seq: 1_000 }))).toMatchObject({ status: 'superseded', by: { sha: sha('c'), seq: 2_000 } });

      const finished = async (name: QueueName, id: string): Promise<JobOutcome | undefined> => {
        const job = await queue(name).getJob(id);
        return job?.finishedOn ? (job.returnvalue as JobOutcome) : undefined;
      };
      const plans = await waitFor('both plans', async () => {
        const jobs = await queue(queueNames.plan).getJobs(['completed']);
        return jobs.length === 2 ? jobs : undefined;
      }, 30_000);
      const outcomeOf = (head: string): unknown => plans.find((j) => (j.data as { headSha: string }).headSha === head)?.returnvalue;
      expect(outcomeOf(sha('a'))).toMatchObject({ status: 'superseded', by: { sha: sha('b') } });
      expect(outcomeOf(sha('b'))).toEqual({ status: 'done', value: 'planned' });
      expect([first.status, second.status]).toEqual(['queued', 'queued']);
      expect(await waitFor('the command', () => finished(queueNames.command, command.jobId), 30_000)).toEqual({ status: 'done', value: 'answered' });
      expect(await waitFor('the apply', () => finished(queueNames.apply, apply.jobId), 30_000)).toEqual({ status: 'done', value: 'applied' });
      await waitFor('both commands', async () => (await queue(queueNames.command).getJobCounts('completed')).completed === 2);

      // Event order: plan a runs, is aborted by b's arrival, then b runs.
      expect(events.filter((e) => e.startsWith('plan'))).toEqual(['plan a started', 'plan a aborted: superseded', 'plan b started']);
      expect(events.filter((e) => e.startsWith('apply'))).toEqual(['apply c holding the lease']);
      expect(events.filter((e) => e.startsWith('command')).sort()).toEqual(['command /bosun help', 'command /bosun plan']);
      // The lease is released after the apply, and the status store answers with what the apply recorded.
      expect(await envLeaseHolder(redis, keys, 'acme/gitops', 'production')).toBeUndefined();
      expect(await status.lastApply('acme/gitops', 'production')).toMatchObject({ sha: sha('c'), seq: 2_000, ok: true });
      expect(await status.environments()).toEqual([{ repo: 'acme/gitops', env: 'production' }]);
      expect(await producers.pullsForHead('acme/gitops', sha('b'))).toEqual([{ pr: 7, baseRef: 'main' }]);

      // Environment locks: acquire two, renew and release them all at once (a script that builds the lock keys itself).
      const locks = createLockManager(redis, { prefix: lockPrefixFor(prefix) });
      const holder = { pr: 7, url: 'https://github.com/acme/gitops/pull/7', by: 'alice' };
      expect((await locks.acquire('acme/gitops:staging', holder)).ok).toBe(true);
      expect((await locks.acquire('acme/gitops:production', holder)).ok).toBe(true);
      expect((await locks.acquire('acme/gitops:staging', { ...holder, pr: 8 })).ok).toBe(false);
      expect((await locks.renewAllFor('acme/gitops', 7)).sort()).toEqual(['acme/gitops:production', 'acme/gitops:staging']);
      expect((await locks.list('acme/gitops')).map((l) => l.env).sort()).toEqual(['production', 'staging']);
      expect((await locks.releaseAllFor('acme/gitops', 7)).sort()).toEqual(['acme/gitops:production', 'acme/gitops:staging']);
      expect(await locks.list('acme/gitops')).toEqual([]);
      expect((await locks.acquire('acme/gitops:staging', { ...holder, pr: 8 })).ok).toBe(true);
      expect((await locks.forceUnlock('acme/gitops:staging'))?.holder.pr).toBe(8);
      expect(await locks.get('acme/gitops:staging')).toBeUndefined();
      // One lock left held, so its keys are among those checked below.
      expect((await locks.acquire('acme/gitops:preview', { ...holder, pr: 9 })).ok).toBe(true);

      // Every key is under the hash-tagged prefix: one slot, hence one node. Queues, state and locks all wrote keys.
      const found = await clusterKeys();
      expect(found.length).toBeGreaterThan(10);
      expect(found.filter((k) => !k.key.startsWith(`${prefix}:`))).toEqual([]);
      expect(new Set(found.map((k) => k.slot)).size).toBe(1);
      expect(new Set(found.map((k) => k.port)).size).toBe(1);
      for (const family of [`${prefix}:${queueNames.plan}:`, `${prefix}:${queueNames.apply}:`, `${prefix}:state:`, `${prefix}:locks:`]) {
        expect(found.some((k) => k.key.startsWith(family)), family).toBe(true);
      }
    } finally {
      await runtime.close();
      await Promise.all([...queues.values()].map((q) => q.close()));
      await producers.close();
      const node = cluster.node(cluster.ports[0]!);
      const found = await cluster.keys();
      for (const { key, port } of found) await (port === cluster.ports[0] ? node : cluster.node(port)).del(key);
      await closeRedis(redis);
    }
  });

  it('plans a pull request end to end through the GitHub App, with REDIS_URL naming the cluster', async () => {
    const work = await mkdtemp(join(tmpdir(), 'bosun-cluster-repo-'));
    let h: Harness | undefined;
    try {
      const repo = await buildExampleRepo({ dir: join(work, 'repo') });
      h = await startHarness({ env: { REDIS_URL: cluster.url } });
      const owner = 'example-org';
      const name = 'shop-fleet';
      await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
      await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: repo.branch, sha: repo.headSha }, base: { ref: 'main' }, user: 'alice' });
      h.gh.setPermission(owner, name, 'alice', 'write');
      const payload = h.gh.examplePayload('pull_request', 'opened', h.gh.repoPayload(owner, name), { number: 1, pull_request: await h.gh.pullPayload(owner, name, 1) });
      const delivery = await h.send('pull_request', payload);
      expect(delivery.status).toBeLessThan(300);

      const gh = h.gh;
      const runs = await waitFor('three completed check runs', () => {
        const found = gh.checkRuns(owner, name, repo.headSha).filter((r) => String(r.name).startsWith('bosun / '));
        return found.length >= 3 && found.every((r) => r.status === 'completed') ? found : undefined;
      }, 120_000);
      expect(runs.map((r) => r.name).sort()).toEqual(['bosun / production/apps', 'bosun / staging/apps', 'bosun / staging/infrastructure']);
      expect(runs.every((r) => r.conclusion === 'success')).toBe(true);
      const comments = await waitFor('the plan comment', () => {
        const found = gh.comments(owner, name, 1).filter((c) => String(c.body).startsWith('<!-- bosun:plan -->'));
        return found.length > 0 ? found : undefined;
      }, 60_000);
      expect(comments).toHaveLength(1);
      expect(String(comments[0]!.body)).toContain(repo.headSha.slice(0, 7));

      const prefix = `{${h.prefix}}`;
      const found = await clusterKeys();
      expect(found.filter((k) => !k.key.startsWith(`${prefix}:`))).toEqual([]);
      expect(new Set(found.map((k) => k.slot)).size).toBe(1);
      expect(found.some((k) => k.key.startsWith(`${prefix}:${queueNames.plan}:`))).toBe(true);
      expect(found.some((k) => k.key.startsWith(`${prefix}:state:`))).toBe(true);
    } finally {
      await h?.close();
      await rm(work, { recursive: true, force: true });
    }
  }, 240_000);
});
