import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProducers, queueNames, type Producers } from '../../src/jobs.ts';
import { startWorkers, type WorkerRuntime } from '../../queue/index.ts';
import { commandJob, dropPrefix, inspect, planJob, redisUrl, testRedis, uniquePrefix, waitFor } from './support.ts';

describe('webhook redelivery', () => {
  const redis = testRedis();
  let prefix: string;
  let producers: Producers;
  let runtime: WorkerRuntime | undefined;

  beforeEach(() => {
    prefix = uniquePrefix();
    producers = createProducers(redisUrl, { prefix });
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await producers.close();
    await dropPrefix(redis, prefix);
  });

  it('runs a plan once when the same delivery arrives twice', async () => {
    const job = planJob();
    const first = await producers.enqueuePlan(job);
    const second = await producers.enqueuePlan({ ...job });
    expect(first.status).toBe('queued');
    expect(second).toEqual({ status: 'duplicate', jobId: first.jobId });

    const runs: string[] = [];
    runtime = startWorkers({ connection: redisUrl, prefix, processors: { plan: async (data) => void runs.push(data.deliveryId) } });
    const queue = inspect(queueNames.plan, prefix);
    await waitFor('the plan to complete', async () => (await queue.getJobCounts('completed')).completed === 1);
    // A redelivery after the job finished is still recognised.
    expect((await producers.enqueuePlan({ ...job })).status).toBe('duplicate');
    await queue.close();
    expect(runs).toEqual([job.deliveryId]);
  });

  it('still ignores a redelivered command after BullMQ dropped the finished job', async () => {
    const job = commandJob();
    const first = await producers.enqueueCommand(job);
    expect(first.status).toBe('queued');
    const queue = inspect(queueNames.command, prefix);
    // As if retention had removed it: BullMQ alone would then accept the same id again.
    await queue.remove(first.jobId);
    expect(await producers.enqueueCommand({ ...job })).toEqual({ status: 'duplicate', jobId: first.jobId });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
    await queue.close();
  });

  it('derives job ids from the delivery id that BullMQ accepts: no colon, never all digits', async () => {
    const job = planJob({ deliveryId: '12345', pr: 3 });
    const result = await producers.enqueuePlan(job);
    expect(result.jobId).not.toMatch(/:/);
    expect(result.jobId).not.toMatch(/^\d+$/);
    const stored = await (async () => {
      const queue = inspect(queueNames.plan, prefix);
      const found = await queue.getJob(result.jobId);
      await queue.close();
      return found;
    })();
    expect(stored?.data.deliveryId).toBe('12345');
  });
});
