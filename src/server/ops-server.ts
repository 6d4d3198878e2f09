/**
 * The operations endpoints of a worker-only process (`bosun worker`): /healthz, /readyz (Redis answers)
 * and /metrics, so the job metrics a worker records (durations, outcomes, GitHub requests) can be
 * scraped, and the worker's Deployment can have probes. It listens only when an operator gives it a
 * port (`BOSUN_METRICS_PORT`); `bosun serve` has the same endpoints on its own port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeRedis, createRedis, type RedisConnection } from '../jobs.ts';
import type { Metrics } from '../metrics.ts';
import { serveOpsEndpoint } from './ops-endpoints.ts';

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(opts: { port: number; host: string; connection: RedisConnection; metrics: Metrics }): Promise<OpsServer> {
  const redis = createRedis(opts.connection, { name: 'bosun-worker-ops' });
  redis.on('error', () => undefined);
  const server = createServer((req, res) => {
    const reply = async (): Promise<void> => {
      if (req.method !== 'GET') {
        res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' }).end('method not allowed\n');
      } else if (!(await serveOpsEndpoint(req, res, { redis, metrics: opts.metrics }))) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    };
    reply().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await closeRedis(redis);
      })();
      return closing;
    },
  };
}
