import { describe, expect, it } from 'vitest';
import { acquireEnvLease, queueNames, releaseEnvLease, stateKeys } from '../../src/jobs.ts';
import { startWorkers } from '../../queue/index.ts';
import { inspect, redisUrl, repo, waitFor, queueSuite } from './support.ts';

describe('reconcile scheduling', () => {
  const t = queueSuite();

  it('reconciles an environment repeatedly until it is removed', async () => {
    const rounds: string[] = [];
    const markerRounds: string[] = [];
    t.runtime = startWorkers({
      connection: redisUrl,
      prefix: t.prefix,
      processors: { reconcile: async (job) => void (job.env === 'marker' ? markerRounds : rounds).push(job.env) },
    });
    await t.producers.ensureReconcile({ installationId: 42, repo, env: 'staging' }, 100);
    // Upserting again changes nothing but the schedule: still one scheduler.
    await t.producers.ensureReconcile({ installationId: 42, repo, env: 'staging' }, 100);
    await waitFor('three rounds', () => rounds.length >= 3);
    expect(new Set(rounds)).toEqual(new Set(['staging']));

    expect(await t.producers.removeReconcile(repo.fullName, 'staging')).toBe(true);
    const queue = inspect(queueNames.reconcile, t.prefix);
    // A round that was already running may still finish; after that nothing more is scheduled.
    await waitFor('no round left', async () => Object.values(await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized')).every((n) => n === 0));
    await queue.close();
    const after = rounds.length;
    // Another schedule on the same interval: by the time it has run three rounds, a staging schedule that
    // were still there would have run too.
    await t.producers.ensureReconcile({ installationId: 42, repo, env: 'marker' }, 100);
    await waitFor('three rounds of another schedule', () => markerRounds.length >= 3);
    expect(rounds.length).toBe(after);
    expect((await t.producers.listReconciles(repo.fullName)).map((r) => r.env)).toEqual(['marker']);
    expect(await t.producers.removeReconcile(repo.fullName, 'staging')).toBe(false);
    expect(await t.producers.removeReconcile(repo.fullName, 'marker')).toBe(true);
  });

  it('runs the first round one interval after scheduling, not at once (a merge\'s applies are still queued then)', async () => {
    const rounds: number[] = [];
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { reconcile: async () => void rounds.push(Date.now()) } });
    const scheduled = Date.now();
    await t.producers.ensureReconcile({ installationId: 42, repo, env: 'canary' }, 1_500);
    await waitFor('the first round', () => rounds.length >= 1);
    expect(rounds[0] - scheduled).toBeGreaterThanOrEqual(1_400);
    await t.producers.removeReconcile(repo.fullName, 'canary');
  });

  it('skips a round while the environment is being changed by another job', async () => {
    const keys = stateKeys(t.prefix);
    expect(await acquireEnvLease(t.redis, keys, repo.fullName, 'production', 'an-apply', 10_000)).toBe(true);
    const rounds: string[] = [];
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { reconcile: async (job) => void rounds.push(job.env) } });
    await t.producers.ensureReconcile({ installationId: 42, repo, env: 'production' }, 100);
    const queue = inspect(queueNames.reconcile, t.prefix);
    const skipped = await waitFor('a skipped round', async () => (await queue.getCompleted()).find((job) => job.returnvalue?.status === 'skipped'));
    expect(skipped.returnvalue.message).toContain('production');
    expect(rounds).toEqual([]);

    await releaseEnvLease(t.redis, keys, repo.fullName, 'production', 'an-apply');
    await waitFor('a round that runs', () => rounds.length > 0);
    await t.producers.removeReconcile(repo.fullName, 'production');
    await queue.close();
  });
});
