import { existsSync, mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { BosunError } from '../src/model/errors.ts';
import { ensurePackages } from './testenv/apt.ts';
import { capture, type Log } from './testenv/exec.ts';
import { cacheRoot } from './testenv/paths.ts';

/**
 * Sends a RESP `PING` and returns the first reply line (`+PONG` from an open Redis, `-NOAUTH …` from
 * one with a password), or undefined when nothing answers.
 */
export function pingRedis(host = '127.0.0.1', port = 6379, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (value: string | undefined): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
    socket.on('close', () => done(reply.length > 0 ? reply : undefined));
    socket.connect(port, host, () => socket.write('*1\r\n$4\r\nPING\r\n'));
  });
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, binary);
    if (existsSync(candidate)) return candidate;
  }
  return existsSync(`/usr/bin/${binary}`) ? `/usr/bin/${binary}` : undefined;
}

/**
 * Makes sure an open Redis answers on 127.0.0.1:`port`: uses the one already running, or starts a
 * throwaway daemon (no persistence, `noeviction` as BullMQ requires), installing `redis-server` with apt
 * first when the binary is missing. The daemon is left running for later runs.
 */
export async function ensureRedis(opts: { log: Log; port?: number }): Promise<{ started: boolean }> {
  const port = opts.port ?? 6379;
  const first = await pingRedis('127.0.0.1', port);
  if (first === '+PONG') return { started: false };
  if (first !== undefined) {
    throw new BosunError({
      kind: 'internal',
      message: `something on 127.0.0.1:${port} answered PING with "${first.slice(0, 80)}"; tests need an open Redis there: stop it or free the port`,
    });
  }
  let binary = onPath('redis-server');
  if (!binary) {
    const logDir = cacheRoot();
    mkdirSync(logDir, { recursive: true });
    await ensurePackages(['redis-server'], { log: opts.log, logFile: join(logDir, 'apt.log') });
    binary = onPath('redis-server');
    if (!binary) throw new BosunError({ kind: 'internal', message: 'redis-server is still not on PATH after installing the redis-server package' });
  }
  opts.log(`[testenv] starting redis-server on 127.0.0.1:${port}`);
  const out = await capture(binary, [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'yes',
  ]);
  if (out.code !== 0) {
    throw new BosunError({ kind: 'internal', message: `redis-server did not start (exit ${out.code}): ${(out.stderr || out.stdout).trim().slice(-2_000)}` });
  }
  for (let i = 0; i < 100; i++) {
    if ((await pingRedis('127.0.0.1', port)) === '+PONG') return { started: true };
    await sleep(100);
  }
  throw new BosunError({ kind: 'internal', message: `redis-server was started but does not answer PING on 127.0.0.1:${port} after 10 s` });
}

/** Deletes every key under the prefix (queues, locks and bosun's state). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
