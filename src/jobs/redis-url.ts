import type { RedisOptions } from 'ioredis';
import { BosunError } from '../model/errors.ts';

/**
 * `REDIS_URL` forms bosun understands:
 * - `redis://[user:password@]host:port[/db]` and `rediss://…` (TLS): one Redis, handed to ioredis as is.
 * - `redis+sentinel://[user:password@]host1:26379,host2:26379[,…]/<master name>[/db]` and
 *   `rediss+sentinel://…`: Redis Sentinel. ioredis asks the sentinels for the current primary and
 *   follows failovers; the password is the primary's (`?sentinelPassword=` when the sentinels need one).
 * Redis Cluster is refused with a reason: see `clusterRefusal`.
 */

export type ParsedRedisUrl = { kind: 'single'; url: string } | { kind: 'sentinel'; options: RedisOptions };

export const clusterRefusal =
  'Redis Cluster is not supported: bosun runs multi-key Lua scripts and BullMQ queues that must live on one shard. Use one Redis primary (with replicas), or Redis Sentinel: redis+sentinel://host1:26379,host2:26379/<master name>';

const defaultSentinelPort = 26379;

function fail(message: string): never {
  throw new BosunError({ kind: 'config', message, field: 'REDIS_URL' });
}

/** The sentinels of `host1:26379,host2` (IPv6 in brackets), in the order given. */
function parseSentinels(hosts: string): Array<{ host: string; port: number }> {
  return hosts.split(',').map((part) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(part.trim());
    if (!match) fail(`sentinel address "${part}" is not host or host:port`);
    const port = match[2] === undefined ? defaultSentinelPort : Number(match[2]);
    if (!(port > 0 && port < 65536)) fail(`sentinel address "${part}" has an invalid port`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

export function parseRedisUrl(text: string): ParsedRedisUrl {
  const scheme = /^([a-z+]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      fail('is not a valid URL, e.g. redis://127.0.0.1:6379');
    }
    if (url.hostname === '') fail('names no host, e.g. redis://127.0.0.1:6379');
    return { kind: 'single', url: text };
  }
  if (scheme === 'redis+sentinel' || scheme === 'rediss+sentinel') {
    // Not a WHATWG URL (several hosts), so take it apart by hand: scheme://[auth@]hosts/name[/db][?query]
    const rest = text.slice(scheme.length + 3);
    const [beforeQuery, query = ''] = rest.split('?', 2);
    const at = beforeQuery.lastIndexOf('@', beforeQuery.indexOf('/') === -1 ? undefined : beforeQuery.indexOf('/'));
    const auth = at >= 0 ? beforeQuery.slice(0, at) : '';
    const [hosts, name, db, ...extra] = beforeQuery.slice(at + 1).split('/');
    if (!hosts) fail('names no sentinel, e.g. redis+sentinel://sentinel-0:26379,sentinel-1:26379/mymaster');
    if (!name) fail('names no master: add /<master name> after the sentinels, e.g. redis+sentinel://sentinel-0:26379/mymaster');
    if (extra.length > 0 || (db !== undefined && db !== '' && !/^\d+$/.test(db))) fail('has a path after the master name that is not a database number');
    const options: RedisOptions = { sentinels: parseSentinels(hosts), name: decodeURIComponent(name) };
    if (db) options.db = Number(db);
    if (auth) {
      const colon = auth.indexOf(':');
      const user = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth);
      const password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : '';
      if (user) options.username = user;
      if (password) options.password = password;
    }
    const params = new URLSearchParams(query);
    const sentinelPassword = params.get('sentinelPassword');
    if (sentinelPassword) options.sentinelPassword = sentinelPassword;
    if (scheme === 'rediss+sentinel') {
      options.tls = {};
      options.enableTLSForSentinelMode = true;
    }
    return { kind: 'sentinel', options };
  }
  if (scheme === 'redis+cluster' || scheme === 'rediss+cluster') fail(clusterRefusal);
  fail('must be a redis://, rediss:// or redis+sentinel:// URL, e.g. redis://127.0.0.1:6379');
}
