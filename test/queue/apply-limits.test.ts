import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { clusterSlotHolders, queueNames, stateKeys, type ApplyJob } from '../../src/jobs.ts';
import { startWorkers, type Processor, type WorkerRuntime } from '../../queue/index.ts';
import { applyJob, deferred, inspect, queueSuite, redisUrl, sha, waitFor } from './support.ts';

interface Span {
  env: string;
  cluster: string;
  start: number;
  end: number;
  /** Attempts the job had used when it ran. */
  attemptsMade?: number;
}

/** Whether two recorded runs were on at the same time. */
const overlap = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;

describe('apply limits across workers', () => {
  const t = queueSuite();

  const start = async (apply: Processor<ApplyJob>, limits: { applyConcurrency?: number; applyConcurrencyPerCluster?: number }): Promise<WorkerRuntime> => {
    const runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, concurrency: 3, busyRetryMs: 50, processors: { apply }, ...limits });
    t.runtimes.push(runtime);
    await runtime.ready();
    return runtime;
  };

  it('with one apply per cluster, two environments of one cluster never overlap while another cluster\'s does', async () => {
    const spans: Span[] = [];
    const releaseFirst = deferred();
    const apply: Processor<ApplyJob> = async (job, ctx) => {
      const span: Span = { env: job.env, cluster: job.cluster ?? '', start: performance.now(), end: 0, attemptsMade: ctx.job.attemptsMade };
      spans.push(span);
      // The first of cluster a's environments works until the test lets it go.
      if (job.cluster === 'a' && spans.filter((s) => s.cluster === 'a').length === 1) await releaseFirst.promise;
      span.end = performance.now();
    };
    // Two workers with room for three applies each: only the limit keeps cluster a's applies apart.
    await start(apply, { applyConcurrencyPerCluster: 1 });
    await start(apply, { applyConcurrencyPerCluster: 1 });
    const queue = inspect(queueNames.apply, t.prefix);

    await t.producers.enqueueApply(applyJob({ env: 'a-1', cluster: 'a', sha: sha('1'), seq: 1 }));
    await waitFor('the first apply on cluster a to start', () => spans.length === 1);
    const second = await t.producers.enqueueApply(applyJob({ env: 'a-2', cluster: 'a', sha: sha('1'), seq: 1 }));
    const other = await t.producers.enqueueApply(applyJob({ env: 'b-1', cluster: 'b', sha: sha('1'), seq: 1 }));

    // Cluster b is applied while a-1 still runs; a-2 was turned away (delayed), not run.
    await waitFor('b-1 to finish', async () => (await queue.getJob(other.jobId))?.finishedOn !== undefined);
    await waitFor('a-2 to be turned away', async () => (await queue.getJob(second.jobId))?.isDelayed());
    expect(spans.filter((s) => s.cluster === 'a').map((s) => s.env)).toEqual(['a-1']);
    expect(await clusterSlotHolders(t.redis, stateKeys(t.prefix).clusterSlots('a'))).toHaveLength(1);

    releaseFirst.resolve();
    await waitFor('a-2 to finish', async () => (await queue.getJob(second.jobId))?.finishedOn !== undefined);
    const [a1, a2] = spans.filter((s) => s.cluster === 'a');
    const b1 = spans.find((s) => s.cluster === 'b')!;
    expect(overlap(a1, a2)).toBe(false);
    expect(a2.start).toBeGreaterThanOrEqual(a1.end);
    expect(overlap(a1, b1)).toBe(true);
    // Waiting for the cluster used no attempt, and its slot is free again.
    expect(a2.attemptsMade).toBe(0);
    expect((await queue.getJob(second.jobId))?.returnvalue).toEqual({ status: 'done' });
    expect(await clusterSlotHolders(t.redis, stateKeys(t.prefix).clusterSlots('a'))).toEqual([]);
    await queue.close();
  });

  it('with a global limit of one, applies to different clusters run one at a time across workers', async () => {
    const spans: Span[] = [];
    const apply: Processor<ApplyJob> = async (job) => {
      const span: Span = { env: job.env, cluster: job.cluster ?? '', start: performance.now(), end: 0 };
      spans.push(span);
      await sleep(40);
      span.end = performance.now();
    };
    await start(apply, { applyConcurrency: 1 });
    await start(apply, { applyConcurrency: 1 });
    const queue = inspect(queueNames.apply, t.prefix);
    expect(await queue.getGlobalConcurrency()).toBe(1);

    const envs = ['a-1', 'b-1', 'c-1', 'd-1', 'e-1', 'f-1'];
    const ids = await Promise.all(envs.map((env) => t.producers.enqueueApply(applyJob({ env, cluster: env.slice(0, 1), sha: sha('2'), seq: 2 }))));
    await waitFor('every apply to finish', async () => (await Promise.all(ids.map((r) => queue.getJob(r.jobId)))).every((j) => j?.finishedOn !== undefined));
    expect(spans.map((s) => s.env).sort()).toEqual(envs);
    for (const [i, a] of spans.entries()) for (const b of spans.slice(i + 1)) expect(overlap(a, b), `${a.env} and ${b.env} overlap`).toBe(false);
    await queue.close();
  });

  it('without limits, the same applies run side by side (the control for the test above)', async () => {
    const spans: Span[] = [];
    const together = deferred();
    const apply: Processor<ApplyJob> = async (job) => {
      const span: Span = { env: job.env, cluster: job.cluster ?? '', start: performance.now(), end: 0 };
      spans.push(span);
      if (spans.length === 2) together.resolve();
      await together.promise;
      span.end = performance.now();
    };
    await start(apply, { applyConcurrency: 0, applyConcurrencyPerCluster: 0 });
    const queue = inspect(queueNames.apply, t.prefix);
    expect(await queue.getGlobalConcurrency()).toBeNull();
    const ids = await Promise.all(['a-1', 'a-2'].map((env) => t.producers.enqueueApply(applyJob({ env, cluster: 'a', sha: sha('3'), seq: 3 }))));
    await waitFor('both applies to finish', async () => (await Promise.all(ids.map((r) => queue.getJob(r.jobId)))).every((j) => j?.finishedOn !== undefined));
    expect(overlap(spans[0], spans[1])).toBe(true);
    await queue.close();
  });
});
