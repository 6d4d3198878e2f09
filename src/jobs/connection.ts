import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type ParsedRedisUrl } from './redis-url.ts';

/**
 * A Redis URL (`REDIS_URL`: `redis://`, `rediss://`, `redis+sentinel://` or `redis+cluster://`, see
 * redis-url.ts) or ioredis options for one Redis.
 */
export type RedisConnection = string | RedisOptions;

/** What a connection stands for: one Redis (a URL or options), Sentinel options, or a Redis Cluster. */
function resolve(connection: RedisConnection): ParsedRedisUrl | { kind: 'options'; options: RedisOptions } {
  return typeof connection === 'string' ? parseRedisUrl(connection) : { kind: 'options', options: connection };
}

/** True when the connection is a Redis Cluster (`redis+cluster://`, `rediss+cluster://`). */
export function isClusterConnection(connection: RedisConnection): boolean {
  return resolve(connection).kind === 'cluster';
}

/** The part of a key Redis Cluster hashes: the text between the first `{` and the next `}`, when not empty. */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * The key prefix of queues, job state, locks and records (`prefix`, default `bosun`) on this connection.
 * One Redis or Sentinel: the prefix as given, so existing deployments keep their keys. Redis Cluster: the
 * prefix inside a hash tag (`{bosun}`) unless it already has one, so every key bosun and BullMQ write hashes
 * to one slot: BullMQ's scripts and bosun's (locks, leases, newest-request records) touch several keys at
 * once, which Redis Cluster allows only within a slot. Idempotent, so layers may each apply it.
 */
export function keyPrefixFor(connection: RedisConnection, prefix = 'bosun'): string {
  if (!isClusterConnection(connection) || hashTagOf(prefix) !== undefined) return prefix;
  return `{${prefix}}`;
}

/**
 * A new ioredis client. `blocking: true` is for workers and subscribers: BullMQ's blocking commands and
 * a subscriber must wait through reconnects instead of failing after a few retries
 * (`maxRetriesPerRequest: null`).
 *
 * For Redis Cluster this is an ioredis `Cluster`, returned as `Redis`: the one cast that lets the rest of
 * bosun stay unaware of the topology. It holds because bosun uses only commands a Cluster client runs the
 * same way (single-slot keys under `keyPrefixFor`, MULTI, pipelines, EVAL/EVALSHA with their keys, pub/sub,
 * PING, QUIT); nothing in bosun calls SCAN, KEYS, SELECT or `duplicate()` on these clients.
 */
export function createRedis(connection: RedisConnection, opts: { blocking?: boolean; name?: string } = {}): Redis {
  const extra: RedisOptions = {};
  if (opts.blocking) extra.maxRetriesPerRequest = null;
  if (opts.name) extra.connectionName = opts.name;
  const resolved = resolve(connection);
  switch (resolved.kind) {
    case 'single':
      return new Redis(resolved.url, extra);
    case 'cluster':
      return createCluster(resolved, extra) as unknown as Redis;
    default:
      return new Redis({ ...resolved.options, ...extra });
  }
}

function createCluster(resolved: { nodes: Array<{ host: string; port: number }>; options: ClusterOptions }, redisExtra: RedisOptions, clusterExtra: ClusterOptions = {}): Cluster {
  return new Cluster(resolved.nodes, { ...resolved.options, ...clusterExtra, redisOptions: { ...resolved.options.redisOptions, ...redisExtra } });
}

/** Closes a client politely, and for good when Redis does not answer within `timeoutMs`. */
export async function closeRedis(redis: Redis | Cluster, timeoutMs = 2_000): Promise<void> {
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

/**
 * The same connection as BullMQ connection options. One Redis or Sentinel: options, from which BullMQ
 * makes (and closes) its own clients. Redis Cluster: BullMQ builds no Cluster from options, so this is a
 * `Cluster` that connects when first used; a Queue uses it as is and a Worker copies it (`blocking: true`
 * for Workers: their copies must wait through failovers). Give it to `releaseBullConnection` after the
 * queues or workers using it have closed.
 */
export function bullConnection(connection: RedisConnection, opts: { blocking?: boolean } = {}): ConnectionOptions {
  const resolved = resolve(connection);
  switch (resolved.kind) {
    case 'single':
      return { url: resolved.url };
    case 'cluster':
      return createCluster(resolved, opts.blocking ? { maxRetriesPerRequest: null } : {}, { lazyConnect: true });
    default:
      // ioredis' option types are wider than BullMQ's copy of them; BullMQ hands them to ioredis unchanged.
      return { ...resolved.options } as ConnectionOptions;
  }
}

/** Closes what `bullConnection` made itself (a Cluster client); options need nothing. */
export async function releaseBullConnection(connection: ConnectionOptions): Promise<void> {
  if (connection instanceof Cluster) await closeRedis(connection);
}
