import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProducers, lastApplied, queueNames, stateKeys, type ApplyJob, type JobOutcome, type Producers } from '../../src/jobs.ts';
import { startWorkers, type Processor, type WorkerRuntime } from '../../queue/index.ts';
import { applyJob, deferred, dropPrefix, inspect, redisUrl, repo, sha, testRedis, uniquePrefix, waitFor } from './support.ts';

interface Span {
  env: string;
  sha: string;
  start: number;
  end: number;
}

describe('apply ordering', () => {
  const redis = testRedis();
  let prefix: string;
  let producers: Producers;
  const runtimes: WorkerRuntime[] = [];

  beforeEach(() => {
    prefix = uniquePrefix();
    producers = createProducers(redisUrl, { prefix });
  });
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
    await producers.close();
    await dropPrefix(redis, prefix);
  });

  const start = (apply: Processor<ApplyJob>, extra: { busyRetryMs?: number; concurrency?: number } = {}): WorkerRuntime => {
    const runtime = startWorkers({ connection: redisUrl, prefix, concurrency: extra.concurrency ?? 3, busyRetryMs: extra.busyRetryMs ?? 50, processors: { apply } });
    runtimes.push(runtime);
    return runtime;
  };

  it('never runs two applies of one environment at once, across workers, while other environments proceed', async () => {
    const spans: Span[] = [];
    const release = deferred();
    const apply: Processor<ApplyJob> = async (job) => {
      const span = { env: job.env, sha: job.sha, start: performance.now(), end: 0 };
      spans.push(span);
      if (job.sha === sha('1')) await release.promise;
      else await sleep(30);
      span.end = performance.now();
    };
    // Two workers with their own connections and room for several jobs each.
    start(apply);
    start(apply);
    const queue = inspect(queueNames.apply, prefix);

    const first = await producers.enqueueApply(applyJob({ sha: sha('1'), seq: 1 }));
    await waitFor('the first apply to start', () => spans.length === 1);
    const later = await Promise.all([
      producers.enqueueApply(applyJob({ sha: sha('2'), seq: 2 })),
      producers.enqueueApply(applyJob({ sha: sha('3'), seq: 3 })),
      producers.enqueueApply(applyJob({ env: 'staging', sha: sha('3'), seq: 3 })),
    ]);
    // staging is its own environment: it applies while production is busy.
    await waitFor('staging to apply', () => spans.some((s) => s.env === 'staging' && s.end > 0));
    expect(spans.filter((s) => s.env === 'production')).toHaveLength(1);

    release.resolve();
    await waitFor('the newest production apply to finish', async () => (await queue.getJob(later[1].jobId))?.finishedOn !== undefined);

    const production = spans.filter((s) => s.env === 'production');
    expect(production.map((s) => s.sha)).toEqual([sha('1'), sha('3')]);
    expect(production[1].start).toBeGreaterThanOrEqual(production[0].end);
    // The request for commit 2 was overtaken by 3 while it waited: completed without running.
    const skipped = await queue.getJob(later[0].jobId);
    expect(skipped?.returnvalue).toMatchObject({ status: 'superseded', by: { sha: sha('3'), seq: 3 } } satisfies Partial<JobOutcome>);
    expect((await queue.getJob(first.jobId))?.returnvalue).toEqual({ status: 'done' });
    expect(await lastApplied(redis, stateKeys(prefix), repo.fullName, 'production')).toEqual({ sha: sha('3'), seq: 3 });
    await queue.close();
  });

  it('skips an older commit enqueued after a newer one was applied', async () => {
    const applied: string[] = [];
    start(async (job) => void applied.push(job.sha));
    const queue = inspect(queueNames.apply, prefix);
    const newer = await producers.enqueueApply(applyJob({ sha: sha('b'), seq: 2_000 }));
    await waitFor('the newer apply to finish', async () => (await queue.getJob(newer.jobId))?.finishedOn !== undefined);

    const older = await producers.enqueueApply(applyJob({ sha: sha('a'), seq: 1_000 }));
    expect(older).toMatchObject({ status: 'superseded', by: { sha: sha('b'), seq: 2_000 } });
    // Nothing was added, and nothing is left to run that could apply it later.
    expect(await queue.getJob(older.jobId)).toBeUndefined();
    expect(await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'waiting-children')).toEqual({ active: 0, waiting: 0, delayed: 0, prioritized: 0, 'waiting-children': 0 });
    expect(applied).toEqual([sha('b')]);
    await queue.close();
  });

  it('does not apply an older commit after a newer one when its worker restarts mid-apply', async () => {
    const applied: string[] = [];
    const stuck = deferred();
    const started = deferred();
    const leaving = startWorkers({
      connection: redisUrl,
      prefix,
      busyRetryMs: 50,
      shutdownTimeoutMs: 100,
      abortGraceMs: 100,
      processors: {
        apply: async (_job, ctx) => {
          started.resolve();
          // Honours its signal, so the environment is released when it is requeued.
          await Promise.race([stuck.promise, new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))]);
          throw ctx.signal.reason;
        },
      },
    });
    const queue = inspect(queueNames.apply, prefix);
    const older = await producers.enqueueApply(applyJob({ sha: sha('a'), seq: 1 }));
    await started.promise;
    const newer = await producers.enqueueApply(applyJob({ sha: sha('b'), seq: 2 }));
    await leaving.close();
    expect(await queue.getJobState(older.jobId)).toBe('prioritized'); // back in the queue, at its fair-share priority

    start(async (job) => void applied.push(job.sha));
    await waitFor('both applies to finish', async () => (await queue.getJobCounts('completed')).completed === 2);
    expect(applied).toEqual([sha('b')]);
    expect((await queue.getJob(older.jobId))?.returnvalue).toMatchObject({ status: 'superseded' });
    expect((await queue.getJob(newer.jobId))?.returnvalue).toMatchObject({ status: 'done' });
    await queue.close();
  });
});
