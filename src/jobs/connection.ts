import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url.ts';

/** A Redis URL (`REDIS_URL`: `redis://`, `rediss://` or `redis+sentinel://`, see redis-url.ts) or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** A URL ioredis takes as is, or the options a Sentinel URL stands for. */
function resolve(connection: RedisConnection): string | RedisOptions {
  if (typeof connection !== 'string') return connection;
  const parsed = parseRedisUrl(connection);
  return parsed.kind === 'single' ? parsed.url : parsed.options;
}

/**
 * A new ioredis client. `blocking: true` is for workers and subscribers: BullMQ's blocking commands and
 * a subscriber must wait through reconnects instead of failing after a few retries
 * (`maxRetriesPerRequest: null`).
 */
export function createRedis(connection: RedisConnection, opts: { blocking?: boolean; name?: string } = {}): Redis {
  const extra: RedisOptions = {};
  if (opts.blocking) extra.maxRetriesPerRequest = null;
  if (opts.name) extra.connectionName = opts.name;
  const resolved = resolve(connection);
  return typeof resolved === 'string' ? new Redis(resolved, extra) : new Redis({ ...resolved, ...extra });
}

/** Closes a client politely, and for good when Redis does not answer within `timeoutMs`. */
export async function closeRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.quit().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/** The same connection as BullMQ connection options; BullMQ then owns (and closes) its clients. */
export function bullConnection(connection: RedisConnection): ConnectionOptions {
  // ioredis' option types are wider than BullMQ's copy of them; BullMQ hands them to ioredis unchanged.
  const resolved = resolve(connection);
  return (typeof resolved === 'string' ? { url: resolved } : { ...resolved }) as ConnectionOptions;
}
