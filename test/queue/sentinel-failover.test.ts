// Redis Sentinel failover under bosun's producers and workers: a real primary, replica and sentinel
// (test/support/redis-sentinel.ts), bosun connected through redis+sentinel://. Jobs queued before the
// failover (one running through it, others waiting) all run once, a job queued after it runs on the new
// primary, and state written before it (a delivery already seen) is still there.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorkers, type WorkerRuntime } from '../../queue/index.ts';
import { closeRedis, createProducers, createRedis, queueNames, type Producers } from '../../src/jobs.ts';
import { startSentinelSetup, type SentinelSetup } from '../support/redis-sentinel.ts';
import { commandJob, deferred, waitFor } from './support.ts';

describe('Redis Sentinel failover', () => {
  let setup: SentinelSetup;
  let prefix: string;
  let producers: Producers;
  let runtime: WorkerRuntime | undefined;
  let events: string[];
  let runs: Map<string, number>;
  let gate: { promise: Promise<void>; resolve: () => void };
  let heldStarted: { promise: Promise<void>; resolve: () => void };

  beforeEach(async () => {
    setup = await startSentinelSetup();
    prefix = `bosun-sentinel-${randomUUID().slice(0, 8)}`;
    events = [];
    runs = new Map();
    gate = deferred();
    heldStarted = deferred();
    producers = createProducers(setup.url, { prefix });
    runtime = startWorkers({
      connection: setup.url,
      prefix,
      // One at a time, so the jobs queued behind the held one are still waiting at the failover.
      concurrency: { command: 1 },
      shutdownTimeoutMs: 5_000,
      processors: {
        command: async (data) => {
          runs.set(data.body, (runs.get(data.body) ?? 0) + 1);
          events.push(`ran ${data.body}`);
          if (data.body === 'held') {
            heldStarted.resolve();
            await gate.promise;
          }
          return data.body;
        },
      },
    });
    await runtime.ready();
  }, 60_000);

  afterEach(async () => {
    gate.resolve();
    await runtime?.close();
    runtime = undefined;
    await producers?.close();
    await setup?.stop();
  });

  /** Queues a command whose body names it, recording when it was queued. */
  const enqueue = async (body: string, deliveryId: string = randomUUID()): Promise<string> => {
    const result = await producers.enqueueCommand(commandJob({ body, deliveryId }));
    expect(result.status).toBe('queued');
    events.push(`queued ${body}`);
    return result.jobId;
  };

  const completedBodies = async (): Promise<string[]> => {
    // Through the sentinel, as bosun itself connects: whatever server is primary now.
    const redis = createRedis(setup.url, { name: 'sentinel-test' });
    const queue = new Queue(queueNames.command, { connection: redis, prefix });
    try {
      return (await queue.getJobs(['completed'])).map((j) => String(j.returnvalue?.value)).sort();
    } finally {
      await queue.close();
      await closeRedis(redis);
    }
  };

  /**
   * Queues the job after a failover as GitHub delivers a webhook: a failed enqueue (bosun answers 503) is
   * delivered again with the same delivery id, until it is queued — at most once in all.
   */
  const enqueueRedelivered = async (body: string): Promise<void> => {
    const deliveryId = randomUUID();
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const result = await producers.enqueueCommand(commandJob({ body, deliveryId }));
        expect(['queued', 'duplicate']).toContain(result.status);
        events.push(`queued ${body}`);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        events.push(`refused ${body}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };

  /**
   * `killed`: the old primary died with the connections to it, so an enqueue sent on one of them before the
   * client noticed fails (the webhook is answered 503 and delivered again); after a planned failover the
   * first enqueue must succeed.
   */
  const carriesOn = async (failOver: () => Promise<void>, settled: () => Promise<void>, killed = false): Promise<void> => {
    const firstPrimary = await setup.masterPort();
    expect(firstPrimary).toBe(setup.primary.port);
    await enqueue('before', 'delivery-before');
    await waitFor('the first job to run', () => runs.get('before') === 1);

    // One job running through the failover, three waiting behind it.
    await enqueue('held');
    await heldStarted.promise;
    for (const body of ['waiting-1', 'waiting-2', 'waiting-3']) await enqueue(body);
    await setup.replicated();

    await failOver();
    events.push('failed over');
    expect(await setup.masterPort()).toBe(setup.replica.port);

    // Right after the switch — the old primary may still be writable — the held job finishes and another
    // is queued: bosun's clients must already be on the new primary, or both would be lost with the old one.
    gate.resolve();
    if (killed) await enqueueRedelivered('after');
    else await enqueue('after');
    await waitFor('the job queued after the failover to run', () => runs.get('after') === 1, 60_000);
    await settled();
    await waitFor('every job to complete', async () => (await completedBodies()).length === 6, 60_000);
    expect(await completedBodies()).toEqual(['after', 'before', 'held', 'waiting-1', 'waiting-2', 'waiting-3']);
    // Each ran exactly once, in the order queued (one at a time), and the waiting ones after the failover.
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(events.filter((e) => e.startsWith('ran '))).toEqual(['ran before', 'ran held', 'ran waiting-1', 'ran waiting-2', 'ran waiting-3', 'ran after']);
    const failedOverAt = events.indexOf('failed over');
    expect(events.indexOf('ran held')).toBeLessThan(failedOverAt);
    for (const later of ['queued after', 'ran waiting-1', 'ran waiting-2', 'ran waiting-3', 'ran after']) expect(events.indexOf(later)).toBeGreaterThan(failedOverAt);
    // State from before the failover survived it: the first delivery is still known, so its redelivery queues nothing.
    expect(await producers.enqueueCommand(commandJob({ body: 'before', deliveryId: 'delivery-before' }))).toMatchObject({ status: 'duplicate' });
    // The jobs live on the new primary, the former replica.
    expect(await setup.client(setup.replica.port).exists(`${prefix}:${queueNames.command}:meta`)).toBe(1);
  };

  it('SENTINEL FAILOVER: the worker carries on, nothing queued before is lost, a job queued after runs', async () => {
    await carriesOn(() => setup.failover(), () => setup.demoted());
  }, 120_000);

  it('the primary killed: the sentinel promotes the replica and the worker carries on the same way', async () => {
    await carriesOn(() => setup.killPrimary(), async () => undefined, true);
  }, 120_000);
});
