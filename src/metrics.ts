import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Job counts of one queue, read when the registry is scraped (see `Producers.depthSources()`). */
export interface QueueDepthSource {
  queue: string;
  counts(): Promise<Record<string, number>>;
}

/** How a job run ended, as counted in `bosun_job_duration_seconds{outcome}`. */
export type JobRunOutcome = 'done' | 'superseded' | 'skipped' | 'failed' | 'retrying' | 'delayed' | 'requeued' | 'waiting';

export interface Metrics {
  /** Serve `registry.metrics()` with `registry.contentType` from whatever HTTP server hosts it. */
  readonly registry: Registry;
  webhookReceived(event: string): void;
  jobFinished(queue: string, outcome: JobRunOutcome, seconds: number): void;
  githubRequest(status: number | string): void;
  rateLimitWait(): void;
  /** A drift check of one environment ended in `state` (in-sync, drifted, healed, error). */
  driftChecked(state: string): void;
  /** Adds queues whose depth `bosun_queue_depth` reports on each scrape. */
  watchQueues(sources: readonly QueueDepthSource[]): void;
}

export interface MetricsOptions {
  /** Also collect prom-client's process metrics (CPU, memory, event loop lag). Default false. */
  processMetrics?: boolean;
}

/**
 * bosun's Prometheus metrics in a registry of their own (not prom-client's global one), so an app, a
 * worker and tests can each hold one.
 */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const sources: QueueDepthSource[] = [];

  const webhooks = new Counter({
    name: 'bosun_webhooks_received_total',
    help: 'GitHub webhooks received, by event',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'bosun_queue_depth',
    help: 'Jobs per queue and state, read from Redis when scraped',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const results = await Promise.allSettled(sources.map(async (source) => ({ queue: source.queue, counts: await source.counts() })));
      // A queue that cannot be read right now is left out of this scrape rather than failing it.
      for (const result of results) {
        if (result.status !== 'fulfilled') continue;
        for (const [state, count] of Object.entries(result.value.counts)) this.set({ queue: result.value.queue, state }, count);
      }
    },
  });
  const durations = new Histogram({
    name: 'bosun_job_duration_seconds',
    help: 'Job run time, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const github = new Counter({
    name: 'bosun_github_requests_total',
    help: 'GitHub API requests, by HTTP status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const rateLimitWaits = new Counter({
    name: 'bosun_github_rate_limit_waits_total',
    help: 'Times bosun waited for a GitHub rate limit',
    registers: [registry],
  });
  const driftChecks = new Counter({
    name: 'bosun_drift_checks_total',
    help: 'Drift checks of environments, by result (in-sync, drifted, healed, error)',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });

  return {
    registry,
    webhookReceived: (event) => webhooks.inc({ event }),
    jobFinished: (queue, outcome, seconds) => durations.observe({ queue, outcome }, Math.max(0, seconds)),
    githubRequest: (status) => github.inc({ status: String(status) }),
    rateLimitWait: () => rateLimitWaits.inc(),
    driftChecked: (state) => driftChecks.inc({ state }),
    watchQueues(more) {
      for (const source of more) if (!sources.some((s) => s.queue === source.queue && s.counts === source.counts)) sources.push(source);
    },
  };
}

let shared: Metrics | undefined;

/** One registry per process for the app and the workers to share; tests use createMetrics(). */
export function processMetrics(): Metrics {
  shared ??= createMetrics({ processMetrics: true });
  return shared;
}
