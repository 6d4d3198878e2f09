import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLockManager, keepAlive, lockKey, type LockHolder } from '../../src/locks/index.ts';

const redisUrl = process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bosun-test:${randomUUID()}:`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const repo = 'acme/gitops';
const pr = (n: number): LockHolder => ({ pr: n, url: `https://github.com/acme/gitops/pull/${n}`, by: `user${n}` });

/** Waits until `check` holds, polling; the deadline only bounds a broken run, it is not what is tested. */
async function eventually(check: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await sleep(25);
  }
}

describe('environment locks', () => {
  it('lets exactly one of two racing PRs take an environment; the other sees the holder and its URL', async () => {
    const locks = createLockManager(redis, { prefix });
    const key = lockKey(repo, 'race');
    const results = await Promise.all([locks.acquire(key, pr(1)), locks.acquire(key, pr(2))]);
    const winners = results.filter((r) => r.ok);
    const losers = results.filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const winner = winners[0].ok ? winners[0].lock.holder : undefined;
    const loser = losers[0];
    expect(loser.ok === false && loser.holder).toEqual(winner);
    expect(loser.ok === false && loser.holder.url).toMatch(/^https:\/\/github\.com\/acme\/gitops\/pull\/[12]$/);
    expect(loser.ok === false && loser.expiresAt).toBeGreaterThan(Date.now());
  });

  it('decides a race of many workers for one environment in favour of exactly one PR', async () => {
    const locks = createLockManager(redis, { prefix });
    const key = lockKey(repo, 'stampede');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => createLockManager(redis, { prefix }).acquire(key, pr(100 + i))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const holder = (await locks.get(key))?.holder.pr;
    for (const r of results) expect(r.ok ? r.lock.holder.pr : r.holder.pr).toBe(holder);
  });

  it('is re-entrant for the PR that holds it and keeps the first acquisition time', async () => {
    const locks = createLockManager(redis, { prefix });
    const key = lockKey(repo, 'reenter');
    const first = await locks.acquire(key, pr(3));
    const again = await locks.acquire(key, { ...pr(3), by: 'someone-else' });
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.lock.acquiredAt).toBe(first.lock.acquiredAt);
    expect(again.lock.holder.by).toBe('user3');
  });

  it('frees an environment when the lease expires', async () => {
    const locks = createLockManager(redis, { prefix, ttlMs: 150 });
    const key = lockKey(repo, 'expiry');
    expect((await locks.acquire(key, pr(4))).ok).toBe(true);
    expect((await locks.acquire(key, pr(5))).ok).toBe(false);
    await eventually(async () => (await locks.get(key)) === undefined);
    const taken = await locks.acquire(key, pr(5));
    expect(taken.ok && taken.lock.holder.pr).toBe(5);
  });

  it('keeps the lock while it heart-beats, and a lost lease cannot be extended', async () => {
    const locks = createLockManager(redis, { prefix, ttlMs: 1_000 });
    const key = lockKey(repo, 'heartbeat');
    const acquired = await locks.acquire(key, pr(6));
    if (!acquired.ok) throw new Error('expected to acquire');
    const firstExpiry = acquired.lock.expiresAt;
    const alive = keepAlive(acquired.lock);
    try {
      // Until a beat has extended the lease more than a whole TTL after it would have run out without
      // beats (so the lock was still there then), or the keep-alive gives up.
      await eventually(async () => alive.lost || acquired.lock.expiresAt > firstExpiry + 2_000, 20_000);
      expect(alive.lost).toBe(false);
      expect((await locks.get(key))?.holder.pr).toBe(6);
      expect((await locks.acquire(key, pr(7))).ok).toBe(false);
    } finally {
      await alive.stop();
    }
    await locks.forceUnlock(key);
    expect(await acquired.lock.heartbeat()).toBe(false);
    expect(await locks.get(key)).toBeUndefined();
  });

  it('aborts the keep-alive signal when the lock is taken away', async () => {
    const locks = createLockManager(redis, { prefix, ttlMs: 300 });
    const key = lockKey(repo, 'lost');
    const acquired = await locks.acquire(key, pr(8));
    if (!acquired.ok) throw new Error('expected to acquire');
    const reasons: string[] = [];
    const alive = keepAlive(acquired.lock, { onLost: (reason) => reasons.push(reason) });
    await locks.forceUnlock(key);
    expect((await locks.acquire(key, pr(9))).ok).toBe(true);
    await eventually(async () => alive.signal.aborted);
    await alive.stop();
    expect(reasons).toEqual([expect.stringContaining('acme/gitops:lost was lost')]);
    expect((await locks.get(key))?.holder.pr).toBe(9);
  });

  it('declares the lease lost once Redis cannot be reached past its expiry', async () => {
    const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    const locks = createLockManager(client, { prefix, ttlMs: 300 });
    const acquired = await locks.acquire(lockKey(repo, 'unreachable'), pr(12));
    if (!acquired.ok) throw new Error('expected to acquire');
    const errors: unknown[] = [];
    const alive = keepAlive(acquired.lock, { onError: (err) => errors.push(err) });
    client.disconnect();
    await eventually(async () => alive.lost);
    await alive.stop();
    expect(errors.length).toBeGreaterThan(0);
    expect(alive.signal.reason).toEqual(new Error('the lock on acme/gitops:unreachable could not be extended before its lease ran out'));
  });

  it('ignores a release by a PR that does not hold the lock', async () => {
    const locks = createLockManager(redis, { prefix });
    const key = lockKey(repo, 'release');
    await locks.acquire(key, pr(10));
    expect(await locks.release(key, 11)).toBe(false);
    expect((await locks.get(key))?.holder.pr).toBe(10);
    expect(await locks.release(key, 10)).toBe(true);
    expect(await locks.get(key)).toBeUndefined();
    expect(await locks.release(key, 10)).toBe(false);
  });

  it('releases on merge/close only the locks that PR holds, in that repository', async () => {
    const locks = createLockManager(redis, { prefix });
    await locks.acquire(lockKey(repo, 'a/staging'), pr(20));
    await locks.acquire(lockKey(repo, 'a/production'), pr(20));
    await locks.acquire(lockKey(repo, 'b/staging'), pr(21));
    await locks.acquire(lockKey('acme/other', 'a/staging'), pr(20));
    // A lock PR 20 lost and PR 22 took since: PR 20's set still names it.
    await locks.acquire(lockKey(repo, 'c/dev'), pr(20));
    await locks.forceUnlock(lockKey(repo, 'c/dev'));
    await locks.acquire(lockKey(repo, 'c/dev'), pr(22));

    expect(await locks.releaseAllFor(repo, 20)).toEqual(['acme/gitops:a/production', 'acme/gitops:a/staging']);
    expect(await locks.get(lockKey(repo, 'a/staging'))).toBeUndefined();
    expect(await locks.get(lockKey(repo, 'a/production'))).toBeUndefined();
    expect((await locks.get(lockKey(repo, 'b/staging')))?.holder.pr).toBe(21);
    expect((await locks.get(lockKey(repo, 'c/dev')))?.holder.pr).toBe(22);
    expect((await locks.get(lockKey('acme/other', 'a/staging')))?.holder.pr).toBe(20);
    expect(await locks.releaseAllFor(repo, 20)).toEqual([]);
  });

  it('renews every lock a PR still holds by a full lease, without re-taking one it lost', async () => {
    const p = `${prefix}renew:`;
    const locks = createLockManager(redis, { prefix: p, ttlMs: 60_000 });
    await locks.acquire(lockKey(repo, 'a/staging'), pr(25), { ttlMs: 1_000 });
    await locks.acquire(lockKey(repo, 'b/staging'), pr(26), { ttlMs: 1_000 });
    // Lost to an unlock: renewing must not bring it back.
    await locks.acquire(lockKey(repo, 'c/dev'), pr(25), { ttlMs: 1_000 });
    await locks.forceUnlock(lockKey(repo, 'c/dev'));

    expect(await locks.renewAllFor(repo, 25)).toEqual(['acme/gitops:a/staging']);
    expect(await redis.pttl(`${p}lock:acme/gitops:a/staging`)).toBeGreaterThan(30_000);
    expect(await redis.pttl(`${p}lock:acme/gitops:b/staging`)).toBeLessThanOrEqual(1_000);
    expect(await locks.get(lockKey(repo, 'c/dev'))).toBeUndefined();
    expect(await locks.renewAllFor(repo, 27)).toEqual([]);
  });

  it('force-unlocks whoever holds a lock and reports who that was', async () => {
    const locks = createLockManager(redis, { prefix });
    const key = lockKey(repo, 'force');
    await locks.acquire(key, pr(30));
    const was = await locks.forceUnlock(key);
    expect(was).toMatchObject({ key, repo, env: 'force', holder: pr(30) });
    expect(await locks.forceUnlock(key)).toBeUndefined();
    // The PR no longer counts the lock as its own.
    expect(await locks.releaseAllFor(repo, 30)).toEqual([]);
  });

  it('lists the live locks of a repository with holder and expiry, dropping expired ones', async () => {
    const locks = createLockManager(redis, { prefix: `${prefix}list:` });
    const short = createLockManager(redis, { prefix: `${prefix}list:`, ttlMs: 100 });
    await locks.acquire(lockKey('Acme/Listed', 'production'), pr(40));
    await locks.acquire(lockKey('acme/listed', 'staging/apps'), pr(41));
    await short.acquire(lockKey('acme/listed', 'gone'), pr(42));
    await eventually(async () => (await locks.get(lockKey('acme/listed', 'gone'))) === undefined);
    const listed = await locks.list('ACME/listed');
    expect(listed.map((l) => [l.env, l.holder.pr])).toEqual([
      ['production', 40],
      ['staging/apps', 41],
    ]);
    for (const l of listed) {
      expect(l.repo).toBe('acme/listed');
      expect(l.expiresAt).toBeGreaterThan(Date.now());
      expect(l.expiresAt).toBeLessThanOrEqual(Date.now() + locks.ttlMs);
    }
    expect(await redis.smembers(`${prefix}list:repo:acme/listed`)).not.toContain('acme/listed:gone');
  });

  it('leaves no index keys behind longer than the lease', async () => {
    const p = `${prefix}leak:`;
    const locks = createLockManager(redis, { prefix: p, ttlMs: 100 });
    await locks.acquire(lockKey(repo, 'x'), pr(50));
    await eventually(async () => (await redis.keys(`${p}*`)).length === 0);
  });

  it('refuses malformed keys and holders with a message that says how to build them', async () => {
    const locks = createLockManager(redis, { prefix });
    await expect(locks.acquire('staging', pr(1))).rejects.toThrow(/lockKey\(repo, env\)/);
    await expect(locks.acquire(lockKey(repo, 'x'), { ...pr(1), pr: 0 })).rejects.toThrow(/positive PR number/);
    expect(() => createLockManager(redis, { ttlMs: 0 })).toThrow(/TTL/);
  });
});
