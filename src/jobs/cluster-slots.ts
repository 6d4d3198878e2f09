/**
 * A counting semaphore per cluster on Redis: at most `limit` holders at once, each a leased slot (a
 * sorted-set member scored with its lease's end on Redis' clock), so a worker that died frees its slot
 * when the lease runs out. Taking, renewing and releasing are each one Lua script, so two workers can
 * never both take the last slot. Release is idempotent.
 */
import type { Redis } from 'ioredis';
import { runScript } from '../locks/run-script.ts';

/** Redis' own clock (ms), so workers with skewed clocks agree on when a lease ends. */
const now = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** The key lives as long as its longest lease. */
const keepKey = `
local function keepKey(key, now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, math.max(1, tonumber(last[2]) - now)) end
end
`;

/**
 * KEYS: slots. ARGV: token, limit, leaseMs.
 * → {'acquired', holders} | {'busy', holders, ms until the first lease ends}
 */
const acquireScript = `${keepKey}${now}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local lease = tonumber(ARGV[3])
local holders = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or holders < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  keepKey(KEYS[1], now)
  return {'acquired', redis.call('ZCARD', KEYS[1])}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {'busy', holders, tonumber(first[2]) - now}
`;

/** KEYS: slots. ARGV: token, leaseMs. → 1 renewed, 0 lost (ran out, or released). */
const renewScript = `${keepKey}${now}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
keepKey(KEYS[1], now)
return 1
`;

/** KEYS: slots. ARGV: token. → 1 released, 0 not held (already released, or ran out). */
const releaseScript = `
return redis.call('ZREM', KEYS[1], ARGV[1])
`;

/** KEYS: slots. → the tokens holding a live slot. */
const holdersScript = `${now}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
`;

export type SlotGrant = { status: 'acquired'; holders: number } | { status: 'busy'; holders: number; firstExpiryInMs: number };

export async function acquireClusterSlot(redis: Redis, key: string, token: string, limit: number, leaseMs: number): Promise<SlotGrant> {
  const reply = (await runScript(redis, acquireScript, [key], [token, limit, leaseMs])) as [string, number, number?];
  return reply[0] === 'acquired'
    ? { status: 'acquired', holders: Number(reply[1]) }
    : { status: 'busy', holders: Number(reply[1]), firstExpiryInMs: Number(reply[2] ?? 0) };
}

/** False when the slot was lost: it ran out (no renewal for a whole lease) or was released. */
export async function renewClusterSlot(redis: Redis, key: string, token: string, leaseMs: number): Promise<boolean> {
  return Number(await runScript(redis, renewScript, [key], [token, leaseMs])) === 1;
}

/** True when this call freed the slot; false when it was not held (released before, or ran out). */
export async function releaseClusterSlot(redis: Redis, key: string, token: string): Promise<boolean> {
  return Number(await runScript(redis, releaseScript, [key], [token])) === 1;
}

export async function clusterSlotHolders(redis: Redis, key: string): Promise<string[]> {
  return (await runScript(redis, holdersScript, [key], [])) as string[];
}

export interface HeldClusterSlot {
  /** Stops renewing and frees the slot (best effort: unreleased, it runs out after one lease). */
  release(): Promise<void>;
}

/**
 * Takes a slot and renews it every third of its lease until released; or reports the cluster full.
 * A slot lost while held (Redis out of reach for a whole lease) only means the cluster may briefly see
 * one apply more than its limit: `onLost` is told, the apply goes on.
 */
export async function holdClusterSlot(opts: { redis: Redis; key: string; token: string; limit: number; leaseMs: number; onLost?: () => void }): Promise<{ status: 'acquired'; slot: HeldClusterSlot } | Extract<SlotGrant, { status: 'busy' }>> {
  const grant = await acquireClusterSlot(opts.redis, opts.key, opts.token, opts.limit, opts.leaseMs);
  if (grant.status === 'busy') return grant;
  let lastRenewed = Date.now();
  let stopped = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    renewClusterSlot(opts.redis, opts.key, opts.token, opts.leaseMs)
      .then((held) => {
        if (held) lastRenewed = Date.now();
        else lost();
      })
      .catch(() => {
        if (Date.now() - lastRenewed >= opts.leaseMs) lost();
      })
      .finally(() => {
        busy = false;
      });
  }, Math.max(10, Math.floor(opts.leaseMs / 3)));
  timer.unref();
  const lost = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    opts.onLost?.();
  };
  return {
    status: 'acquired',
    slot: {
      async release() {
        stopped = true;
        clearInterval(timer);
        await releaseClusterSlot(opts.redis, opts.key, opts.token).catch(() => undefined);
      },
    },
  };
}
