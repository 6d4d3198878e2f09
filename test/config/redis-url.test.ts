// REDIS_URL forms: one Redis (redis://, rediss://), Redis Sentinel (redis+sentinel://) and Redis Cluster
// (redis+cluster://, run for real in test/queue/redis-cluster.test.ts). The Sentinel case runs against a real sentinel (redis-server --sentinel)
// watching the test Redis, so the parsed options are the ones ioredis really needs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server.ts';
import { closeRedis, createProducers, createRedis } from '../../src/jobs.ts';
import { keyPrefixFor } from '../../src/jobs/connection.ts';
import { parseRedisUrl } from '../../src/jobs/redis-url.ts';
import { BosunError } from '../../src/model/errors.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../queue/support.ts';

describe('REDIS_URL', () => {
  it('passes redis:// and rediss:// URLs to ioredis unchanged', () => {
    expect(parseRedisUrl('redis://:pw@cache:6379/2')).toEqual({ kind: 'single', url: 'redis://:pw@cache:6379/2' });
    expect(parseRedisUrl('rediss://cache.internal:6380')).toEqual({ kind: 'single', url: 'rediss://cache.internal:6380' });
  });

  it('turns a Sentinel URL into sentinels, master name, database and credentials', () => {
    const parsed = parseRedisUrl('rediss+sentinel://bosun:p%40ss@s0:26380,s1,[::1]:26381/main-redis/3?sentinelPassword=sp');
    expect(parsed).toEqual({
      kind: 'sentinel',
      options: {
        sentinels: [{ host: 's0', port: 26380 }, { host: 's1', port: 26379 }, { host: '::1', port: 26381 }],
        name: 'main-redis',
        db: 3,
        username: 'bosun',
        password: 'p@ss',
        sentinelPassword: 'sp',
        tls: {},
        enableTLSForSentinelMode: true,
        failoverDetector: true,
      },
    });
  });

  it('turns a Cluster URL into its startup nodes and credentials, TLS connecting by the names given', () => {
    expect(parseRedisUrl('redis+cluster://bosun:p%40ss@n0:7000,n1,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'n0', port: 7000 }, { host: 'n1', port: 6379 }, { host: '::1', port: 7002 }],
      options: { redisOptions: { username: 'bosun', password: 'p@ss' } },
    });
    const tls = parseRedisUrl('rediss+cluster://:secret@redis-0.redis:6379/');
    if (tls.kind !== 'cluster') throw new Error(`parsed as ${tls.kind}`);
    expect(tls.nodes).toEqual([{ host: 'redis-0.redis', port: 6379 }]);
    expect(tls.options.redisOptions).toEqual({ password: 'secret', tls: {} });
    let looked: unknown;
    tls.options.dnsLookup!('redis-0.redis', (_err, address) => (looked = address));
    expect(looked).toBe('redis-0.redis');
  });

  it('puts the key prefix in a hash tag on Redis Cluster only, and keeps a tag already there', () => {
    expect(keyPrefixFor('redis://127.0.0.1:6379')).toBe('bosun');
    expect(keyPrefixFor('redis+sentinel://s0:26379/main', 'acme')).toBe('acme');
    expect(keyPrefixFor({ host: '127.0.0.1' })).toBe('bosun');
    expect(keyPrefixFor('redis+cluster://n0:7000')).toBe('{bosun}');
    expect(keyPrefixFor('rediss+cluster://n0:7000', 'acme')).toBe('{acme}');
    expect(keyPrefixFor('redis+cluster://n0:7000', '{acme}')).toBe('{acme}');
    expect(keyPrefixFor('redis+cluster://n0:7000', 'bosun-{eu}')).toBe('bosun-{eu}');
    // `{}` hashes the whole key, so it is no tag: wrapped like a prefix without one.
    expect(keyPrefixFor('redis+cluster://n0:7000', 'a{}')).toBe('{a{}}');
    expect(keyPrefixFor('redis+cluster://n0:7000', keyPrefixFor('redis+cluster://n0:7000'))).toBe('{bosun}');
  });

  it('names what is wrong with a bad URL', () => {
    const problem = (text: string): string => {
      try {
        parseRedisUrl(text);
      } catch (err) {
        expect(err).toBeInstanceOf(BosunError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${text}`);
    };
    expect(problem('redis+sentinel://s0:26379')).toContain('names no master');
    expect(problem('redis+sentinel://s0:99999/m')).toContain('invalid port');
    expect(problem('redis+cluster://n0:7000/2')).toContain('only database 0');
    expect(problem('redis+cluster://n0:7000?scaleReads=slave')).toContain('takes no query parameters');
    expect(problem('redis+cluster://')).toContain('names no cluster node');
    expect(problem('redis+cluster://n0:0')).toContain('cluster node address "n0:0" has an invalid port');
    expect(problem('http://cache:6379')).toContain('must be a redis://');
  });

  it('is checked when the server configuration loads, without echoing the password', () => {
    const env = { APP_ID: '1', PRIVATE_KEY_PATH: '/nonexistent.pem', WEBHOOK_SECRET: 'a-long-webhook-secret', REDIS_URL: 'redis+cluster://:hunter2-redis@n0:7000/1' };
    let message = '';
    try {
      loadServerConfig(env, { cwd: tmpdir() });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('Redis Cluster has only database 0');
    expect(message).not.toContain('hunter2');
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('Redis Sentinel, for real', () => {
  let sentinel: ChildProcess;
  let dir: string;
  let url: string;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-sentinel-'));
    const port = await freePort();
    const testRedisUrl = new URL(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    await writeFile(join(dir, 'sentinel.conf'), [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor bosun-main ${testRedisUrl.hostname} ${testRedisUrl.port || 6379} 1`,
      '',
    ].join('\n'));
    sentinel = spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' });
    url = `redis+sentinel://127.0.0.1:${port}/bosun-main`;
    // The sentinel answers once it listens; it knows the master from its configuration at once.
    for (let i = 0; i < 100; i++) {
      const probe = createRedis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      const ok = await probe.connect().then(() => probe.call('SENTINEL', 'get-master-addr-by-name', 'bosun-main')).then((r) => Array.isArray(r), () => false);
      probe.disconnect();
      if (ok) return;
      await sleep(100);
    }
    throw new Error('the sentinel did not start (is redis-server installed?)');
  });

  afterAll(async () => {
    sentinel?.kill('SIGTERM');
    const redis = testRedis();
    await dropPrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the primary through the sentinel for bosun clients and BullMQ queues', async () => {
    const redis = createRedis(url);
    expect(await redis.ping()).toBe('PONG');
    await closeRedis(redis);
    const producers = createProducers(url, { prefix });
    try {
      const result = await producers.enqueuePush({
        deliveryId: 'sentinel-delivery', installationId: 1, after: 'a'.repeat(40),
        repo: { owner: 'acme', name: 'gitops', fullName: 'acme/gitops', cloneUrl: 'https://github.com/acme/gitops.git', defaultBranch: 'main' },
      });
      expect(result.status).toBe('queued');
      const direct = testRedis();
      expect(await direct.exists(`${prefix}:bosun-push:push+sentinel-delivery`)).toBe(1);
      direct.disconnect();
    } finally {
      await producers.close();
    }
  });
});
