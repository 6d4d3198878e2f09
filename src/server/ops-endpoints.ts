import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { Metrics } from '../metrics.ts';
import { redisAnswers } from './readiness.ts';

/**
 * `/healthz` (the process answers), `/readyz` (Redis answers PING) and `/metrics` (Prometheus text), for
 * `bosun serve` and a worker's own port alike. Returns false when the request is for none of them.
 */
export async function serveOpsEndpoint(req: IncomingMessage, res: ServerResponse, deps: { redis: Redis; metrics: Pick<Metrics, 'registry'> }): Promise<boolean> {
  if (req.method !== 'GET') return false;
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (path === '/readyz') {
    const ready = await redisAnswers(deps.redis);
    res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'redis is not answering\n');
  } else if (path === '/metrics') {
    const text = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text);
  } else {
    return false;
  }
  return true;
}
