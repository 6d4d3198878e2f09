import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireClusterSlot, clusterBusyDelayMs, clusterSlotHolders, clusterSlotOf, holdClusterSlot, releaseClusterSlot, stateKeys } from '../../src/jobs.ts';
import { dropPrefix, testRedis, uniquePrefix, waitFor } from './support.ts';

describe('the per-cluster apply semaphore (Redis)', () => {
  const redis = testRedis();
  // Several connections, so concurrent acquires really race on the server.
  const others = Array.from({ length: 4 }, () => testRedis());
  let prefix: string;
  let key: string;

  beforeEach(() => {
    prefix = uniquePrefix();
    key = stateKeys(prefix).clusterSlots('prod-eu');
  });
  afterEach(async () => {
    await dropPrefix(redis, prefix);
  });
  afterAll(async () => {
    await Promise.all([redis, ...others].map((r) => r.quit()));
  });

  it('grants at most the limit when many ask at once, and a freed slot to the next', async () => {
    const grants = await Promise.all(Array.from({ length: 20 }, (_, i) => acquireClusterSlot(others[i % others.length], key, `w${i}`, 3, 60_000)));
    const acquired = grants.flatMap((g, i) => (g.status === 'acquired' ? [`w${i}`] : []));
    expect(acquired).toHaveLength(3);
    expect((await clusterSlotHolders(redis, key)).sort()).toEqual([...acquired].sort());
    const refused = grants.find((g) => g.status === 'busy');
    expect(refused).toMatchObject({ status: 'busy', holders: 3 });

    // A holder asking again keeps its slot; a newcomer is still refused.
    expect(await acquireClusterSlot(redis, key, acquired[0], 3, 60_000)).toMatchObject({ status: 'acquired', holders: 3 });
    expect((await acquireClusterSlot(redis, key, 'late', 3, 60_000)).status).toBe('busy');
    expect(await releaseClusterSlot(redis, key, acquired[1])).toBe(true);
    expect(await acquireClusterSlot(redis, key, 'late', 3, 60_000)).toMatchObject({ status: 'acquired', holders: 3 });
    expect(await clusterSlotHolders(redis, key)).not.toContain(acquired[1]);
  });

  it('never has more holders than the limit while workers take and free slots concurrently', async () => {
    const limit = 2;
    let inside = 0;
    let most = 0;
    const worker = async (r: typeof redis, name: string): Promise<number> => {
      let rounds = 0;
      for (let i = 0; i < 15; i++) {
        const token = `${name}-${i}`;
        const grant = await acquireClusterSlot(r, key, token, limit, 60_000);
        if (grant.status === 'busy') continue;
        inside += 1;
        most = Math.max(most, inside, (await clusterSlotHolders(r, key)).length);
        rounds += 1;
        inside -= 1;
        await releaseClusterSlot(r, key, token);
      }
      return rounds;
    };
    const rounds = await Promise.all(others.map((r, i) => worker(r, `w${i}`)));
    expect(rounds.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(limit);
    expect(await clusterSlotHolders(redis, key)).toEqual([]);
  });

  it('frees the slot of a holder that stopped renewing once its lease ran out', async () => {
    expect((await acquireClusterSlot(redis, key, 'dead-worker', 1, 300)).status).toBe('acquired');
    const refused = await acquireClusterSlot(redis, key, 'next', 1, 60_000);
    expect(refused.status).toBe('busy');
    // The refusal says when the dead holder's lease ends: no later than its length.
    expect(refused.status === 'busy' && refused.firstExpiryInMs).toBeLessThanOrEqual(300);
    const started = Date.now();
    await waitFor('the dead holder\'s slot to run out', async () => (await acquireClusterSlot(redis, key, 'next', 1, 60_000)).status === 'acquired', 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await clusterSlotHolders(redis, key)).toEqual(['next']);
  });

  it('keeps a renewed slot past its lease, and releasing twice frees it once', async () => {
    const held = await holdClusterSlot({ redis, key, token: 'alive', limit: 1, leaseMs: 1_000 });
    expect(held.status).toBe('acquired');
    const since = Date.now();
    // Several lease lengths pass while the holder renews: nobody else gets in.
    await waitFor('three lease lengths', async () => {
      expect((await acquireClusterSlot(redis, key, 'other', 1, 60_000)).status).toBe('busy');
      return Date.now() - since > 3_000;
    });
    expect(await clusterSlotHolders(redis, key)).toEqual(['alive']);
    if (held.status !== 'acquired') return;
    await held.slot.release();
    await held.slot.release();
    expect(await releaseClusterSlot(redis, key, 'alive')).toBe(false);
    // Releasing a token that holds nothing leaves the others alone.
    expect((await acquireClusterSlot(redis, key, 'other', 1, 60_000)).status).toBe('acquired');
    expect(await releaseClusterSlot(redis, key, 'never-held')).toBe(false);
    expect(await clusterSlotHolders(redis, key)).toEqual(['other']);
  });
});

describe('apply limit rules', () => {
  it('counts an apply against the cluster its producer named, unless the limit is off', () => {
    expect(clusterSlotOf({ cluster: 'prod-eu' }, 4)).toEqual({ cluster: 'prod-eu', limit: 4 });
    expect(clusterSlotOf({}, 4)).toBeUndefined();
    expect(clusterSlotOf({ cluster: 'prod-eu' }, 0)).toBeUndefined();
  });

  it('asks again after the busy retry, sooner when a lease ends first, spread by up to a quarter', () => {
    expect(clusterBusyDelayMs(60_000, 2_000, () => 0)).toBe(2_000);
    expect(clusterBusyDelayMs(60_000, 2_000, () => 1)).toBe(2_500);
    expect(clusterBusyDelayMs(400, 2_000, () => 0)).toBe(400);
    expect(clusterBusyDelayMs(-5, 2_000, () => 0)).toBe(50);
  });
});
