/**
 * bosun's HTTP server: health, readiness, Prometheus metrics, the GitHub webhook endpoint (Probot's
 * middleware, which verifies the signature before any handler runs) and, when BOSUN_DASHBOARD_TOKEN is
 * set, the status dashboard under /dashboard.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeMiddleware, Probot } from 'probot';
import { bosunApp, defaultEnqueueTimeoutMs, lockPrefixFor } from '../app.ts';
import type { ServerConfig } from '../config/server.ts';
import { createDashboard } from '../dashboard/http.ts';
import type { GitHubClient } from '../github/client.ts';
import { closeRedis, createLockViewers, createProducers, createRedis, keyPrefixFor, type Producers, type RedisConnection } from '../jobs.ts';
import { createLockManager } from '../locks/index.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { serveOpsEndpoint } from './ops-endpoints.ts';
import { createDeliveryLedger, startRedeliveryLoop, type RedeliveryLogger, type RedeliveryLoop, type RedeliveryLoopOptions } from './redelivery.ts';
import { startWebhookProxy } from './webhook-proxy.ts';

export type ServerSettings = Pick<ServerConfig, 'appId' | 'privateKey' | 'webhookSecret' | 'port' | 'host' | 'webhookPath' | 'githubBaseUrl' | 'redisUrl'>
  & Partial<Pick<ServerConfig, 'logLevel' | 'dashboardToken' | 'webhookProxyUrl' | 'enqueueTimeoutMs'>>;

export interface StartServerOptions {
  /** Redis key prefix of queues, job state and locks; must match the workers'. Default `bosun` (`{bosun}` on Redis Cluster). */
  prefix?: string;
  /** Redis connection; default `config.redisUrl`. */
  connection?: RedisConnection;
  metrics?: Metrics;
  /** Where the webhook handlers and the recovery of deliveries that failed while Redis was away log; default Probot's log. */
  log?: RedeliveryLogger;
  /** Recovery tuning (tests): rounds in between, look-back window. */
  redelivery?: Pick<RedeliveryLoopOptions, 'everyMs' | 'windowMs' | 'settleMs'>;
}

export interface BosunServer {
  /** `http://host:port`, with the port actually bound (PORT=0 picks a free one). */
  url: string;
  /** Full URL of the webhook endpoint. */
  webhookUrl: string;
  producers: Producers;
  metrics: Metrics;
  /** Redelivers the webhook deliveries answered 503 while Redis was away. */
  redelivery: RedeliveryLoop;
  close(): Promise<void>;
}

export async function startServer(config: ServerSettings, opts: StartServerOptions = {}): Promise<BosunServer> {
  const connection = opts.connection ?? config.redisUrl;
  const prefix = keyPrefixFor(connection, opts.prefix);
  const metrics = opts.metrics ?? createMetrics({ processMetrics: true });
  const producers = createProducers(connection, { prefix });
  metrics.watchQueues(producers.depthSources());
  // Readiness and locks get their own client: fail fast when Redis is gone instead of queueing commands.
  const redis = createRedis(connection, { name: 'bosun-server' });
  redis.on('error', () => undefined);
  const locks = createLockManager(redis, { prefix: lockPrefixFor(prefix) });
  // No token, no dashboard: its paths are then not found, like any other.
  const dashboard = config.dashboardToken
    ? createDashboard({ token: config.dashboardToken, redis, prefix, locks, githubBaseUrl: config.githubBaseUrl })
    : undefined;

  const probot = new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    baseUrl: config.githubBaseUrl,
    logLevel: config.logLevel === 'silent' ? 'fatal' : (config.logLevel ?? 'info'),
  });
  const enqueueTimeoutMs = config.enqueueTimeoutMs ?? defaultEnqueueTimeoutMs;
  const redelivery = startRedeliveryLoop({
    redis,
    prefix,
    // Probot's auth() without an installation id is the App itself (JWT): what the deliveries API takes.
    github: async () => (await probot.auth()) as unknown as GitHubClient,
    // Probot's log exists once the middleware below is created; look it up when a round logs.
    log: opts.log ?? { info: (fields, msg) => probot.log.info(fields, msg), warn: (fields, msg) => probot.log.warn(fields, msg) },
    settleMs: enqueueTimeoutMs + 1_000,
    ...opts.redelivery,
  });
  const webhooks = await createNodeMiddleware(bosunApp({
    producers,
    metrics,
    locks,
    lockViewers: createLockViewers(redis, prefix, producers),
    appId: config.appId,
    log: opts.log ?? probot.log,
    enqueueTimeoutMs,
    deliveries: createDeliveryLedger(redis, prefix),
    onQueueUnavailable: () => redelivery.queueUnavailable(),
  }), {
    probot,
    webhooksPath: config.webhookPath,
  });

  const notFound = (res: ServerResponse): void => {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (await serveOpsEndpoint(req, res, { redis, metrics })) return;
    if (dashboard && (await dashboard.handle(req, res))) return;
    await webhooks(req, res, () => notFound(res));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      probot.log.error({ err: err instanceof Error ? err.message : String(err) }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  // On a laptop: follow the relay channel GitHub delivers to, into this server's own webhook endpoint.
  const proxy = config.webhookProxyUrl
    ? await startWebhookProxy({ source: config.webhookProxyUrl, target: `${url}${config.webhookPath}`, log: probot.log }).catch(async (err: unknown) => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redelivery.close();
      await producers.close();
      await dashboard?.close();
      await closeRedis(redis);
      throw err;
    })
    : undefined;

  let closing: Promise<void> | undefined;
  return {
    url,
    webhookUrl: `${url}${config.webhookPath}`,
    producers,
    metrics,
    redelivery,
    close: () => {
      closing ??= (async () => {
        await redelivery.close();
        await proxy?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await producers.close();
        await dashboard?.close();
        await closeRedis(redis);
      })();
      return closing;
    },
  };
}
