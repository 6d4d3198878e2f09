// A job whose workers vanish twice is failed by BullMQ itself, without running bosun's code: the
// processor's `abandoned` hook is called once, so what the job left open on GitHub can be closed.
import { describe, expect, it } from 'vitest';
import { queueNames } from '../../src/jobs.ts';
import { startWorkers } from '../../queue/index.ts';
import { aborted, inspect, queueSuite, redisUrl, repo, waitFor } from './support.ts';

describe('an abandoned job', () => {
  const t = queueSuite();

  it('calls the processor\'s abandoned hook once when BullMQ gives up on a job whose workers vanished too often', async () => {
    const abandoned: Array<{ after: string; message: string }> = [];
    let runs = 0;
    const processor = Object.assign(async (_job: unknown, ctx: { signal: AbortSignal }) => {
      runs++;
      // Hangs like a worker that was killed: only the test's shutdown releases it.
      await aborted(ctx.signal);
    }, { abandoned: async (job: { after: string }, message: string) => void abandoned.push({ after: job.after, message }) });
    t.runtime = startWorkers({
      connection: redisUrl,
      prefix: t.prefix,
      processors: { push: processor as never },
      concurrency: 5,
      lockDurationMs: 60_000,
      stalledIntervalMs: 200,
      shutdownTimeoutMs: 200,
      abortGraceMs: 100,
      // Given up on after its second run (bosun's default allows more: stalls.test.ts).
      maxStalls: 1,
    });
    const queued = await t.producers.enqueuePush({ deliveryId: 'abandoned-push', installationId: 42, repo, after: 'd'.repeat(40) });
    expect(queued.status).toBe('queued');
    const jobId = (queued as { jobId: string }).jobId;
    const lockKey = `${t.prefix}:${queueNames.push}:${jobId}:lock`;
    const queue = inspect(queueNames.push, t.prefix);
    // Taking the job's lock away is what a vanished worker looks like to BullMQ's stalled-job check; it
    // recovers the job (maxStalledCount) until it gives up on it.
    const failed = await waitFor('the job to fail', async () => {
      const state = await queue.getJobState(jobId);
      // Read the job after seeing it failed: a read from before the failure has no reason yet.
      if (state === 'failed') return queue.getJob(jobId);
      if (state === 'active' && (await t.redis.exists(lockKey)) === 1) await t.redis.del(lockKey);
      return undefined;
    });
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(failed?.failedReason).toMatch(/stalled more than allowable limit/);
    await waitFor('the abandoned hook', () => abandoned.length > 0);
    expect(abandoned).toEqual([{ after: 'd'.repeat(40), message: expect.stringContaining('stopped responding') }]);
    await queue.close();
  });
});
