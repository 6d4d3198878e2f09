// The job layer's promotion gate (Processor.ready): an apply that waits for another environment holds
// no environment lease, uses no attempt, survives a worker restart, and a stopped one never runs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProducers, envLeaseHolder, queueNames, stateKeys, type ApplyJob, type Producers } from '../../src/jobs.ts';
import { startWorkers, type Processor, type WorkerRuntime } from '../../queue/index.ts';
import type { Readiness } from '../../queue/types.ts';
import { applyJob, dropPrefix, inspect, redisUrl, repo, sha, testRedis, uniquePrefix, waitFor } from './support.ts';

describe('promotion gate', () => {
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

  /** Ready once Redis says staging is done; stopped when it says staging failed. */
  const gated = (ran: string[], asked: { n: number }): Processor<ApplyJob> => Object.assign(async (job: ApplyJob) => void ran.push(job.sha), {
    ready: async (): Promise<Readiness> => {
      asked.n++;
      const state = await redis.get(`${prefix}:test:staging`);
      if (state === 'ok') return { status: 'go' };
      if (state === 'failed') return { status: 'stop', message: 'staging failed' };
      return { status: 'wait', retryInMs: 50, message: 'waiting for staging' };
    },
  });
  const start = (apply: Processor<ApplyJob>): WorkerRuntime => {
    const runtime = startWorkers({ connection: redisUrl, prefix, concurrency: 2, busyRetryMs: 50, processors: { apply } });
    runtimes.push(runtime);
    return runtime;
  };

  it('waits without the environment lease or an attempt, across a worker restart, then runs', async () => {
    const ran: string[] = [];
    const asked = { n: 0 };
    const first = start(gated(ran, asked));
    const queue = inspect(queueNames.apply, prefix);
    const { jobId } = await producers.enqueueApply(applyJob({ sha: sha('p'), seq: 10 }));
    await waitFor('a few waits', () => asked.n >= 3);
    expect(await envLeaseHolder(redis, stateKeys(prefix), repo.fullName, 'production')).toBeUndefined();
    const waiting = await queue.getJob(jobId);
    expect(waiting?.attemptsMade).toBe(0);
    expect(await waiting?.getState()).toMatch(/delayed|waiting|active/);

    await first.close();
    runtimes.splice(runtimes.indexOf(first), 1);
    await redis.set(`${prefix}:test:staging`, 'ok');
    start(gated(ran, asked));
    await waitFor('the apply to run on the new worker', async () => (await queue.getJob(jobId))?.finishedOn !== undefined);
    expect(ran).toEqual([sha('p')]);
    expect((await queue.getJob(jobId))?.returnvalue).toEqual({ status: 'done' });
    await queue.close();
  });

  it('a stopped apply completes without running', async () => {
    const ran: string[] = [];
    await redis.set(`${prefix}:test:staging`, 'failed');
    start(gated(ran, { n: 0 }));
    const queue = inspect(queueNames.apply, prefix);
    const { jobId } = await producers.enqueueApply(applyJob({ sha: sha('q'), seq: 20 }));
    await waitFor('the apply to finish', async () => (await queue.getJob(jobId))?.finishedOn !== undefined);
    expect((await queue.getJob(jobId))?.returnvalue).toEqual({ status: 'skipped', message: 'staging failed' });
    expect(ran).toEqual([]);
    await queue.close();
  });
});
