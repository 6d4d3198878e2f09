// A plan whose worker vanished twice (killed mid-plan, then its replacement killed too) is run a third
// time and completes: BullMQ's own limit (one stall) failed it without running bosun's code, and the PR's
// newest head silently never got a plan (chaos-worker-kills, seed 2). Past `maxStalls` BullMQ still gives up.
import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { queueNames } from '../../src/jobs.ts';
import { startWorkers } from '../../queue/index.ts';
import { aborted, inspect, planJob, queueSuite, redisUrl, sha, waitFor } from './support.ts';

describe('a job whose workers vanish', () => {
  const t = queueSuite();

  /**
   * Queues a plan whose first `hangs` runs hang like a killed worker (the test then takes their lock away,
   * which is what a vanished worker looks like to BullMQ's stalled-job check) and whose next run completes.
   */
  const run = async (hangs: number, maxStalls?: number): Promise<{ state: string; runs: number; reason?: string; value?: unknown; abandoned: string[]; queue: Queue }> => {
    let runs = 0;
    let hanging = false;
    const abandoned: string[] = [];
    const processor = Object.assign(async (job: { headSha: string }, ctx: { signal: AbortSignal }) => {
      runs++;
      if (runs <= hangs) {
        hanging = true;
        await aborted(ctx.signal);
        return undefined;
      }
      return { head: job.headSha };
    }, { abandoned: async (job: { headSha: string }) => void abandoned.push(job.headSha) });
    t.runtime = startWorkers({
      connection: redisUrl,
      prefix: t.prefix,
      processors: { plan: processor as never },
      concurrency: 5,
      lockDurationMs: 60_000,
      stalledIntervalMs: 200,
      shutdownTimeoutMs: 200,
      abortGraceMs: 100,
      ...(maxStalls !== undefined ? { maxStalls } : {}),
    });
    const queued = await t.producers.enqueuePlan(planJob({ headSha: sha('a') }));
    expect(queued.status).toBe('queued');
    const jobId = (queued as { jobId: string }).jobId;
    const lockKey = `${t.prefix}:${queueNames.plan}:${jobId}:lock`;
    const queue = inspect(queueNames.plan, t.prefix);
    const state = await waitFor('the plan to finish', async () => {
      const now = await queue.getJobState(jobId);
      if (now === 'completed' || now === 'failed') return now;
      if (now === 'active' && hanging && (await t.redis.exists(lockKey)) === 1) {
        hanging = false;
        await t.redis.del(lockKey);
      }
      return undefined;
    }, 30_000);
    const job = await queue.getJob(jobId);
    return { state, runs, reason: job?.failedReason, value: job?.returnvalue, abandoned, queue };
  };

  it('runs a plan again after its workers vanished twice, and it completes at its head', async () => {
    const { state, runs, reason, value, abandoned, queue } = await run(2);
    expect({ state, reason: reason || undefined, abandoned }).toEqual({ state: 'completed', reason: undefined, abandoned: [] });
    expect(runs).toBe(3);
    expect(value).toEqual({ status: 'done', value: { head: sha('a') } });
    await queue.close();
  });

  it('still gives up on a job whose workers vanish more often than maxStalls, and says so', async () => {
    const { state, reason, abandoned, queue } = await run(10, 2);
    expect(state).toBe('failed');
    expect(reason).toMatch(/stalled more than allowable limit/);
    await waitFor('the abandoned hook', () => abandoned.length > 0);
    expect(abandoned).toEqual([sha('a')]);
    await queue.close();
  });
});
