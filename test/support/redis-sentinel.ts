// A real Redis Sentinel setup for failover tests: a primary, a replica of it and one sentinel watching
// them (quorum 1), each a redis-server on a free loopback port with a configuration file of its own (the
// sentinel rewrites its file, and reconfigures the servers, on a failover). Ready once the replica is in
// sync and the sentinel knows it. Teardown stops the processes and removes their folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, pollUntil, startRedisServer, type RedisServer } from './redis-servers.ts';

export interface SentinelSetup {
  /** `redis+sentinel://127.0.0.1:<sentinel port>/<master name>`, as an operator would write REDIS_URL. */
  url: string;
  masterName: string;
  /** The server that was primary at the start, and the one that was its replica. */
  primary: RedisServer;
  replica: RedisServer;
  sentinel: RedisServer;
  /** A plain client on a data server or the sentinel, by port. */
  client(port: number): Redis;
  /** The primary's port as the sentinel reports it now. */
  masterPort(): Promise<number>;
  /**
   * Waits until the primary's writes so far are on the replica (`WAIT 1`): Redis replicates
   * asynchronously, and a failover may lose what the replica had not received yet.
   */
  replicated(): Promise<void>;
  /**
   * `SENTINEL FAILOVER`; resolves once the sentinel has announced the switch (+switch-master) and the
   * former replica is the primary. The old primary is still a writable primary then, until the sentinel
   * turns it into a replica (`demoted`), which takes seconds: whatever a client writes there meanwhile is
   * lost.
   */
  failover(): Promise<void>;
  /** Resolves once the sentinel has made the old primary a replica of the new one (its data replaced). */
  demoted(): Promise<void>;
  /** SIGKILLs the primary; resolves once the sentinel has noticed and promoted the replica. */
  killPrimary(): Promise<void>;
  stop(): Promise<void>;
}

const masterName = 'bosun-main';

function serverConfig(dir: string, port: number, extra: string[] = []): string {
  return [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `dbfilename dump-${port}.rdb`, 'save ""', 'appendonly no', 'maxmemory-policy noeviction', ...extra, ''].join('\n');
}

export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-redis-sentinel-'));
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const stop = async (): Promise<void> => {
    for (const c of clients.splice(0)) c.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  const start = async (name: string, config: string, port: number, args: string[] = []): Promise<RedisServer> => {
    const file = join(dir, `${name}.conf`);
    await writeFile(file, config);
    const server = await startRedisServer([file, ...args], port);
    servers.push(server);
    return server;
  };
  const client = (port: number): Redis => {
    const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  try {
    const [primaryPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
    const primary = await start('primary', serverConfig(dir, primaryPort), primaryPort);
    const replica = await start('replica', serverConfig(dir, replicaPort, [`replicaof 127.0.0.1 ${primaryPort}`]), replicaPort);
    const sentinel = await start('sentinel', [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      `sentinel failover-timeout ${masterName} 10000`,
      '',
    ].join('\n'), sentinelPort, ['--sentinel']);
    const onSentinel = client(sentinelPort);
    const onReplica = client(replicaPort);
    const onPrimary = client(primaryPort);
    await pollUntil('the replica in sync with the primary', async () => /master_link_status:up/.test(await onReplica.info('replication')));
    await pollUntil('the sentinel to know the replica', async () => {
      const replicas = (await onSentinel.call('SENTINEL', 'REPLICAS', masterName)) as string[][];
      return replicas.some((fields) => {
        const info = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
        return info.port === String(replicaPort) && info.flags === 'slave' && info['master-link-status'] === 'ok';
      });
    });
    const masterPort = async (): Promise<number> => Number(((await onSentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as string[])[1]);
    const promoted = async (): Promise<void> => {
      await pollUntil('the sentinel to name the replica as primary', async () => (await masterPort()) === replicaPort);
      await pollUntil('the replica to be primary', async () => /role:master/.test(await onReplica.info('replication')));
    };
    return {
      url: `redis+sentinel://127.0.0.1:${sentinelPort}/${masterName}`,
      masterName,
      primary,
      replica,
      sentinel,
      client,
      masterPort,
      replicated: async () => {
        const acked = Number(await onPrimary.call('WAIT', '1', '5000'));
        if (acked < 1) throw new Error('the replica did not acknowledge the primary\'s writes within 5 s');
      },
      failover: async () => {
        // The sentinel names the new primary to new clients a moment before it announces the switch
        // (+switch-master, the end of the failover) to connected ones: wait for the announcement.
        const listener = client(sentinelPort);
        let switched = false;
        listener.on('message', (channel: string) => {
          if (channel === '+switch-master') switched = true;
        });
        await listener.subscribe('+switch-master');
        await onSentinel.call('SENTINEL', 'FAILOVER', masterName);
        await pollUntil('the sentinel to announce +switch-master', async () => switched);
        listener.disconnect();
        await promoted();
      },
      demoted: async () => {
        await pollUntil('the old primary to become a replica', async () => /role:slave/.test(await onPrimary.info('replication')));
      },
      killPrimary: async () => {
        primary.child.kill('SIGKILL');
        await primary.exited;
        await promoted();
      },
      stop,
    };
  } catch (err) {
    const logs = servers.map((s) => `--- redis-server :${s.port}\n${s.output().slice(-1_000)}`).join('\n');
    await stop();
    throw new Error(`could not start Redis with a sentinel: ${err instanceof Error ? err.message : String(err)}\n${logs}`, { cause: err });
  }
}
