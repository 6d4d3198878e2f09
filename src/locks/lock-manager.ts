import type { Redis } from 'ioredis';
import { BosunError } from '../model/errors.ts';
import { parseLockKey } from './lock-key.ts';
import { runScript } from './run-script.ts';
import { acquireScript, forceUnlockScript, heartbeatScript, releaseAllScript, releaseScript } from './scripts.ts';
import type { AcquireResult, HeldLock, LockHolder, LockState } from './types.ts';

export interface LockManagerOptions {
  /** Lease length; a holder that stops heart-beating loses the lock this long after its last beat. Default 10 min. */
  ttlMs?: number;
  /** Redis key prefix. Default `bosun:locks:`. */
  prefix?: string;
}

export interface LockManager {
  readonly ttlMs: number;
  /** Takes the lock for a PR, or re-enters (and renews) it when that PR already holds it. */
  acquire(key: string, holder: LockHolder, opts?: { ttlMs?: number }): Promise<AcquireResult>;
  /** Releases the lock if `pr` holds it; true when it did. */
  release(key: string, pr: number): Promise<boolean>;
  /** Releases every lock `pr` holds in `repo` (on merge or close); returns the released keys. */
  releaseAllFor(repo: string, pr: number): Promise<string[]>;
  /**
   * Extends every lock `pr` still holds in `repo` by a full lease (or `ttlMs`); returns the renewed
   * keys. Owner-checked like a heartbeat: a lock released or taken meanwhile is not re-taken.
   */
  renewAllFor(repo: string, pr: number, opts?: { ttlMs?: number }): Promise<string[]>;
  /** Removes the lock whoever holds it (`/bosun unlock`); returns who held it. */
  forceUnlock(key: string): Promise<LockState | undefined>;
  get(key: string): Promise<LockState | undefined>;
  /** Every live lock in a repository, by environment name. */
  list(repo: string): Promise<LockState[]>;
}

/** What is stored in the lock key. */
interface StoredHolder extends LockHolder {
  owner: string;
  acquiredAt: number;
}

const defaultTtlMs = 10 * 60 * 1000;

/**
 * Lease-based environment locks on Redis, one per `<repo>:<env>`, held by a pull request. Every
 * check-and-change is one Lua script, so two workers racing for a lock cannot both win and a holder
 * that lost its lease cannot extend or release somebody else's.
 */
