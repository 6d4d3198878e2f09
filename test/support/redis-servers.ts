// Throwaway redis-server processes for tests that need more than the shared test Redis: a Redis
// Cluster (redis-cluster.ts), a primary with a replica and a sentinel (redis-sentinel.ts). Each server
// runs in the foreground as a child of the test, on a free loopback port, with no persistence, in a
// folder of its own that teardown removes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pingRedis } from '../../testkit/redis.ts';

export interface RedisServer {
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string | null>;
  /** The last lines the server wrote, for failure messages. */
  output(): string;
  /** Ends the server (SIGTERM, then SIGKILL after `graceMs`) and waits for it. */
  stop(graceMs?: number): Promise<void>;
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts `redis-server <args>` (a config file, or `--port …` options) and resolves once it answers PING on `port`. */
export async function startRedisServer(args: string[], port: number, opts: { timeoutMs?: number } = {}): Promise<RedisServer> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let ended = false;
  void exited.then(() => (ended = true));
  const server: RedisServer = {
    port,
    child,
    exited,
    output: () => output,
    stop: async (graceMs = 5_000) => {
      if (ended) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const until = Date.now() + (opts.timeoutMs ?? 15_000);
  while ((await pingRedis('127.0.0.1', port, 500)) !== '+PONG') {
    if (ended || Date.now() > until) {
      await server.stop(0);
      throw new Error(`redis-server ${args.join(' ')} did not answer on 127.0.0.1:${port}${ended ? ' (it exited)' : ''}: ${output.slice(-2_000)}`);
    }
    await sleep(50);
  }
  return server;
}

/** Polls `check` until it returns a value other than undefined/false, or fails naming `what` after `timeoutMs`. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(50);
  }
}
