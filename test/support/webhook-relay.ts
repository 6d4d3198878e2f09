// A local webhook relay speaking smee.io's protocol, for tests (smee.io cannot be reached from here):
// GitHub POSTs a delivery to `/<channel>`; every client following the channel (`GET /<channel>` as
// server-sent events) gets one message whose data is the delivery's headers (lower-case) plus `body`
// (the parsed JSON), `query` and `timestamp`. The relay checks nothing — a relay is untrusted, which is
// why the receiving end must check the signature.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookRelay {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Clients following a channel right now. */
  followers(channel: string): number;
  /** Deliveries relayed so far, per channel. */
  relayed(channel: string): number;
  close(): Promise<void>;
}

export async function startWebhookRelay(): Promise<WebhookRelay> {
  const streams = new Map<string, Set<ServerResponse>>();
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const channel = url.pathname.replace(/^\/+|\/+$/g, '');
    if (!/^[A-Za-z0-9_-]+$/.test(channel)) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write('event: ready\ndata: {}\n\n');
      let set = streams.get(channel);
      if (!set) streams.set(channel, (set = new Set()));
      set.add(res);
      req.on('close', () => set.delete(res));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end('not JSON');
        return;
      }
      const message = { ...req.headers, body, query: Object.fromEntries(url.searchParams), timestamp: Date.now() };
      for (const stream of streams.get(channel) ?? []) stream.write(`data: ${JSON.stringify(message)}\n\n`);
      counts.set(channel, (counts.get(channel) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    followers: (channel) => streams.get(channel)?.size ?? 0,
    relayed: (channel) => counts.get(channel) ?? 0,
    close: () => new Promise<void>((resolve) => {
      for (const set of streams.values()) for (const s of set) s.end();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
