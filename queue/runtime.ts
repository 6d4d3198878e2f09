import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import { bullConnection, closeRedis, createRedis, defaultApplyConcurrencyPerCluster, defaultJobOptions, fairnessKey, jobKinds, jobStarted, keyPrefixFor, queueNames, releaseBullConnection, stateKeys, type JobKind, type RedisConnection } from '../src/jobs.ts';
import type { Metrics } from '../src/metrics.ts';
import { JobAborted, type JobRun } from './job-run.ts';
import { silentLogger, type Logger } from './log.ts';
import { abandonJob, jobHandler } from './process-job.ts';
import { watchSuperseded } from './supersede-watch.ts';
import type { Processors } from './types.ts';

export interface WorkerRuntimeOptions {
  connection: RedisConnection;
  /** A worker runs only the queues it has a processor for. */
  processors: Processors;
  /** Jobs run at once per queue (operators: `BOSUN_CONCURRENCY`, and `BOSUN_APPLY_WORKER_CONCURRENCY` for applies). Default `defaultConcurrency`. */
  concurrency?: number | Partial<Record<JobKind, number>>;
  log?: Logger;
  /** On close, how long running jobs may take to finish before they are aborted and requeued. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** How long an aborted processor gets to notice its signal before the worker gives up on it. Default 5 s. */
  abortGraceMs?: number;
  /** Redis key prefix; must match the producers'. Default `bosun` (`{bosun}` on Redis Cluster: see keyPrefixFor). */
  prefix?: string;
  metrics?: Metrics;
  /**
   * Environment lease length; renewed every third of it. A worker that dies mid-apply blocks its
   * environment until the lease runs out (operators: `BOSUN_ENV_LEASE_MS`). Default 60 s.
   */
  leaseMs?: number;
  /** How soon an apply waiting for a busy environment tries again. Default 2 s. */
  busyRetryMs?: number;
  /** Backstop poll for superseded plans, besides pub/sub. Default 5 s. */
  supersedePollMs?: number;
  /** How often one job may be put back for `retry-after` before that counts as a failure. Default 10. */
  maxRetryAfter?: number;
  /**
   * BullMQ job lock, renewed every half of it: a job whose worker vanished (SIGKILL, lost connection) is
   * picked up again by another worker once the lock ran out and a stalled-job check saw it, i.e. after
   * at most about two lock lengths (operators: `BOSUN_JOB_LOCK_MS`). Default 30 s.
   */
  lockDurationMs?: number;
  /** BullMQ stalled-job check interval. Default: the lock duration. */
  stalledIntervalMs?: number;
  /**
   * How often a job's worker may vanish (killed, or its lock not renewed in time) before BullMQ gives up
   * on the job and fails it without running bosun's code (BullMQ's `maxStalledCount`; its own default is
   * 1). Every bosun job is made to be run again — plans find their own check runs and sticky comment,
   * applies their environment's lease and deployment — so a job is given up on only when it looks like it
   * is what kills its workers (operators: `BOSUN_JOB_MAX_STALLS`). Default: `defaultMaxStalls` for every queue.
   */
  maxStalls?: number | Partial<Record<JobKind, number>>;
  /**
   * Applies running at once across every worker (operators: `BOSUN_APPLY_CONCURRENCY`): BullMQ's global
   * concurrency of the apply queue (shared by all workers: the last one started sets it), and the global
   * apply slots every apply takes, the applies inside other jobs (pre-merge `/bosun apply`, self-heal)
   * included. 0: none beyond each worker's own. Absent: the queue is left as it is, and no slots are taken.
   */
  applyConcurrency?: number;
  /** Applies running at once against one cluster, every apply counted (operators: `BOSUN_APPLY_CONCURRENCY_PER_CLUSTER`); 0: no limit. Default 4. */
  applyConcurrencyPerCluster?: number;
}

