import { describe, expect, it } from 'vitest';
import { queueNames } from '../../src/jobs.ts';
import { startWorkers } from '../../queue/index.ts';
import { commandJob, inspect, planJob, redisUrl, waitFor, queueSuite } from './support.ts';

describe('webhook redelivery', () => {
  const t = queueSuite();

  it('runs a plan once when the same delivery arrives twice', async () => {
    const job = planJob();
    const first = await t.producers.enqueuePlan(job);
    const second = await t.producers.enqueuePlan({ ...job });
    expect(first.status).toBe('queued');
    expect(second).toEqual({ status: 'duplicate', jobId: first.jobId });

    const runs: string[] = [];
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { plan: async (data) => void runs.push(data.deliveryId) } });
    const queue = inspect(queueNames.plan, t.prefix);
    await waitFor('the plan to complete', async () => (await queue.getJobCounts('completed')).completed === 1);
    // A redelivery after the job finished is still recognised.
    expect((await t.producers.enqueuePlan({ ...job })).status).toBe('duplicate');
    await queue.close();
    expect(runs).toEqual([job.deliveryId]);
  });

  it('still ignores a redelivered command after BullMQ dropped the finished job', async () => {
    const job = commandJob();
    const first = await t.producers.enqueueCommand(job);
    expect(first.status).toBe('queued');
    const queue = inspect(queueNames.command, t.prefix);
    // As if retention had removed it: BullMQ alone would then accept the same id again.
    await queue.remove(first.jobId);
    expect(await t.producers.enqueueCommand({ ...job })).toEqual({ status: 'duplicate', jobId: first.jobId });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
    await queue.close();
  });

  it('derives job ids from the delivery id that BullMQ accepts: no colon, never all digits', async () => {
    const job = planJob({ deliveryId: '12345', pr: 3 });
    const result = await t.producers.enqueuePlan(job);
    expect(result.jobId).not.toMatch(/:/);
    expect(result.jobId).not.toMatch(/^\d+$/);
    const stored = await (async () => {
      const queue = inspect(queueNames.plan, t.prefix);
      const found = await queue.getJob(result.jobId);
      await queue.close();
      return found;
    })();
    expect(stored?.data.deliveryId).toBe('12345');
  });
});
