// `/bosun sync <env> --prune` queued behind a running apply, then overtaken by a newer merge: the sync's job
// is superseded and never runs, and the merge's job carries no prune of its own. The prune the person asked
// for must not vanish: the apply that overtook it prunes (and says whose prune it is), and once done, later
// applies prune only as the environment says. Real Redis and BullMQ workers; the processor stands for the
// apply workflow (queue/workflows/apply/apply-job.ts asks the same store, createOwedPrunes).
import { describe, expect, it } from 'vitest';
import { createOwedPrunes, queueNames, type ApplyJob, type JobOutcome, type OwedPrune } from '../../src/jobs.ts';
import { startWorkers, type Processor } from '../../queue/index.ts';
import { applyJob, deferred, inspect, queueSuite, redisUrl, sha, waitFor } from './support.ts';

interface Ran {
  sha: string;
  trigger: string;
  prune: boolean;
  owed?: OwedPrune;
}

describe('a --prune that a newer apply supersedes', () => {
  const suite = queueSuite();
  const { redis, runtimes } = suite;

  /** Runs applies as the apply workflow does: prune when asked or owed; pay when it applied (not held). */
  const startApplying = (ran: Ran[], opts: { block?: string; release?: Promise<void>; held?: Set<string> }): void => {
    const owedPrunes = createOwedPrunes(redis, suite.prefix);
    const apply: Processor<ApplyJob> = async (job) => {
      const owed = await owedPrunes.owed(job);
      ran.push({ sha: job.sha, trigger: job.trigger, prune: Boolean(job.prune) || owed !== undefined, ...(owed ? { owed } : {}) });
      if (job.sha === opts.block) await opts.release;
      if (opts.held?.has(job.sha)) return { held: 'manual' };
      if (job.prune || owed) await owedPrunes.pay(job);
      return { ok: true };
    };
    runtimes.push(startWorkers({ connection: redisUrl, prefix: suite.prefix, concurrency: 2, busyRetryMs: 50, processors: { apply } }));
  };

  it('the newer merge that overtakes a queued sync --prune prunes in its place, once', async () => {
    const ran: Ran[] = [];
    const release = deferred();
    startApplying(ran, { block: sha('1'), release: release.promise });
    const queue = inspect(queueNames.apply, suite.prefix);

    await suite.producers.enqueueApply(applyJob({ sha: sha('1'), seq: 1 }));
    await waitFor('the first merge to be applying', () => ran.length === 1);
    const sync = await suite.producers.enqueueApply(applyJob({ sha: sha('2'), seq: 2, trigger: 'sync', prune: true, requestedBy: 'mia' }));
    const merge = await suite.producers.enqueueApply(applyJob({ sha: sha('3'), seq: 3 }));
    release.resolve();
    await waitFor('the newer merge to finish', async () => (await queue.getJob(merge.jobId))?.finishedOn !== undefined);
    expect((await queue.getJob(sync.jobId))?.returnvalue).toMatchObject({ status: 'superseded', by: { sha: sha('3'), seq: 3 } } satisfies Partial<JobOutcome>);
    expect(ran.map((r) => [r.sha, r.prune])).toEqual([[sha('1'), false], [sha('3'), true]]);
    expect(ran[1]!.owed).toEqual({ sha: sha('2'), seq: 2, requestedBy: 'mia' });

    // Done once: the next merge prunes as the environment says.
    const next = await suite.producers.enqueueApply(applyJob({ sha: sha('4'), seq: 4 }));
    await waitFor('the next merge to finish', async () => (await queue.getJob(next.jobId))?.finishedOn !== undefined);
    expect(ran.at(-1)).toEqual({ sha: sha('4'), trigger: 'merge', prune: false });
    await queue.close();
  });

  it('stays owed while the apply that overtook it is held, and goes to the one that applies; a rollback never carries it', async () => {
    const ran: Ran[] = [];
    const release = deferred();
    startApplying(ran, { block: sha('1'), release: release.promise, held: new Set([sha('3')]) });
    const queue = inspect(queueNames.apply, suite.prefix);

    await suite.producers.enqueueApply(applyJob({ sha: sha('1'), seq: 1 }));
    await waitFor('the first merge to be applying', () => ran.length === 1);
    await suite.producers.enqueueApply(applyJob({ sha: sha('2'), seq: 2, trigger: 'command', prune: true, requestedBy: 'mia' }));
    const held = await suite.producers.enqueueApply(applyJob({ sha: sha('3'), seq: 3 }));
    release.resolve();
    await waitFor('the held merge to finish', async () => (await queue.getJob(held.jobId))?.finishedOn !== undefined);
    const rollback = await suite.producers.enqueueApply(applyJob({ sha: sha('1'), seq: 5, trigger: 'rollback' }));
    await waitFor('the rollback to finish', async () => (await queue.getJob(rollback.jobId))?.finishedOn !== undefined);
    const apply = await suite.producers.enqueueApply(applyJob({ sha: sha('3'), seq: 6, trigger: 'command' }));
    await waitFor('the /bosun apply to finish', async () => (await queue.getJob(apply.jobId))?.finishedOn !== undefined);
    expect(ran.slice(1).map((r) => [r.sha, r.trigger, r.prune])).toEqual([[sha('3'), 'merge', true], [sha('1'), 'rollback', false], [sha('3'), 'command', true]]);
    await queue.close();
  });
});