export interface WorkerRuntime {
  readonly id: string;
  /** Resolves when every worker connection is ready to take jobs. */
  ready(): Promise<void>;
  /**
   * Stops taking jobs, lets running ones finish for up to `shutdownTimeoutMs`, then aborts the rest
   * and puts them back on their queues for another worker. Never waits much longer than
   * shutdownTimeoutMs + abortGraceMs + a few seconds.
   */
  close(): Promise<void>;
}

/**
 * With BullMQ's own limit of 1, a plan whose worker was killed twice (a rolling restart while the node it
 * moved to is drained, an OOM kill, or two lock renewals missed on a busy machine) failed without a
 * report, and the PR's newest head never got its plan (chaos-worker-kills, seed 2).
 */
export const defaultMaxStalls = 5;

/** Jobs of one queue a worker runs at once unless told otherwise. */
export const defaultConcurrency = 2;

/** Time allowed for each remaining close step (requeue writes, Redis quit) before moving on. */
const stepTimeoutMs = 5_000;

/**
 * Starts one BullMQ worker per queue with a processor. All coordination lives in Redis (job locks,
 * newest-SHA records, environment leases), so any number of these may run side by side.
 */
export function startWorkers(opts: WorkerRuntimeOptions): WorkerRuntime {
  const id = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const log = opts.log ?? silentLogger;
  const prefix = keyPrefixFor(opts.connection, opts.prefix);
  const keys = stateKeys(prefix);
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 30_000;
  const abortGraceMs = opts.abortGraceMs ?? 5_000;
  const redis = createRedis(opts.connection, { name: `bosun-worker-${id}` });
  redis.on('error', (err: Error) => log.warn({ err }, 'worker state connection error'));
  const watch = watchSuperseded({ connection: opts.connection, redis, keys, pollMs: opts.supersedePollMs ?? 5_000, log });
  const active = new Set<JobRun>();
  let stopping = false;

  const lockDuration = opts.lockDurationMs ?? 30_000;
  // Each worker makes its own clients from this (a Cluster client is only their template, never connected).
  const bull = bullConnection(opts.connection, { blocking: true });
  // Queues jobs queue their children on (a plan's parts), opened when first needed.
  const childQueues = new Map<JobKind, Queue>();
  const childConnection = bullConnection(opts.connection);
  const childQueue = (kind: JobKind): Queue => {
    let queue = childQueues.get(kind);
    if (!queue) {
      queue = new Queue(queueNames[kind], { connection: childConnection, prefix, defaultJobOptions: defaultJobOptions() });
      queue.on('error', (err: Error) => log.warn({ err, queue: queueNames[kind] }, 'child queue connection error'));
      childQueues.set(kind, queue);
    }
    return queue;
  };

  const deps = {
    redis,
    keys,
    log,
    metrics: opts.metrics,
    watch,
    active,
    stopping: () => stopping,
    workerId: id,
    leaseMs: opts.leaseMs ?? 60_000,
    busyRetryMs: opts.busyRetryMs ?? 2_000,
    abortGraceMs,
    maxRetryAfter: opts.maxRetryAfter ?? 10,
    applyLimits: { global: opts.applyConcurrency ?? 0, perCluster: opts.applyConcurrencyPerCluster ?? defaultApplyConcurrencyPerCluster },
    childQueue,
  };

  const workers: Worker[] = [];
  for (const kind of jobKinds) {
    const processor = opts.processors[kind];
    if (!processor) continue;
    const concurrency = typeof opts.concurrency === 'number' ? opts.concurrency : (opts.concurrency?.[kind] ?? defaultConcurrency);
    const handler = jobHandler(kind, processor as never, deps);
    const fairKey = fairnessKey(prefix, queueNames[kind]);
    const fairStart = async (job: Job, token?: string, signal?: AbortSignal) => {
      // The fair-share clock (src/jobs/fairness.ts) moves to the priority of each job started; failing
      // to move it costs only some fairness, never the job.
      await jobStarted(redis, fairKey, job.priority).catch((err: unknown) => log.warn({ err, queue: queueNames[kind] }, 'could not record the job start for fair share'));
      return handler(job as never, token, signal);
    };
    const worker = new Worker(queueNames[kind], fairStart, {
      connection: bull,
      prefix,
      concurrency,
      name: `bosun-${id}`,
      lockDuration,
      stalledInterval: opts.stalledIntervalMs ?? lockDuration,
      maxStalledCount: typeof opts.maxStalls === 'number' ? opts.maxStalls : (opts.maxStalls?.[kind] ?? defaultMaxStalls),
      // Finished jobs are kept per the producers' job options; these are the fallbacks.
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    });
    worker.on('error', (err: Error) => {
      if (!stopping) log.warn({ err, queue: queueNames[kind] }, 'worker error');
    });
    // A job whose workers vanished more often than BullMQ allows is failed by BullMQ itself, without
    // running the processor, so nothing else would log it (and nothing closes what it reported on GitHub).
    worker.on('failed', (job, err: Error) => {
      if (/stalled more than allowable limit/.test(err.message)) {
        log.error({ queue: queueNames[kind], jobId: job?.id, stalled: job?.stalledCounter, err: { message: err.message } }, 'job failed without running: its workers stopped responding too often (killed, or stalled longer than BOSUN_JOB_LOCK_MS)');
        if (job) {
          const message = `its workers stopped responding ${job.stalledCounter ?? 'several'} times (killed, or stalled longer than the job lock), so bosun gave up on it`;
          void abandonJob(processor, job.data, message, log, { queue: queueNames[kind], jobId: job.id });
        }
      }
    });
    workers.push(worker);
  }
  log.info({ worker: id, queues: workers.map((w) => w.name) }, 'workers started');
  // Settled here (an error is kept, not left unhandled) and reported by ready().
  const limitsSet: Promise<unknown> = opts.processors.apply && opts.applyConcurrency !== undefined
    ? setApplyConcurrency(bull, prefix, opts.applyConcurrency).then(() => undefined, (err: unknown) => err)
    : Promise.resolve(undefined);

  const waitForIdle = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (active.size > 0 && Date.now() < until) await sleep(Math.min(50, Math.max(1, until - Date.now())));
    return active.size === 0;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopping = true;
      // Stop fetching now; each close resolves once its worker's running jobs have settled.
      const closed = Promise.allSettled(workers.map((w) => w.close()));
      if (!(await waitForIdle(shutdownTimeoutMs))) {
        log.warn({ worker: id, running: active.size }, 'shutdown deadline passed: aborting running jobs and returning them to the queue');
        for (const run of active) run.abort(new JobAborted('shutdown'));
        await waitForIdle(abortGraceMs + stepTimeoutMs);
      }
      if (!(await within(closed, stepTimeoutMs))) {
        log.warn({ worker: id }, 'workers did not close in time: disconnecting');
        await within(Promise.allSettled(workers.map((w) => w.disconnect())), stepTimeoutMs);
      }
      await within(watch.close(), stepTimeoutMs);
      await within(Promise.allSettled([...childQueues.values()].map((q) => q.close())), stepTimeoutMs);
      await releaseBullConnection(childConnection);
      await releaseBullConnection(bull);
      await closeRedis(redis);
      log.info({ worker: id }, 'workers stopped');
    })();
    return closing;
  };

  return {
    id,
    ready: async () => {
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      const failed = await limitsSet;
      if (failed) throw failed;
    },
    close,
  };
}

/** The apply queue's global concurrency (src/jobs/apply-limits.ts): set, or removed for 0. */
async function setApplyConcurrency(connection: ReturnType<typeof bullConnection>, prefix: string, limit: number): Promise<void> {
  const queue = new Queue(queueNames.apply, { connection, prefix });
  try {
    if (limit > 0) await queue.setGlobalConcurrency(limit);
    else await queue.removeGlobalConcurrency();
  } finally {
    await queue.close();
  }
}

async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
