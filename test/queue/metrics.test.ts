import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProducers, queueNames, type Producers } from '../../src/jobs.ts';
import { createMetrics } from '../../src/metrics.ts';
import { startWorkers, type WorkerRuntime } from '../../queue/index.ts';
import { commandJob, dropPrefix, inspect, planJob, redisUrl, testRedis, uniquePrefix, waitFor } from './support.ts';

describe('metrics', () => {
  const redis = testRedis();
  let prefix: string;
  let producers: Producers;
  let runtime: WorkerRuntime | undefined;

  beforeEach(() => {
    prefix = uniquePrefix();
    producers = createProducers(redisUrl, { prefix });
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await producers.close();
    await dropPrefix(redis, prefix);
  });

  it('reports queue depth per queue and state, read from Redis when scraped', async () => {
    const metrics = createMetrics();
    metrics.watchQueues(producers.depthSources());
    for (const pr of [1, 2, 3]) await producers.enqueuePlan(planJob({ pr }));
    await producers.enqueueCommand(commandJob());

    const text = await metrics.registry.metrics();
    expect(text).toContain('bosun_queue_depth{queue="bosun-plan",state="waiting"} 3');
    expect(text).toContain('bosun_queue_depth{queue="bosun-command",state="waiting"} 1');
    expect(text).toContain('bosun_queue_depth{queue="bosun-apply",state="waiting"} 0');

    // The next scrape sees the queue as it is then.
    const queue = inspect(queueNames.plan, prefix);
    await queue.drain();
    await queue.close();
    expect(await metrics.registry.metrics()).toContain('bosun_queue_depth{queue="bosun-plan",state="waiting"} 0');
  });

  it('records job durations by outcome, webhooks by event and GitHub calls by status', async () => {
    const metrics = createMetrics();
    runtime = startWorkers({ connection: redisUrl, prefix, metrics, processors: { command: async () => 'ok' } });
    const queue = inspect(queueNames.command, prefix);
    const { jobId } = await producers.enqueueCommand(commandJob());
    await waitFor('the job to complete', async () => (await queue.getJobState(jobId)) === 'completed');
    await queue.close();
    metrics.webhookReceived('pull_request');
    metrics.webhookReceived('pull_request');
    metrics.githubRequest(201);
    metrics.rateLimitWait();

    const text = await metrics.registry.metrics();
    expect(text).toContain('bosun_job_duration_seconds_count{queue="bosun-command",outcome="done"} 1');
    expect(text).toContain('bosun_webhooks_received_total{event="pull_request"} 2');
    expect(text).toContain('bosun_github_requests_total{status="201"} 1');
    expect(text).toContain('bosun_github_rate_limit_waits_total 1');
  });
});
