import { describe, expect, it } from 'vitest';
import { createProducers, PermanentJobError, queueNames, RetryAfterError } from '../../src/jobs.ts';
import { BosunError } from '../../src/model/errors.ts';
import { startWorkers, type Processors } from '../../queue/index.ts';
import { commandJob, inspect, redisUrl, waitFor, queueSuite } from './support.ts';

describe('retries', () => {
  const t = queueSuite({ retry: { attempts: 3, backoffMs: 150 } });

  const run = (processors: Processors): void => {
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors });
  };
  const finished = async (jobId: string) => {
    const queue = inspect(queueNames.command, t.prefix);
    try {
      const job = await waitFor(`job ${jobId} to finish`, async () => {
        const found = await queue.getJob(jobId);
        return found?.finishedOn ? found : undefined;
      });
      return { state: await job.getState(), returnvalue: job.returnvalue as unknown, failedReason: job.failedReason, stacktrace: job.stacktrace };
    } finally {
      await queue.close();
    }
  };

  it('retries a failing job with growing backoff until it succeeds', async () => {
    const attempts: Array<{ attemptsMade: number; at: number }> = [];
    run({
      command: async (_data, ctx) => {
        attempts.push({ attemptsMade: ctx.job.attemptsMade, at: Date.now() });
        if (attempts.length < 3) throw new Error('GitHub answered 502');
        return 'ok';
      },
    });
    const { jobId } = await t.producers.enqueueCommand(commandJob());
    const job = await finished(jobId);
    expect(job.returnvalue).toEqual({ status: 'done', value: 'ok' });
    expect(attempts.map((a) => a.attemptsMade)).toEqual([0, 1, 2]);
    // Exponential: the second wait is twice the first (150 ms, then 300 ms).
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(150);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(300);
  });

  it('fails at once, without retrying, on an error that retrying cannot fix', async () => {
    const runs: string[] = [];
    run({
      command: async (data) => {
        runs.push(data.body);
        if (data.body === 'config') {
          throw new BosunError({ kind: 'config', message: 'environments[0].path is required', file: '.bosun.yaml', line: 3, field: 'environments[0].path' });
        }
        throw new PermanentJobError('unknown cluster "prod": add it to the clusters file');
      },
    });
    const config = await finished((await t.producers.enqueueCommand(commandJob({ body: 'config' }))).jobId);
    const permanent = await finished((await t.producers.enqueueCommand(commandJob({ body: 'permanent' }))).jobId);
    expect(config.state).toBe('failed');
    expect(config.failedReason).toContain('environments[0].path is required');
    expect(permanent.state).toBe('failed');
    expect(permanent.failedReason).toContain('unknown cluster "prod"');
    expect(runs).toEqual(['config', 'permanent']);
  });

  it('delays a job by the retry-after it was given, without using up an attempt', async () => {
    const runs: Array<{ attemptsMade: number; at: number }> = [];
    run({
      command: async (_data, ctx) => {
        runs.push({ attemptsMade: ctx.job.attemptsMade, at: Date.now() });
        if (runs.length === 1) throw new RetryAfterError(600, 'secondary rate limit');
        return 'posted';
      },
    });
    const queue = inspect(queueNames.command, t.prefix);
    const { jobId } = await t.producers.enqueueCommand(commandJob());
    await waitFor('the job to be delayed', async () => (await queue.getJobState(jobId)) === 'delayed');
    const job = await finished(jobId);
    await queue.close();
    expect(job.state).toBe('completed');
    expect(job.returnvalue).toEqual({ status: 'done', value: 'posted' });
    expect(runs.map((r) => r.attemptsMade)).toEqual([0, 0]);
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(600);
  });

  it('gives up on a job asked to wait more often than allowed, and lets its processor close what it opened', async () => {
    const abandoned: string[] = [];
    let runs = 0;
    const command = Object.assign(async () => {
      runs++;
      throw new RetryAfterError(20, 'secondary rate limit');
    }, { abandoned: async (_data: unknown, message: string) => void abandoned.push(message) });
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { command: command as never }, maxRetryAfter: 2 });
    const job = await finished((await t.producers.enqueueCommand(commandJob())).jobId);
    expect(job.state).toBe('failed');
    expect(job.failedReason).toContain('secondary rate limit');
    // Two waits, then the three attempts (each past the wait budget), then the hook once.
    expect(runs).toBe(5);
    expect(abandoned).toEqual([expect.stringMatching(/^it was asked to wait 2 times and still could not finish \(.*secondary rate limit.*\), so bosun gave up on it$/)]);
  });

  it('keeps tokens out of the failure BullMQ stores', async () => {
    run({ command: async () => Promise.reject(new Error('clone failed: https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com/acme/gitops.git')) });
    const producersOnce = createProducers(redisUrl, { prefix: t.prefix, retry: { attempts: 1 } });
    const { jobId } = await producersOnce.enqueueCommand(commandJob());
    await producersOnce.close();
    const job = await finished(jobId);
    expect(job.failedReason).toContain('clone failed');
    expect(job.failedReason).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123');
    expect((job.stacktrace ?? []).join('\n')).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123');
  });
});
