// A redis-server of a suite's own on a free port, for chaos that stops or restarts Redis (the machine's
// shared Redis on 6379 is never touched). Its data survives a restart (SHUTDOWN SAVE into its folder, loaded
// again on start), as a Redis with persistence would; `kill` loses what was not saved, as a crash does.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { waitFor } from '../harness.ts';
import { pingRedis } from '../redis.ts';
import { freePort } from '../testenv/ports.ts';

export class OwnRedis {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  readonly port: number;
  private readonly dir: string;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts one on a free port keeping its data in `dir`. */
  static async start(dir: string): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), dir);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(`redis-server on port ${this.port}`, async () => (await pingRedis('127.0.0.1', this.port)) === '+PONG', 30_000);
  }

  /** Stops it (its data saved for the next start) and waits until the process is gone. */
  async stop(): Promise<void> {
    const admin = new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      await admin.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    } finally {
      admin.disconnect();
    }
    await this.exited;
    this.child = undefined;
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }
}
