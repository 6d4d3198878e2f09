import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProducers, queueNames, type Producers } from '../../src/jobs.ts';
import { JobAborted, startWorkers, type WorkerRuntime } from '../../queue/index.ts';
import { spawnWorker } from './processes.ts';
import { aborted, commandJob, deferred, dropPrefix, inspect, redisUrl, testRedis, uniquePrefix, waitFor } from './support.ts';

describe('graceful shutdown', () => {
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

  it('lets a running job finish when it ends before the deadline', async () => {
    const started = deferred();
    const runtime = startWorkers({
      connection: redisUrl,
      prefix,
      shutdownTimeoutMs: 10_000,
      processors: {
        command: async () => {
          started.resolve();
          await sleep(300);
          return 'finished';
        },
      },
    });
    const queue = inspect(queueNames.command, prefix);
    const { jobId } = await producers.enqueueCommand(commandJob());
    await started.promise;
    await runtime.close();
    expect(await queue.getJobState(jobId)).toBe('completed');
    expect((await queue.getJob(jobId))?.returnvalue).toEqual({ status: 'done', value: 'finished' });
    await queue.close();
  });

  it('returns a job that overruns the deadline to the queue, and another worker completes it', async () => {
    const reasons: unknown[] = [];
    const started = deferred();
    const leaving = startWorkers({
      connection: redisUrl,
      prefix,
      shutdownTimeoutMs: 200,
      abortGraceMs: 200,
      processors: {
        command: async (_data, ctx) => {
          started.resolve();
          reasons.push(await aborted(ctx.signal));
          // Keeps going after the abort, as a processor stuck in a tool call would.
          await sleep(5_000);
          return 'too late';
        },
      },
    });
    const queue = inspect(queueNames.command, prefix);
    const { jobId } = await producers.enqueueCommand(commandJob());
    await started.promise;

    await leaving.close();
    expect(await queue.getJobState(jobId)).toBe('prioritized'); // back in the queue, at its fair-share priority
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(JobAborted);
    expect((reasons[0] as JobAborted).reason).toBe('shutdown');

    const attemptsSeen: number[] = [];
    const taking = startWorkers({
      connection: redisUrl,
      prefix,
      processors: {
        command: async (_data, ctx) => {
          attemptsSeen.push(ctx.job.attemptsMade);
          return 'done elsewhere';
        },
      },
    });
    runtimes.push(taking);
    await waitFor('another worker to complete it', async () => (await queue.getJobState(jobId)) === 'completed');
    const job = await queue.getJob(jobId);
    expect(job?.returnvalue).toEqual({ status: 'done', value: 'done elsewhere' });
    // Requeued by shutdown, not failed: no attempt was used up.
    expect(attemptsSeen).toEqual([0]);
    await queue.close();
  });

  it('a worker process stopped with SIGTERM hands its running job to another process and exits', async () => {
    const hanging = await spawnWorker({ prefix, name: 'leaving', mode: 'hang' });
    const { jobId } = await producers.enqueueCommand(commandJob());
    await waitFor('the job to start in the first process', async () => (await redis.lrange(`${prefix}:test:started`, 0, -1)).length === 1);

    hanging.child.kill('SIGTERM');
    expect(await hanging.exited).toBe(0);

    const taking = await spawnWorker({ prefix, name: 'taking', mode: 'count' });
    try {
      const queue = inspect(queueNames.command, prefix);
      await waitFor('the second process to complete it', async () => (await queue.getJobState(jobId)) === 'completed');
      expect((await queue.getJob(jobId))?.returnvalue).toEqual({ status: 'done', value: 'taking' });
      await queue.close();
      expect(await redis.hgetall(`${prefix}:test:by-worker`)).toEqual({ leaving: '1', taking: '1' });
    } finally {
      taking.child.kill('SIGTERM');
      await taking.exited;
    }
  });
});
