// A real three-master Redis Cluster on loopback ports, for the tests: three `redis-server
// --cluster-enabled yes` processes joined by `redis-cli --cluster create`, ready once every node says
// cluster_state:ok. Teardown stops the processes and removes their folder (node configuration files).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, pollUntil, startRedisServer, type RedisServer } from './redis-servers.ts';

const run = promisify(execFile);

export interface RedisClusterHandle {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`, as an operator would write REDIS_URL. */
  url: string;
  ports: number[];
  /** A plain client on one node (for CLUSTER and per-node commands). */
  node(port: number): Redis;
  /** Every key on every node, with the port of the node that holds it. */
  keys(): Promise<Array<{ key: string; port: number }>>;
  stop(): Promise<void>;
}

export async function startRedisCluster(opts: { masters?: number } = {}): Promise<RedisClusterHandle> {
  const count = opts.masters ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'bosun-redis-cluster-'));
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const stop = async (): Promise<void> => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      servers.push(await startRedisServer([
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '5000',
        '--dir', dir,
        '--save', '',
        '--appendonly', 'no',
        '--maxmemory-policy', 'noeviction',
      ], port));
    }
    const ports = servers.map((s) => s.port);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { timeout: 60_000 });
    const node = (port: number): Redis => {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    };
    const probes = ports.map(node);
    // `--cluster create` returns once the slots are assigned; each node says ok once it agrees with the others.
    await pollUntil('cluster_state:ok on every node', async () => {
      const infos = await Promise.all(probes.map((p) => p.cluster('INFO') as Promise<string>));
      return infos.every((info) => /cluster_state:ok/.test(info) && /cluster_known_nodes:(\d+)/.exec(info)?.[1] === String(count));
    });
    return {
      url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
      ports,
      node,
      keys: async () => {
        const found = await Promise.all(probes.map(async (p, i) => (await p.keys('*')).map((key) => ({ key, port: ports[i]! }))));
        return found.flat();
      },
      stop,
    };
  } catch (err) {
    const logs = servers.map((s) => `--- redis-server :${s.port}\n${s.output().slice(-1_000)}`).join('\n');
    await stop();
    throw new Error(`could not start a Redis Cluster: ${err instanceof Error ? err.message : String(err)}\n${logs}`, { cause: err });
  }
}
