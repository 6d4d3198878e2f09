import { describe, expect, it } from 'vitest';
import { queueNames, type JobOutcome } from '../../src/jobs.ts';
import { JobAborted, startWorkers } from '../../queue/index.ts';
import { aborted, deferred, inspect, planJob, redisUrl, sha, waitFor, queueSuite } from './support.ts';

describe('plan superseding', () => {
  const t = queueSuite();

  it('replaces a waiting plan when the PR gets a newer head SHA: the old one never runs', async () => {
    const old = await t.producers.enqueuePlan(planJob({ headSha: sha('1') }));
    const newer = await t.producers.enqueuePlan(planJob({ headSha: sha('2') }));
    expect(old.status).toBe('queued');
    expect(newer.status).toBe('queued');
    // Another PR is not affected.
    await t.producers.enqueuePlan(planJob({ pr: 8, headSha: sha('1') }));

    const planned: string[] = [];
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { plan: async (data) => void planned.push(`${data.pr}@${data.headSha[0]}`) } });
    const queue = inspect(queueNames.plan, t.prefix);
    await waitFor('both plans to complete', async () => (await queue.getJobCounts('completed')).completed === 2);
    expect(planned.sort()).toEqual(['7@2', '8@1']);
    expect(await queue.getJob(old.jobId)).toBeUndefined();
    await queue.close();
  });

  it('aborts a running plan when a newer head SHA arrives, reports it superseded, then plans the newer SHA', async () => {
    const seen: Array<{ sha: string; reason?: unknown }> = [];
    const started = deferred();
    t.runtime = startWorkers({
      connection: redisUrl,
      prefix: t.prefix,
      // A long poll interval: the abort must come from the published SHA, not from polling.
      supersedePollMs: 60_000,
      processors: {
        plan: async (data, ctx) => {
          if (data.headSha === sha('1')) {
            started.resolve();
            const reason = await aborted(ctx.signal);
            seen.push({ sha: data.headSha, reason });
            // Before posting, a processor asks whether its result is still current.
            seen.push({ sha: 'checked', reason: await ctx.supersededBy() });
            throw reason;
          }
          seen.push({ sha: data.headSha });
          return 'planned';
        },
      },
    });
    const queue = inspect(queueNames.plan, t.prefix);
    const first = await t.producers.enqueuePlan(planJob({ headSha: sha('1') }));
    await started.promise;
    const second = await t.producers.enqueuePlan(planJob({ headSha: sha('2') }));

    const done = await waitFor('the newer plan to complete', async () => {
      const job = await queue.getJob(second.jobId);
      return job?.finishedOn ? job : undefined;
    });
    expect(done.returnvalue).toEqual({ status: 'done', value: 'planned' });

    const old = await queue.getJob(first.jobId);
    const outcome = old?.returnvalue as JobOutcome;
    expect(await old?.getState()).toBe('completed');
    expect(outcome.status).toBe('superseded');
    expect(outcome.status === 'superseded' && outcome.by?.sha).toBe(sha('2'));

    const reason = seen[0].reason;
    expect(reason).toBeInstanceOf(JobAborted);
    expect((reason as JobAborted).reason).toBe('superseded');
    expect(seen[1]).toEqual({ sha: 'checked', reason: { sha: sha('2'), seq: expect.any(Number) } });
    expect(seen[2]).toEqual({ sha: sha('2') });
    await queue.close();
  });

  it('drops a plan request older than the newest one seen for the PR (out-of-order webhooks)', async () => {
    await t.producers.enqueuePlan(planJob({ headSha: sha('2'), seq: 2_000 }));
    const late = await t.producers.enqueuePlan(planJob({ headSha: sha('1'), seq: 1_000 }));
    expect(late).toMatchObject({ status: 'superseded', by: { sha: sha('2'), seq: 2_000 } });
    const queue = inspect(queueNames.plan, t.prefix);
    // Queued jobs wait as `prioritized`: the plan queue shares its turns between installations (src/jobs/fairness.ts).
    expect(await queue.getJobCounts('waiting', 'prioritized')).toEqual({ waiting: 0, prioritized: 1 });
    await queue.close();
  });

  it('keeps one waiting plan per PR when the same SHA is asked for again', async () => {
    const first = await t.producers.enqueuePlan(planJob({ headSha: sha('1') }));
    const again = await t.producers.enqueuePlan(planJob({ headSha: sha('1'), reason: 'command' }));
    expect(again).toEqual({ status: 'queued', jobId: first.jobId });
    const queue = inspect(queueNames.plan, t.prefix);
    // Queued jobs wait as `prioritized`: the plan queue shares its turns between installations (src/jobs/fairness.ts).
    expect(await queue.getJobCounts('waiting', 'prioritized')).toEqual({ waiting: 0, prioritized: 1 });
    await queue.close();
  });
});
