import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProducers, queueNames, type Producers } from '../../src/jobs.ts';
import { spawnWorker, type WorkerProcess } from './processes.ts';
import { commandJob, dropPrefix, inspect, redisUrl, testRedis, uniquePrefix, waitFor } from './support.ts';

describe('horizontal scaling', () => {
  const redis = testRedis();
  let prefix: string;
  let producers: Producers;
  const workers: WorkerProcess[] = [];

  beforeEach(() => {
    prefix = uniquePrefix();
    producers = createProducers(redisUrl, { prefix });
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await producers.close();
    await dropPrefix(redis, prefix);
  });

  it('two worker processes on one queue run each of 100 jobs exactly once', async () => {
    workers.push(...(await Promise.all([spawnWorker({ prefix, name: 'one', mode: 'count' }), spawnWorker({ prefix, name: 'two', mode: 'count' })])));
    const results = await Promise.all(Array.from({ length: 100 }, () => producers.enqueueCommand(commandJob())));
    expect(results.every((r) => r.status === 'queued')).toBe(true);

    const queue = inspect(queueNames.command, prefix);
    await waitFor('all 100 jobs to complete', async () => (await queue.getJobCounts('completed')).completed === 100, 30_000);
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    await queue.close();
    const runs = await redis.hgetall(`${prefix}:test:runs`);
    expect(Object.keys(runs).sort()).toEqual(results.map((r) => r.jobId).sort());
    expect(Object.values(runs).every((count) => count === '1')).toBe(true);
    const byWorker = await redis.hgetall(`${prefix}:test:by-worker`);
    expect(Number(byWorker.one) + Number(byWorker.two)).toBe(100);
    expect(Number(byWorker.one)).toBeGreaterThan(0);
    expect(Number(byWorker.two)).toBeGreaterThan(0);
  });
});
