import { describe, expect, it } from 'vitest';
import { assignPriority, fairnessKey, fairnessState, priorityLimit, queueNames, queueWaitKeys } from '../../src/jobs.ts';
import { startWorkers } from '../../queue/index.ts';
import { applyJob, inspect, planJob, queueSuite, redisUrl, repo, sha, waitFor } from './support.ts';

const A = 101;
const B = 202;
/** Installation B's repository (A's is the suite's `acme/gitops`). */
const repoB = { ...repo, owner: 'globex', fullName: 'globex/infra', name: 'infra', cloneUrl: 'https://github.com/globex/infra.git' };

/** The order a worker with one job at a time starts jobs in, as `<installation>:<what>`. */
function recorder(): { started: string[]; until: (n: number) => Promise<void> } {
  const started: string[] = [];
  return { started, until: (n) => waitFor(`${n} jobs to start`, () => started.length >= n, 60_000).then(() => undefined) };
}

describe('fair share between installations', () => {
  const t = queueSuite();

  it('runs another installation\'s single plan second, not after a burst of 500 queued before it', async () => {
    for (let pr = 1; pr <= 500; pr++) await t.producers.enqueuePlan(planJob({ installationId: A, pr, headSha: sha('a') }));
    await t.producers.enqueuePlan(planJob({ installationId: B, repo: repoB, pr: 1, headSha: sha('b') }));

    const r = recorder();
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, concurrency: 1, processors: { plan: async (job) => void r.started.push(`${job.installationId}:${job.pr}`) } });
    await r.until(501);

    // A's first plan was queued first and has the same turn as B's: B is the second job started.
    expect(r.started.indexOf(`${B}:1`)).toBe(1);
    expect(r.started.filter((s) => s.startsWith(`${A}:`))).toEqual(Array.from({ length: 500 }, (_, i) => `${A}:${i + 1}`));
  });

  it('starts a plan queued while a burst drains within the next few jobs, not behind the rest of the burst', async () => {
    for (let pr = 1; pr <= 300; pr++) await t.producers.enqueuePlan(planJob({ installationId: A, pr, headSha: sha('a') }));
    const r = recorder();
    t.runtime = startWorkers({
      connection: redisUrl,
      prefix: t.prefix,
      concurrency: 2,
      processors: {
        plan: async (job) => {
          r.started.push(`${job.installationId}:${job.pr}`);
          // Long enough that the burst is still queued when B's plan arrives.
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      },
    });
    await r.until(20);
    await t.producers.enqueuePlan(planJob({ installationId: B, repo: repoB, pr: 1, headSha: sha('b') }));
    // Counted once B's plan is queued with its turn (the enqueue takes a few Redis round trips, during which
    // A's jobs keep starting — on a loaded machine a dozen or more): what starts after that is what fairness decides.
    const before = r.started.length;
    await r.until(301);

    const at = r.started.indexOf(`${B}:1`);
    // At most the two running, and A's job holding the same turn, start before it.
    expect(at - before).toBeLessThanOrEqual(3);
    expect(before).toBeLessThan(300 - 20);
    expect(r.started.filter((s) => s.startsWith(`${A}:`))).toEqual(Array.from({ length: 300 }, (_, i) => `${A}:${i + 1}`));
  });

  it('interleaves two installations\' applies turn by turn and keeps each one\'s applies in the order they were queued', async () => {
    for (const installationId of [A, B]) {
      for (let i = 1; i <= 20; i++) await t.producers.enqueueApply(applyJob({ installationId, repo: installationId === A ? repo : repoB, env: `env-${installationId}-${i}`, sha: sha('c'), seq: i }));
    }
    const r = recorder();
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, concurrency: 1, processors: { apply: async (job) => void r.started.push(`${job.installationId}:${job.env}`) } });
    await r.until(40);

    const turns = Array.from({ length: 20 }, (_, i) => [`${A}:env-${A}-${i + 1}`, `${B}:env-${B}-${i + 1}`]).flat();
    expect(r.started).toEqual(turns);
  });

  it('gives a superseding plan the replaced plan\'s turn and takes back the turn of a request that joined a queued plan', async () => {
    const queue = inspect(queueNames.plan, t.prefix);
    const first = await t.producers.enqueuePlan(planJob({ installationId: A, pr: 1, headSha: sha('1') }));
    await t.producers.enqueuePlan(planJob({ installationId: A, pr: 2, headSha: sha('2') }));
    const newer = await t.producers.enqueuePlan(planJob({ installationId: A, pr: 1, headSha: sha('3') }));
    const joined = await t.producers.enqueuePlan(planJob({ installationId: A, pr: 2, headSha: sha('2'), reason: 'command' }));
    const third = await t.producers.enqueuePlan(planJob({ installationId: A, pr: 3, headSha: sha('4') }));

    expect(await queue.getJob(first.jobId)).toBeUndefined();
    expect((await queue.getJob(newer.jobId))?.priority).toBe(1);
    expect(joined.status).toBe('queued');
    expect((await queue.getJob(third.jobId))?.priority).toBe(3);
    expect(await fairnessState(t.redis, fairnessKey(t.prefix, queueNames.plan))).toEqual({ vt: 0, last: { [A]: 3 } });
    await queue.close();
  });

  it('queues first come, first served at BullMQ\'s highest priority once the clock reaches it, instead of failing the add', async () => {
    const queue = inspect(queueNames.plan, t.prefix);
    await t.producers.enqueuePlan(planJob({ installationId: A, pr: 1, headSha: sha('a') }));
    // As after two million jobs started without the queue ever draining.
    await t.redis.hset(fairnessKey(t.prefix, queueNames.plan), 'vt', priorityLimit - 1);
    const late = [];
    for (let pr = 2; pr <= 4; pr++) late.push(await t.producers.enqueuePlan(planJob({ installationId: A, pr, headSha: sha('a') })));
    late.push(await t.producers.enqueuePlan(planJob({ installationId: B, repo: repoB, pr: 1, headSha: sha('b') })));
    expect(await Promise.all(late.map(async (r) => (await queue.getJob(r.jobId))?.priority))).toEqual([priorityLimit, priorityLimit, priorityLimit, priorityLimit]);

    const r = recorder();
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, concurrency: 1, processors: { plan: async (job) => void r.started.push(`${job.installationId}:${job.pr}`) } });
    await r.until(5);
    expect(r.started).toEqual([`${A}:1`, `${A}:2`, `${A}:3`, `${A}:4`, `${B}:1`]);
    await queue.close();
  });

  it('starts over once the queue has drained, so superseded, joined and lost jobs leave nothing behind', async () => {
    const key = fairnessKey(t.prefix, queueNames.plan);
    const queue = inspect(queueNames.plan, t.prefix);
    for (let pr = 1; pr <= 10; pr++) await t.producers.enqueuePlan(planJob({ installationId: A, pr, headSha: sha('a') }));
    for (let pr = 1; pr <= 5; pr++) await t.producers.enqueuePlan(planJob({ installationId: A, pr, headSha: sha('b') }));
    await t.producers.enqueuePlan(planJob({ installationId: A, pr: 6, headSha: sha('a'), reason: 'command' }));
    // A producer that died between taking a priority and adding its job: 50 turns no job will use.
    for (let i = 0; i < 50; i++) await assignPriority(t.redis, key, queueWaitKeys(queue.keys), A);
    await t.producers.enqueuePlan(planJob({ installationId: B, repo: repoB, pr: 1, headSha: sha('c') }));

    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, concurrency: 2, processors: { plan: async () => undefined } });
    await waitFor('the plan queue to drain', async () => Object.values(await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed')).every((n) => n === 0));
    expect((await queue.getJobCounts('completed')).completed).toBe(11);
    // No worker to start the next job before the state is read.
    await t.runtime.close();
    t.runtime = undefined;

    const next = await t.producers.enqueuePlan(planJob({ installationId: A, pr: 11, headSha: sha('d') }));
    expect((await queue.getJob(next.jobId))?.priority).toBe(1);
    expect(await fairnessState(t.redis, key)).toEqual({ vt: 0, last: { [A]: 1 } });
    await queue.close();
  });
});
