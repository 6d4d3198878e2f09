import { describe, expect, it } from 'vitest';
import { queueNames } from '../../src/jobs.ts';
import { createMetrics } from '../../src/metrics.ts';
import { startWorkers } from '../../queue/index.ts';
import { commandJob, inspect, planJob, redisUrl, waitFor, queueSuite } from './support.ts';

describe('metrics', () => {
  const t = queueSuite();

  it('reports queue depth per queue and state, read from Redis when scraped', async () => {
    const metrics = createMetrics();
    metrics.watchQueues(t.producers.depthSources());
    for (const pr of [1, 2, 3]) await t.producers.enqueuePlan(planJob({ pr }));
    await t.producers.enqueueCommand(commandJob());

    const text = await metrics.registry.metrics();
    // Fair-share queues (src/jobs/fairness.ts) hold their queued jobs as prioritized.
    expect(text).toContain('bosun_queue_depth{queue="bosun-plan",state="prioritized"} 3');
    expect(text).toContain('bosun_queue_depth{queue="bosun-command",state="prioritized"} 1');
    expect(text).toContain('bosun_queue_depth{queue="bosun-apply",state="prioritized"} 0');
    // The parts of plans fanned out (src/jobs/plan-parts.ts).
    expect(text).toContain('bosun_queue_depth{queue="bosun-plan-part",state="waiting"} 0');

    // The next scrape sees the queue as it is then.
    const queue = inspect(queueNames.plan, t.prefix);
    await queue.drain();
    await queue.close();
    expect(await metrics.registry.metrics()).toContain('bosun_queue_depth{queue="bosun-plan",state="prioritized"} 0');
  });

  it('records job durations by outcome, webhooks by event and GitHub calls by status', async () => {
    const metrics = createMetrics();
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, metrics, processors: { command: async () => 'ok' } });
    const queue = inspect(queueNames.command, t.prefix);
    const { jobId } = await t.producers.enqueueCommand(commandJob());
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
