// Benchmark: fair share between installations (src/jobs/fairness.ts), with the real producers, the real
// worker runtime and Redis. Each plan's work is a fixed 20 ms wait, so the figures are queueing alone.
// Measured: how long a single plan of installation B waits to start (and to finish, i.e. its comment)
// on an idle queue (p50 of 20), and while installation A's burst of 500 plans is queued, with fair share
// and first come, first served.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createProducers, type PlanJob, type RepoRef } from '../src/jobs.ts';
import { startWorkers } from '../queue/index.ts';
import { redisUrl } from '../testkit/harness.ts';
import { dropPrefix } from '../testkit/redis.ts';

const burst = 500;
const workMs = 20;
const concurrency = 2;
const A = 1;
const B = 2;

const repoOf = (owner: string): RepoRef => ({ owner, name: 'gitops', fullName: `${owner}/gitops`, cloneUrl: `https://github.com/${owner}/gitops.git`, defaultBranch: 'main' });
const plan = (installationId: number, pr: number): PlanJob => ({
  deliveryId: randomUUID(),
  installationId,
  repo: repoOf(installationId === A ? 'burst' : 'single'),
  pr,
  headSha: randomUUID().replaceAll('-', '').padEnd(40, '0'),
  baseRef: 'main',
  reason: 'opened',
});

interface Times {
  startMs: number;
  doneMs: number;
}

/** One scenario on a fresh prefix: B's plans' enqueue → start and enqueue → done times. */
async function scenario(opts: { fairness: boolean; burst: number; samples: number }): Promise<Times[]> {
  const prefix = `bosun-bench-fair-${randomUUID().slice(0, 8)}`;
  const producers = createProducers(redisUrl, { prefix, fairness: opts.fairness });
  const queued = new Map<string, number>();
  const started = new Map<string, number>();
  const done = new Map<string, number>();
  let startedCount = 0;
  const key = (job: PlanJob): string => `${job.installationId}:${job.pr}`;
  for (let pr = 1; pr <= opts.burst; pr++) await producers.enqueuePlan(plan(A, pr));
  const runtime = startWorkers({
    connection: redisUrl,
    prefix,
    concurrency,
    processors: {
      plan: async (job) => {
        startedCount++;
        started.set(key(job), performance.now());
        await sleep(workMs);
        done.set(key(job), performance.now());
      },
    },
  });
  await runtime.ready();
  const times: Times[] = [];
  try {
    // With a burst: let the workers get going on it first, as a burst queued a moment ago would be.
    while (startedCount < Math.min(10, opts.burst)) await sleep(5);
    for (let pr = 1; pr <= opts.samples; pr++) {
      const job = plan(B, pr);
      queued.set(key(job), performance.now());
      await producers.enqueuePlan(job);
      while (!done.has(key(job))) await sleep(2);
      const t0 = queued.get(key(job)) ?? 0;
      times.push({ startMs: (started.get(key(job)) ?? 0) - t0, doneMs: (done.get(key(job)) ?? 0) - t0 });
    }
  } finally {
    await runtime.close();
    await producers.close();
    const redis = new Redis(redisUrl);
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
  return times;
}

const p50 = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor((sorted.length - 1) / 2)] * 10) / 10;
};

export async function benchFairness(): Promise<Record<string, unknown>> {
  const idle = await scenario({ fairness: true, burst: 0, samples: 20 });
  const fair = await scenario({ fairness: true, burst, samples: 5 });
  const fifo = await scenario({ fairness: false, burst, samples: 1 });
  return {
    benchmark: `a single plan of installation B while installation A has ${burst} plans queued (plan work ${workMs} ms, ${concurrency} at once)`,
    idleStartP50Ms: p50(idle.map((t) => t.startMs)),
    idleDoneP50Ms: p50(idle.map((t) => t.doneMs)),
    fairStartP50Ms: p50(fair.map((t) => t.startMs)),
    fairDoneP50Ms: p50(fair.map((t) => t.doneMs)),
    fifoStartMs: Math.round(fifo[0].startMs),
    fifoDoneMs: Math.round(fifo[0].doneMs),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchFairness()));
}
