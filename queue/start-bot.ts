/**
 * One bosun process: the webhook server, the workers, or both (`bosun serve --with-worker` for small
 * installs). Used by the CLI and by the end-to-end tests, so both run exactly the same wiring.
 */
import type { ServerConfig } from '../src/config/server.ts';
import { createProducers, keyPrefixFor, type Producers } from '../src/jobs.ts';
import { createMetrics, type Metrics } from '../src/metrics.ts';
import { startOpsServer, startServer, type BosunServer, type OpsServer } from '../src/server/index.ts';
import { silentLogger, type Logger } from './log.ts';
import { checkSandbox } from './sandbox-check.ts';
import { setProcessObjectLimits } from '../src/render/object-limits.ts';
import { startWorkers, type WorkerRuntime, type WorkerRuntimeOptions } from './runtime.ts';
import { createBosunProcessors, type BosunProcessors } from './workflows/index.ts';

export interface BotOptions {
  serve: boolean;
  work: boolean;
  /** Redis key prefix of queues, job state and locks. Default `bosun` (`{bosun}` on Redis Cluster). */
  prefix?: string;
  log?: Logger;
  metrics?: Metrics;
  /** Worker runtime tuning (tests shorten the backstop poll and the shutdown deadline). */
  /** Lease of a PR's environment lock; every event of the PR renews it. Default: BOSUN_LOCK_TTL (7 days). */
  lockTtlMs?: number;
  runtime?: Partial<Pick<WorkerRuntimeOptions, 'shutdownTimeoutMs' | 'supersedePollMs' | 'concurrency' | 'abortGraceMs'>>;
}

export interface Bot {
  server?: BosunServer;
  /** /healthz, /readyz and /metrics of a worker-only process, when BOSUN_METRICS_PORT is set. */
  ops?: OpsServer;
  workers?: WorkerRuntime;
  processors?: BosunProcessors;
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startBot(config: ServerConfig, opts: BotOptions): Promise<Bot> {
  const prefix = keyPrefixFor(config.redisUrl, opts.prefix);
  const log = opts.log ?? silentLogger;
  const metrics = opts.metrics ?? createMetrics({ processMetrics: true });
  const server = opts.serve ? await startServer(config, { prefix, metrics, ...(opts.log ? { log: opts.log } : {}) }) : undefined;
  let producers: Producers | undefined;
  let processors: BosunProcessors | undefined;
  let workers: WorkerRuntime | undefined;
  if (opts.work) {
    await checkSandbox(config.sandbox, log);
    setProcessObjectLimits(config.objectLimits);
    // Commands enqueue plans; a worker-only process needs its own producers for that.
    producers = server?.producers ?? createProducers(config.redisUrl, { prefix });
    processors = createBosunProcessors(config, { connection: config.redisUrl, prefix, producers, metrics, lockTtlMs: opts.lockTtlMs ?? config.lockTtlMs });
    await processors.mirrors.prune();
    workers = startWorkers({
      connection: config.redisUrl,
      processors: processors.processors,
      prefix,
      log,
      metrics,
      concurrency: { plan: config.concurrency, command: config.concurrency, planPart: config.concurrency, apply: config.applyWorkerConcurrency },
      lockDurationMs: config.jobLockMs,
      maxStalls: config.jobMaxStalls,
      leaseMs: config.envLeaseMs,
      applyConcurrency: config.applyConcurrency,
      applyConcurrencyPerCluster: config.applyConcurrencyPerCluster,
      ...opts.runtime,
    });
    await workers.ready();
  }
  const ops = !server && opts.work && config.metricsPort !== undefined
    ? await startOpsServer({ port: config.metricsPort, host: config.host, connection: config.redisUrl, metrics })
    : undefined;
  let closing: Promise<void> | undefined;
  return {
    ...(server ? { server } : {}),
    ...(workers ? { workers } : {}),
    ...(ops ? { ops } : {}),
    ...(processors ? { processors } : {}),
    metrics,
    close: () => {
      closing ??= (async () => {
        // Workers first: a running command may still enqueue a plan through the server's producers.
        // Webhooks that arrive meanwhile are only queued, for the next worker.
        await workers?.close();
        await ops?.close();
        await server?.close();
        await processors?.close();
        if (producers && producers !== server?.producers) await producers.close();
      })();
      return closing;
    },
  };
}

export { jsonLogger } from './log.ts';