export function createLockManager(redis: Redis, opts: LockManagerOptions = {}): LockManager {
  const ttlMs = opts.ttlMs ?? defaultTtlMs;
  checkTtl(ttlMs);
  const prefix = opts.prefix ?? 'bosun:locks:';
  const lockPrefix = `${prefix}lock:`;
  const lockKeyOf = (key: string): string => `${lockPrefix}${key}`;
  const repoSetOf = (repo: string): string => `${prefix}repo:${repo}`;
  const prSetPrefixOf = (repo: string): string => `${prefix}pr:${repo}:`;
  const ownerOf = (pr: number): string => `pr#${pr}`;
  const prSetOf = (repo: string, pr: number): string => `${prSetPrefixOf(repo)}${ownerOf(pr)}`;

  const toState = (key: string, value: string, pttl: number): LockState => {
    const { repo, env } = parseLockKey(key);
    const stored = JSON.parse(value) as StoredHolder;
    return {
      key,
      repo,
      env,
      holder: { pr: stored.pr, url: stored.url, by: stored.by },
      acquiredAt: stored.acquiredAt,
      expiresAt: Date.now() + Math.max(0, pttl),
    };
  };

  const held = (state: LockState, leaseMs: number): HeldLock => {
    const lock: HeldLock = {
      ...state,
      ttlMs: leaseMs,
      async heartbeat() {
        const { repo } = state;
        const pttl = Number(
          await runScript(redis, heartbeatScript, [lockKeyOf(state.key), prSetOf(repo, state.holder.pr), repoSetOf(repo)], [ownerOf(state.holder.pr), leaseMs]),
        );
        if (pttl <= 0) return false;
        lock.expiresAt = Date.now() + pttl;
        return true;
      },
      release: () => manager.release(state.key, state.holder.pr),
    };
    return lock;
  };

  const manager: LockManager = {
    ttlMs,

    async acquire(rawKey, holder, acquireOpts = {}) {
      const { key, repo } = parseLockKey(rawKey);
      checkHolder(holder);
      const leaseMs = acquireOpts.ttlMs ?? ttlMs;
      checkTtl(leaseMs);
      const value: StoredHolder = { owner: ownerOf(holder.pr), pr: holder.pr, url: holder.url, by: holder.by, acquiredAt: Date.now() };
      const [won, current, pttl] = (await runScript(
        redis,
        acquireScript,
        [lockKeyOf(key), prSetOf(repo, holder.pr), repoSetOf(repo)],
        [JSON.stringify(value), leaseMs, value.owner, key],
      )) as [number, string, number];
      const state = toState(key, current, pttl);
      if (Number(won) === 1) return { ok: true, lock: held(state, leaseMs) };
      return { ok: false, holder: state.holder, acquiredAt: state.acquiredAt, expiresAt: state.expiresAt };
    },

    async release(rawKey, pr) {
      const { key, repo } = parseLockKey(rawKey);
      const released = await runScript(redis, releaseScript, [lockKeyOf(key), prSetOf(repo, pr), repoSetOf(repo)], [ownerOf(pr), key]);
      return Number(released) === 1;
    },

    async releaseAllFor(rawRepo, pr) {
      const { repo } = parseLockKey(`${rawRepo}:x`);
      const released = (await runScript(redis, releaseAllScript, [prSetOf(repo, pr), repoSetOf(repo)], [ownerOf(pr), lockPrefix])) as string[];
      return [...released].sort();
    },

    async renewAllFor(rawRepo, pr, renewOpts = {}) {
      const { repo } = parseLockKey(`${rawRepo}:x`);
      const leaseMs = renewOpts.ttlMs ?? ttlMs;
      checkTtl(leaseMs);
      const renewed: string[] = [];
      for (const member of (await redis.smembers(prSetOf(repo, pr))).sort()) {
        const pttl = Number(await runScript(redis, heartbeatScript, [lockKeyOf(member), prSetOf(repo, pr), repoSetOf(repo)], [ownerOf(pr), leaseMs]));
        if (pttl > 0) renewed.push(member);
      }
      return renewed;
    },

    async forceUnlock(rawKey) {
      const { key, repo } = parseLockKey(rawKey);
      const before = await redis.pttl(lockKeyOf(key));
      const value = (await runScript(redis, forceUnlockScript, [lockKeyOf(key), repoSetOf(repo)], [key, prSetPrefixOf(repo)])) as string | null;
      return value === null ? undefined : toState(key, value, before);
    },

    async get(rawKey) {
      const { key } = parseLockKey(rawKey);
      const results = await redis.multi().get(lockKeyOf(key)).pttl(lockKeyOf(key)).exec();
      const value = results?.[0]?.[1] as string | null | undefined;
      const pttl = Number(results?.[1]?.[1] ?? -2);
      return value ? toState(key, value, pttl) : undefined;
    },

    async list(rawRepo) {
      const { repo } = parseLockKey(`${rawRepo}:x`);
      const members = (await redis.smembers(repoSetOf(repo))).sort();
      if (members.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const member of members) pipeline.get(lockKeyOf(member)).pttl(lockKeyOf(member));
      const results = (await pipeline.exec()) ?? [];
      const locks: LockState[] = [];
      const stale: string[] = [];
      members.forEach((member, i) => {
        const value = results[i * 2]?.[1] as string | null | undefined;
        if (value) locks.push(toState(member, value, Number(results[i * 2 + 1]?.[1] ?? 0)));
        else stale.push(member);
      });
      // Entries whose lease ran out; a lock re-taken meanwhile re-adds its member in the same script.
      if (stale.length > 0) await pruneStale(redis, repoSetOf(repo), stale, lockKeyOf);
      return locks;
    },
  };
  return manager;
}

async function pruneStale(redis: Redis, set: string, members: string[], lockKeyOf: (key: string) => string): Promise<void> {
  // Re-check inside Redis so a lock taken between our read and this write keeps its index entry.
  const script = `
for i, member in ipairs(ARGV) do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then redis.call('SREM', KEYS[1], member) end
end
return 0`;
  await runScript(redis, script, [set, ...members.map(lockKeyOf)], members);
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 10) {
    throw new BosunError({ kind: 'usage', message: `lock TTL must be a whole number of milliseconds of at least 10, got ${ttlMs}`, field: 'ttlMs' });
  }
}

function checkHolder(holder: LockHolder): void {
  if (!Number.isInteger(holder.pr) || holder.pr < 1) {
    throw new BosunError({ kind: 'usage', message: `a lock holder needs a positive PR number, got ${holder.pr}`, field: 'holder.pr' });
  }
}
