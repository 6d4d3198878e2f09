// Every apply to a cluster counts against the apply limits, also one that runs inside another job (a
// `/bosun apply` before merge in a command job, a self-heal in a reconcile job): such a job asks the worker
// runtime for its turn (JobContext.applySlot) and waits for it where it is, while an apply job that finds
// the cluster full goes back to the queue. Real Redis, the real worker runtime; the processors stand in
// for the workflows and record when they held the turn and what they were told they wait for.
import { describe, expect, it } from 'vitest';
import { applySlotKey, clusterSlotHolders, queueNames, stateKeys, type ApplyJob, type CommandJob } from '../../src/jobs.ts';
import { applySlotWaitText } from '../../src/jobs/apply-slots.ts';
import { startWorkers, type Processor } from '../../queue/index.ts';
import { applyJob, commandJob, deferred, inspect, queueSuite, redisUrl, sha, waitFor } from './support.ts';

interface Span {
  who: string;
  start: number;
  end?: number;
}

const overlap = (a: Span, b: Span): boolean => a.start < b.end! && b.start < a.end!;

describe('applies inside other jobs under the apply limits', () => {
  const t = queueSuite();

  /**
   * Apply jobs on `cluster` and command jobs whose body names the cluster they apply to inside the job;
   * the first apply job holds its turn until `releaseFirst`, an inline apply until its `hold` is resolved.
   */
  const stack = async (limits: { applyConcurrency?: number; applyConcurrencyPerCluster?: number; shutdownTimeoutMs?: number; abortGraceMs?: number }) => {
    const spans: Span[] = [];
    // What each inline apply was told it waits for (what a pre-merge apply shows on its queued check run).
    const waits: Array<{ who: string; text: string }> = [];
    const releaseFirst = deferred();
    const holds = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const apply: Processor<ApplyJob> = async (job) => {
      const span: Span = { who: `job ${job.env}`, start: performance.now() };
      spans.push(span);
      if (spans.filter((s) => s.who.startsWith('job')).length === 1) await releaseFirst.promise;
      span.end = performance.now();
    };
    const command: Processor<CommandJob> = async (job, ctx) => {
      const [, cluster, name] = job.body.split(' ');
      const turn = await ctx.applySlot(cluster, { onWait: (wait) => waits.push({ who: `inline ${name}`, text: applySlotWaitText(wait) }) });
      const span: Span = { who: `inline ${name}`, start: performance.now() };
      spans.push(span);
      try {
        await holds.get(name)?.promise;
      } finally {
        span.end = performance.now();
        await turn.release();
      }
    };
    // Room for three jobs of each kind at once: only the limits keep them apart.
    const runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, concurrency: 3, busyRetryMs: 50, processors: { apply, command }, ...limits });
    t.runtimes.push(runtime);
    await runtime.ready();
    const commands = inspect(queueNames.command, t.prefix);
    const applies = inspect(queueNames.apply, t.prefix);
    const inline = async (cluster: string, name: string, hold = false): Promise<string> => {
      if (hold) holds.set(name, deferred());
      const queued = await t.producers.enqueueCommand(commandJob({ body: `apply ${cluster} ${name}` }));
      return (queued as { jobId: string }).jobId;
    };
    const progressOf = async (jobId: string): Promise<string> => String(((await commands.getJob(jobId))?.progress as { message?: string } | undefined)?.message ?? '');
    const finished = (queue: typeof commands, jobId: string) => waitFor(`job ${jobId} to finish`, async () => (await queue.getJob(jobId))?.finishedOn !== undefined);
    return { runtime, spans, waits, releaseFirst, holds, commands, applies, inline, progressOf, finished, span: (who: string) => spans.find((s) => s.who === who)! };
  };

  it('with one apply per cluster, an inline apply waits for the apply job on its cluster, and another cluster\'s does not', async () => {
    const s = await stack({ applyConcurrencyPerCluster: 1 });
    await t.producers.enqueueApply(applyJob({ env: 'a-1', cluster: 'a', sha: sha('1'), seq: 1 }));
    await waitFor('the apply job on cluster a to start', () => s.spans.length === 1);

    const onB = await s.inline('b', 'b-pre');
    const onA = await s.inline('a', 'a-pre');
    // Cluster b's inline apply runs while a-1 holds cluster a; a's waits in its job, saying why.
    await s.finished(s.commands, onB);
    await waitFor('the inline apply on a to wait for its turn', async () => /cluster a runs its limit of applies \(1\); this apply waits for its turn/.test(await s.progressOf(onA)));
    expect(s.spans.map((x) => x.who)).toEqual(['job a-1', 'inline b-pre']);

    s.releaseFirst.resolve();
    await s.finished(s.commands, onA);
    const [job, pre, other] = [s.span('job a-1'), s.span('inline a-pre'), s.span('inline b-pre')];
    expect(pre.start).toBeGreaterThanOrEqual(job.end!);
    expect(overlap(job, other)).toBe(true);
    // Told once that it waits and for what; b-pre, which had its turn at once, never.
    expect(s.waits).toEqual([{ who: 'inline a-pre', text: 'waiting for an apply slot: 1 apply running on cluster a; BOSUN_APPLY_CONCURRENCY_PER_CLUSTER=1' }]);
    expect(await clusterSlotHolders(t.redis, stateKeys(t.prefix).clusterSlots('a'))).toEqual([]);
    await Promise.all([s.commands.close(), s.applies.close()]);
  });

  it('an apply job on a cluster an inline apply holds goes back to the queue until the inline apply ends', async () => {
    const s = await stack({ applyConcurrencyPerCluster: 1 });
    s.releaseFirst.resolve();
    const first = await s.inline('a', 'heal', true);
    await waitFor('the inline apply to hold cluster a', () => s.spans.length === 1);
    const queued = await t.producers.enqueueApply(applyJob({ env: 'a-2', cluster: 'a', sha: sha('2'), seq: 2 }));
    const jobId = (queued as { jobId: string }).jobId;
    await waitFor('the apply job to be turned away', async () => (await s.applies.getJob(jobId))?.isDelayed());
    expect(s.spans.map((x) => x.who)).toEqual(['inline heal']);

    s.holds.get('heal')!.resolve();
    await s.finished(s.commands, first);
    await s.finished(s.applies, jobId);
    expect(s.span('job a-2').start).toBeGreaterThanOrEqual(s.span('inline heal').end!);
    // Turned away without using an attempt.
    expect((await s.applies.getJob(jobId))?.attemptsMade).toBe(1);
    expect((await s.applies.getJob(jobId))?.returnvalue).toEqual({ status: 'done' });
    await Promise.all([s.commands.close(), s.applies.close()]);
  });

  it('with a global limit of one, an inline apply to another cluster waits for the running apply job', async () => {
    const s = await stack({ applyConcurrency: 1, applyConcurrencyPerCluster: 0 });
    await t.producers.enqueueApply(applyJob({ env: 'a-1', cluster: 'a', sha: sha('3'), seq: 3 }));
    await waitFor('the apply job on cluster a to start', () => s.spans.length === 1);
    expect(await clusterSlotHolders(t.redis, applySlotKey(stateKeys(t.prefix), { scope: 'global', limit: 1 }))).toHaveLength(1);

    const onB = await s.inline('b', 'b-pre');
    await waitFor('the inline apply on b to wait for the global limit', async () => /the global apply limit runs its limit of applies \(1\); this apply waits for its turn/.test(await s.progressOf(onB)));
    expect(s.spans.map((x) => x.who)).toEqual(['job a-1']);

    s.releaseFirst.resolve();
    await s.finished(s.commands, onB);
    expect(s.span('inline b-pre').start).toBeGreaterThanOrEqual(s.span('job a-1').end!);
    expect(s.waits).toEqual([{ who: 'inline b-pre', text: 'waiting for an apply slot: 1 apply running across all workers; BOSUN_APPLY_CONCURRENCY=1' }]);
    expect(await clusterSlotHolders(t.redis, stateKeys(t.prefix).applySlots)).toEqual([]);
    await Promise.all([s.commands.close(), s.applies.close()]);
  });

  it('a worker that stops while an inline apply waits for its turn puts the job back, holding no slot', async () => {
    const s = await stack({ applyConcurrencyPerCluster: 1, shutdownTimeoutMs: 100, abortGraceMs: 100 });
    await t.producers.enqueueApply(applyJob({ env: 'a-1', cluster: 'a', sha: sha('4'), seq: 4 }));
    await waitFor('the apply job on cluster a to start', () => s.spans.length === 1);
    const waiting = await s.inline('a', 'a-pre');
    await waitFor('the inline apply to wait for its turn', async () => /waits for its turn/.test(await s.progressOf(waiting)));

    // Past the shutdown deadline both jobs are aborted; the waiting one goes back to the queue at once.
    await s.runtime.close();
    s.releaseFirst.resolve();
    const job = await s.commands.getJob(waiting);
    // Back among the queued jobs (`prioritized`: every job has its fair-share priority), not failed.
    expect(['wait', 'prioritized']).toContain(await job?.getState());
    expect(job?.attemptsMade).toBe(0);
    expect(s.spans.map((x) => x.who)).toEqual(['job a-1']);
    // Only the apply job's slot may remain (its processor ignored the abort: its slot runs out with its lease).
    expect((await clusterSlotHolders(t.redis, stateKeys(t.prefix).clusterSlots('a'))).filter((holder) => holder.includes(waiting))).toEqual([]);
    await Promise.all([s.commands.close(), s.applies.close()]);
  });
});
