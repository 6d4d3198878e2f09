import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { idPart, repoKey } from './ids.ts';

/**
 * What bosun remembers per pull request beyond the job state, kept in Redis under the installation's
 * prefix: the head it last planned per environment (so an apply on merge can tell whether the merge
 * commit renders what reviewers saw), and what each merge apply did per environment (the "applied to
 * <env> at <sha>" lines of the PR's comment). Hashes keyed by environment, so two environments finishing
 * at once never overwrite each other's entry.
 */

export interface PlannedHead {
  /** The PR head SHA that was planned (and rendered) for the environment. */
  sha: string;
  at: number;
  checkRunUrl?: string;
}

export interface AppliedEntry {
  env: string;
  sha: string;
  ok: boolean;
  /** One line for people: `applied`, `failed: …`, `waiting for /bosun apply`, `not applied: staging failed`. */
  state: 'applied' | 'failed' | 'waiting' | 'not-applied' | 'pruned';
  note?: string;
  at: number;
  checkRunUrl?: string;
}

const ttlSeconds = 90 * 24 * 3600;

export function prRecordKeys(prefix: string) {
  const base = `${prefix}:state:pr`;
  const pr = (repo: string, n: number) => `${idPart(repoKey(repo))}:${n}`;
  return {
    planned: (repo: string, n: number) => `${base}:planned:${pr(repo, n)}`,
    applied: (repo: string, n: number) => `${base}:applied:${pr(repo, n)}`,
    /** Held while one worker rewrites the PR's comment, so the last writer renders every entry. */
    commentLock: (repo: string, n: number) => `${base}:comment-lock:${pr(repo, n)}`,
  };
}

export interface PrRecords {
  recordPlanned(repo: string, pr: number, env: string, head: PlannedHead): Promise<void>;
  planned(repo: string, pr: number, env: string): Promise<PlannedHead | undefined>;
  recordApplied(repo: string, pr: number, entry: AppliedEntry): Promise<void>;
  /** Every environment's entry, sorted by name. */
  applied(repo: string, pr: number): Promise<AppliedEntry[]>;
  /**
   * Runs `fn` while holding the PR's comment lock (waits up to `waitMs` for it; runs anyway after
   * that, since a stale comment is better than none). Read the entries inside `fn`.
   */
  withCommentLock<T>(repo: string, pr: number, fn: () => Promise<T>, waitMs?: number): Promise<T>;
}

function parse<T>(raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export function createPrRecords(redis: Redis, prefix: string): PrRecords {
  const keys = prRecordKeys(prefix);
  return {
    async recordPlanned(repo, pr, env, head) {
      const key = keys.planned(repo, pr);
      await redis.multi().hset(key, env, JSON.stringify(head)).expire(key, ttlSeconds).exec();
    },
    async planned(repo, pr, env) {
      return parse<PlannedHead>(await redis.hget(keys.planned(repo, pr), env));
    },
    async recordApplied(repo, pr, entry) {
      const key = keys.applied(repo, pr);
      await redis.multi().hset(key, entry.env, JSON.stringify(entry)).expire(key, ttlSeconds).exec();
    },
    async applied(repo, pr) {
      const all = await redis.hgetall(keys.applied(repo, pr));
      return Object.values(all).map((raw) => parse<AppliedEntry>(raw)).filter((e): e is AppliedEntry => e !== undefined).sort((a, b) => a.env.localeCompare(b.env));
    },
    async withCommentLock(repo, pr, fn, waitMs = 20_000) {
      const key = keys.commentLock(repo, pr);
      const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
      const until = Date.now() + waitMs;
      const take = async (): Promise<boolean> => (await redis.set(key, token, 'PX', 30_000, 'NX')) === 'OK';
      let held = await take();
      while (!held && Date.now() < until) {
        await sleep(100);
        held = await take();
      }
      try {
        return await fn();
      } finally {
        if (held) await redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, key, token).catch(() => undefined);
      }
    },
  };
}
