import type { ClusterOptions, RedisOptions } from 'ioredis';
import { BosunError } from '../model/errors.ts';

/**
 * `REDIS_URL` forms bosun understands:
 * - `redis://[user:password@]host:port[/db]` and `rediss://…` (TLS): one Redis, handed to ioredis as is.
 * - `redis+sentinel://[user:password@]host1:26379,host2:26379[,…]/<master name>[/db]` and
 *   `rediss+sentinel://…`: Redis Sentinel. ioredis asks the sentinels for the current primary and
 *   follows failovers (on the sentinels' +switch-master at once); the password is the primary's
 *   (`?sentinelPassword=` when the sentinels need one).
 * - `redis+cluster://[user:password@]host1:6379,host2:6379[,…]` and `rediss+cluster://…` (TLS): Redis
 *   Cluster. The hosts are where ioredis starts; it learns the other nodes and the slot map from them.
 *   Every key bosun writes then carries a hash tag (see `keyPrefixFor` in connection.ts), so all of them
 *   live in one slot: BullMQ's scripts and bosun's own multi-key scripts need their keys together.
 */

export type ParsedRedisUrl =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; options: RedisOptions }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number }>; options: ClusterOptions };

const defaultSentinelPort = 26379;
const defaultRedisPort = 6379;

function fail(message: string): never {
  throw new BosunError({ kind: 'config', message, field: 'REDIS_URL' });
}

/** The addresses of `host1:26379,host2` (IPv6 in brackets), in the order given; `what` names them in errors. */
function parseHosts(hosts: string, what: 'sentinel' | 'cluster node', defaultPort: number): Array<{ host: string; port: number }> {
  return hosts.split(',').map((part) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(part.trim());
    if (!match) fail(`${what} address "${part}" is not host or host:port`);
    const port = match[2] === undefined ? defaultPort : Number(match[2]);
    if (!(port > 0 && port < 65536)) fail(`${what} address "${part}" has an invalid port`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

/** `user:password` of a URL's authority, decoded; empty parts are left out. */
function parseAuth(auth: string): { username?: string; password?: string } {
  if (!auth) return {};
  const colon = auth.indexOf(':');
  const username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth);
  const password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : '';
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** Several hosts are not a WHATWG URL, so take `scheme://[auth@]rest[?query]` apart by hand. */
function splitMultiHost(text: string, scheme: string): { auth: string; path: string; query: string } {
  const rest = text.slice(scheme.length + 3);
  const [beforeQuery, query = ''] = rest.split('?', 2);
  const slash = beforeQuery.indexOf('/');
  const at = beforeQuery.lastIndexOf('@', slash === -1 ? undefined : slash);
  return { auth: at >= 0 ? beforeQuery.slice(0, at) : '', path: beforeQuery.slice(at + 1), query };
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
    const { auth, path, query } = splitMultiHost(text, scheme);
    const [hosts, name, db, ...extra] = path.split('/');
    if (!hosts) fail('names no sentinel, e.g. redis+sentinel://sentinel-0:26379,sentinel-1:26379/mymaster');
    if (!name) fail('names no master: add /<master name> after the sentinels, e.g. redis+sentinel://sentinel-0:26379/mymaster');
    if (extra.length > 0 || (db !== undefined && db !== '' && !/^\d+$/.test(db))) fail('has a path after the master name that is not a database number');
    const options: RedisOptions = {
      sentinels: parseHosts(hosts, 'sentinel', defaultSentinelPort),
      name: decodeURIComponent(name),
      ...parseAuth(auth),
      // Leave the old primary as soon as the sentinels announce the new one (+switch-master). Without it a
      // client stays on the old primary until the sentinels demote it, which may take seconds: a manual
      // failover leaves it writable meanwhile, and what bosun writes there (finished jobs, new ones) is lost.
      failoverDetector: true,
    };
    if (db) options.db = Number(db);
    const params = new URLSearchParams(query);
    const sentinelPassword = params.get('sentinelPassword');
    if (sentinelPassword) options.sentinelPassword = sentinelPassword;
    if (scheme === 'rediss+sentinel') {
      options.tls = {};
      options.enableTLSForSentinelMode = true;
    }
    return { kind: 'sentinel', options };
  }
  if (scheme === 'redis+cluster' || scheme === 'rediss+cluster') {
    const { auth, path, query } = splitMultiHost(text, scheme);
    const [hosts, ...after] = path.split('/');
    if (!hosts) fail('names no cluster node, e.g. redis+cluster://redis-0:6379,redis-1:6379,redis-2:6379');
    if (after.some((part) => part !== '')) fail('has a path after the cluster nodes: Redis Cluster has only database 0, so a redis+cluster:// URL ends after its hosts');
    if (query) fail('takes no query parameters in a redis+cluster:// URL');
    const redisOptions: RedisOptions = parseAuth(auth);
    const options: ClusterOptions = { redisOptions };
    if (scheme === 'rediss+cluster') {
      redisOptions.tls = {};
      // ioredis resolves node names to addresses by default; with TLS the certificate names the host, so
      // connect by the name given (ioredis' advice for TLS clusters).
      options.dnsLookup = (address, callback) => callback(null, address);
    }
    return { kind: 'cluster', nodes: parseHosts(hosts, 'cluster node', defaultRedisPort), options };
  }
  fail('must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL, e.g. redis://127.0.0.1:6379');
}
