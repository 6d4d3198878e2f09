// The drift check schedule kept per repository (real Redis and BullMQ job schedulers, no workers): one
// scheduler per environment at its interval, untouched when nothing changed, removed with the environment.
import { afterEach, describe, expect, it } from 'vitest';
import { ensureReconciles, minReconcileMs } from '../../queue/workflows/reconcile/reconcile-schedule.ts';
import { createProducers, queueNames, type Producers } from '../../src/jobs.ts';
import { environmentDefaults, type Environment } from '../../src/model/environment.ts';
import { dropPrefix, inspect, redisUrl, repo, testRedis, uniquePrefix } from '../queue/support.ts';

const env = (name: string, reconcileIntervalSeconds = 600): Environment => ({ ...environmentDefaults, name, source: 'config', path: `clusters/${name}`, cluster: 'test', reconcileIntervalSeconds });
const target = { installationId: 42, repo };

describe('drift check schedule', () => {
  let producers: Producers | undefined;
  let prefix = '';
  afterEach(async () => {
    await producers?.close();
    const redis = testRedis();
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  it('keeps one scheduler per environment at its interval, leaves unchanged ones alone and removes those that left the configuration', async () => {
    prefix = uniquePrefix();
    producers = createProducers(redisUrl, { prefix });
    const other = { ...target, repo: { ...repo, name: 'other', fullName: 'acme/other' } };
    await ensureReconciles(producers, other, [env('staging')]);

    expect(await ensureReconciles(producers, target, [env('staging', 300), env('production')])).toEqual({
      scheduled: [{ env: 'staging', everyMs: 300_000 }, { env: 'production', everyMs: 600_000 }],
      changed: ['staging', 'production'],
      removed: [],
    });
    // The same configuration again: nothing is rewritten, so no next run moves.
    expect((await ensureReconciles(producers, target, [env('staging', 300), env('production')])).changed).toEqual([]);
    // An interval below a minute is raised to one.
    expect(await ensureReconciles(producers, target, [env('staging', 5)])).toEqual({ scheduled: [{ env: 'staging', everyMs: minReconcileMs }], changed: ['staging'], removed: ['production'] });

    expect(await producers.listReconciles(repo.fullName)).toEqual([{ env: 'staging', everyMs: 60_000, job: { installationId: 42, repo, env: 'staging' } }]);
    const queue = inspect(queueNames.reconcile, prefix);
    const all = await queue.getJobSchedulers();
    await queue.close();
    // The other repository's schedule is its own.
    expect(all.map((s) => (s.template?.data as { repo: { fullName: string }; env: string })).map((d) => `${d.repo.fullName}:${d.env}`).sort()).toEqual(['acme/gitops:staging', 'acme/other:staging']);
  });
});
