import { createServer, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ensureRedis, pingRedis } from '../../testkit/redis.ts';
import { freePort } from '../../testkit/testenv/ports.ts';
import { eventually } from './helpers.ts';

function send(port: number, command: string[]): Promise<void> {
  return new Promise((resolve) => {
    const payload = `*${command.length}\r\n${command.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join('')}`;
    const socket = new Socket();
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.connect(port, '127.0.0.1', () => socket.end(payload));
  });
}

describe('Redis for the test run', () => {
  it('answers PING on 127.0.0.1:6379 once the global setup has run', async () => {
    expect(await ensureRedis({ log: () => undefined })).toEqual({ started: false });
    expect(await pingRedis()).toBe('+PONG');
  });

  it('gets no answer where nothing listens', async () => {
    expect(await pingRedis('127.0.0.1', await freePort())).toBeUndefined();
  });

  it('starts a redis-server when none answers on the port', async () => {
    const port = await freePort();
    const lines: string[] = [];
    expect(await ensureRedis({ log: (l) => lines.push(l), port })).toEqual({ started: true });
    try {
      expect(await pingRedis('127.0.0.1', port)).toBe('+PONG');
      expect(lines.join('\n')).toContain(`starting redis-server on 127.0.0.1:${port}`);
    } finally {
      await send(port, ['SHUTDOWN', 'NOSAVE']);
    }
    await eventually('the throwaway redis-server is gone', async () => (await pingRedis('127.0.0.1', port)) === undefined, 10_000);
  });

  it('refuses a port where something other than an open Redis answers', async () => {
    const server = createServer((socket) => socket.end('-NOAUTH Authentication required.\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(ensureRedis({ log: () => undefined, port })).rejects.toThrow(/answered PING with "-NOAUTH Authentication required\."/);
    } finally {
      server.close();
    }
  });
});
