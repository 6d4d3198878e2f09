import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueDepthSource } from '../metrics.ts';
import { BosunError } from '../model/errors.ts';
import { recordApplyRequest } from './apply-order.ts';
import { assignPriority, fairnessKey, giveBackPriority, queueWaitKeys } from './fairness.ts';
import { bullConnection, closeRedis, createRedis, keyPrefixFor, releaseBullConnection, type RedisConnection } from './connection.ts';
import { applyJobId, commandJobId, planDedupId, planJobId, pushJobId, reconcileSchedulerId, stateKeys, type StateKeys } from './ids.ts';
import { defaultJobOptions, type RetryPolicy } from './job-options.ts';
import { newestPlanRequest, recordPlanRequest } from './plan-latest.ts';
import { queueNames, type ApplyJob, type ApplyRequest, type CommandJob, type EnqueueResult, type JobKind, type PlanJob, type PlanPartJob, type PushJob, type ReconcileJob } from './types.ts';

export interface ProducerOptions {
  /** Redis key prefix of the queues and of bosun's job state. Default `bosun` (`{bosun}` on Redis Cluster: see keyPrefixFor). */
  prefix?: string;
  retry?: RetryPolicy;
  /** How long a delivery id is remembered, so its redelivery is a no-op. Default 24 h. */
  seenTtlMs?: number;
  /** How long a PR's newest head SHA is kept after its last plan request. Default 30 days. */
  latestTtlMs?: number;
  /** Clock for default sequence numbers; injected in tests. */
  now?: () => number;
  /**
   * Connection errors of the producer's Redis clients. ioredis reconnects by itself and every enqueue
   * fails loudly while Redis is away (and /readyz says 503), so the default only keeps the unhandled
   * `error` events from flooding the log.
   */
  onRedisError?: (err: Error) => void;
  /**
   * Fair share between installations on the plan, command, push and apply queues (fairness.ts): one
   * installation's burst does not hold up another's jobs. Default true; false queues first come, first
   * served (benchmarks compare the two).
   */
  fairness?: boolean;
}

export interface Producers {
  readonly prefix: string;
  /**
   * Queues a plan. A plan for a newer head SHA replaces one still waiting for the same PR and makes a
   * running one abort; a request older than the PR's newest is dropped (`superseded`).
   */
  enqueuePlan(job: PlanJob): Promise<EnqueueResult>;
  /**
   * The PRs (and their base branches) last planned at head `sha`: GitHub's check-suite re-run of a fork
   * PR names no pull request, so this is how it finds the PR.
   */
  pullsForHead(repo: string, sha: string): Promise<Array<{ pr: number; baseRef: string }>>;
  /**
   * Places the PR's newest plan request again (a no-op when it is queued, running or kept to run after
   * the running plan): what a plan found stale does, so the newest head is planned even if its request
   * was lost on the way (placing it is not atomic with the PR's plan parking for its parts).
   */
  placeNewestPlan(repo: string, pr: number): Promise<void>;
  enqueueCommand(job: CommandJob): Promise<EnqueueResult>;
  /** Queues the fan-out of a push to the default branch into applies; a redelivery is a no-op. */
  enqueuePush(job: PushJob): Promise<EnqueueResult>;
  /** Queues an apply; one older than the environment's newest request or last apply is dropped. */
  enqueueApply(job: ApplyRequest): Promise<EnqueueResult>;
  /** Creates or updates the repeating reconcile of an environment every `everyMs`, the first round one interval from now. */
  ensureReconcile(job: ReconcileJob, everyMs: number): Promise<void>;
  /** Stops reconciling an environment; false when it was not scheduled. */
  removeReconcile(repo: string, env: string): Promise<boolean>;
  /** The environments of a repository with a repeating reconcile, and their intervals. */
  listReconciles(repo: string): Promise<Array<{ env: string; everyMs: number; job?: ReconcileJob }>>;
  /** Queues one reconcile of an environment now (operators, tests); the job layer skips it while the environment is busy. */
  enqueueReconcile(job: ReconcileJob): Promise<EnqueueResult>;
  depthSources(): QueueDepthSource[];
  close(): Promise<void>;
}

const day = 24 * 3600 * 1000;

/** Job states in which a job can still be removed instead of run. */
const notStarted = new Set(['waiting', 'delayed', 'prioritized', 'paused', 'wait']);

/**
 * The enqueue side of the job layer, used by the webhook handlers and by processors that start other
 * jobs (a `/bosun apply` command). Every job id is derived from the webhook's delivery id.
 */
export function createProducers(connection: RedisConnection, opts: ProducerOptions = {}): Producers {
  const prefix = keyPrefixFor(connection, opts.prefix);
  const seenTtlMs = opts.seenTtlMs ?? day;
  const latestTtlMs = opts.latestTtlMs ?? 30 * day;
  const now = opts.now ?? Date.now;
  const keys: StateKeys = stateKeys(prefix);
  const redis: Redis = createRedis(connection, { name: 'bosun-producer' });
  const jobOptions = defaultJobOptions(opts.retry);
  // One BullMQ connection for the queues: options (each queue makes its own client), or one Cluster client.
  const bull = bullConnection(connection);
  const queueOf = (kind: JobKind): Queue => new Queue(queueNames[kind], { connection: bull, prefix, defaultJobOptions: jobOptions });
  const queues = {
    plan: queueOf('plan') as Queue<PlanJob>,
    command: queueOf('command') as Queue<CommandJob>,
    apply: queueOf('apply') as Queue<ApplyJob>,
    reconcile: queueOf('reconcile') as Queue<ReconcileJob>,
    push: queueOf('push') as Queue<PushJob>,
    // Only plan jobs add parts (as their children); here for its depth.
    planPart: queueOf('planPart') as Queue<PlanPartJob>,
  };
  const onRedisError = opts.onRedisError ?? (() => undefined);
  redis.on('error', onRedisError);
  for (const queue of Object.values(queues)) (queue as Queue).on('error', onRedisError);

  const fair = opts.fairness ?? true;

  /**
   * Adds a job after its request was recorded; forgets the delivery again when the add fails. On a fair
   * queue the job gets its installation's next priority, or `priority` (the place of a job it replaces).
   */
  const add = async (queue: Queue, name: string, data: { installationId: number }, jobId: string, extra: JobsOptions = {}, priority?: number): Promise<string> => {
    const fairKey = fairnessKey(prefix, queue.name);
    const assigned = fair && priority === undefined ? await assignPriority(redis, fairKey, queueWaitKeys(queue.keys), data.installationId) : undefined;
    const withPriority = fair ? { priority: priority ?? assigned } : {};
    try {
      const job = await queue.add(name, data, { ...extra, ...withPriority, jobId });
      // Joined a job already queued (same plan): its priority was not used.
      if (assigned !== undefined && job.id !== undefined && job.id !== jobId) await giveBackPriority(redis, fairKey, data.installationId, assigned);
      return job.id ?? jobId;
    } catch (err) {
      await redis.del(keys.seen(queue.name, jobId)).catch(() => undefined);
      throw err;
    }
  };

  /**
   * Removes the PR's waiting plan when it is for another head SHA, so the new one takes its place: its
   * priority, returned when the removal succeeded (the PR keeps its turn among the installations').
   */
  const dropWaitingPlan = async (job: PlanJob): Promise<number | undefined> => {
    const waitingId = await queues.plan.getDeduplicationJobId(planDedupId(job.repo.fullName, job.pr));
    if (!waitingId) return undefined;
    const waiting = await queues.plan.getJob(waitingId);
    if (!waiting || waiting.data.headSha === job.headSha) return undefined;
    const state = await waiting.getState();
    if (state === 'waiting-children') {
      // A plan waiting for its parts (plan-parts.ts) is not active, so BullMQ would drop the newer request
      // as its duplicate instead of keeping it for later: the parked plan lets go of the PR's deduplication
      // id. Its parts stop as superseded, and it completes as superseded without posting.
      await waiting.removeDeduplicationKey();
      return undefined;
    }
    if (!notStarted.has(state)) return undefined;
    // It may become active between the check and the removal: then the removal fails, the worker
    // learns from the newest-SHA record that it is stale, and the new job waits for it to finish.
    const removed = await waiting.remove().then(() => true, () => false);
    return removed && waiting.priority > 0 ? waiting.priority : undefined;
  };

  /**
   * Puts a plan request in the PR's place in the queue: instead of a waiting plan for another SHA, or
   * behind the running one. keepLastIfActive: while a plan for this PR runs, the newest request waits for
   * it (at most one running and one waiting per PR); a request for the SHA already waiting joins that job.
   * The PR's plan can park (move to waiting-children) between dropWaitingPlan's look and the add: BullMQ
   * then keeps the request neither as the PR's job nor as the one after the running plan (it does so only
   * for an active job) but drops it as a duplicate of the parked plan, so the add is tried again, and
   * dropWaitingPlan then sees the parked plan and lets go of its deduplication id.
   */
  const placePlan = async (job: PlanJob, jobId: string): Promise<string> => {
    for (let tries = 1; ; tries++) {
      const place = await dropWaitingPlan(job);
      const id = await add(queues.plan, 'plan', job, jobId, { deduplication: { id: planDedupId(job.repo.fullName, job.pr), keepLastIfActive: true } }, place);
      if (id === jobId || tries >= 3) return id;
      const joined = await queues.plan.getJob(id);
      if (!joined || joined.data.headSha === job.headSha || (await joined.getState()) !== 'waiting-children') return id;
    }
  };

  /**
   * Recording a request is atomic, placing it is not: it takes several Redis calls after the record. A
   * newer request for the same PR recorded meanwhile (another webhook, a `/bosun plan` on another worker)
   * can be placed first and then undone by this one's placing — its waiting job removed as "for another
   * SHA", or its place behind the running plan taken — and the PR's newest head would never be planned.
   * So after placing, the newest recorded request is placed again until it is the one placed last.
   * Placing a request twice changes nothing: its job id is taken, or it joins the same waiting job.
   */
  const placeNewest = async (repo: string, pr: number, placedId?: string): Promise<void> => {
    let last = placedId;
    // Each round needs a request newer than the last one placed: a handful at most.
    for (let round = 0; round < 16; round++) {
      const newest = await newestPlanRequest(redis, keys, repo, pr);
      if (!newest) return;
      const id = planJobId(newest);
      if (id === last) return;
      await placePlan(newest, id);
      last = id;
    }
  };

  return {
    prefix,

    async enqueuePlan(request) {
      checkCommon(request);
      checkPositive(request.pr, 'pr');
      checkText(request.headSha, 'headSha');
      const job: PlanJob & { seq: number } = { ...request, seq: request.seq ?? now() };
      const jobId = planJobId(job);
      const recorded = await recordPlanRequest(redis, keys, job, keys.seen(queues.plan.name, jobId), { seenTtlMs, latestTtlMs });
      if (recorded.status !== 'latest') return { ...recorded, jobId };
      const head = keys.planHead(job.repo.fullName, job.headSha);
      await redis.multi().hset(head, String(job.pr), job.baseRef).pexpire(head, latestTtlMs).exec();
      const id = await placePlan(job, jobId);
      await placeNewest(job.repo.fullName, job.pr, jobId);
      return { status: 'queued', jobId: id };
    },

    placeNewestPlan: (repo, pr) => placeNewest(repo, pr),

    async pullsForHead(repo, sha) {
      const found = await redis.hgetall(keys.planHead(repo, sha));
      return Object.entries(found).map(([pr, baseRef]) => ({ pr: Number(pr), baseRef })).sort((a, b) => a.pr - b.pr);
    },

    async enqueueCommand(job) {
      checkCommon(job);
      checkPositive(job.pr, 'pr');
      const jobId = commandJobId(job);
      const fresh = await redis.set(keys.seen(queues.command.name, jobId), '1', 'PX', seenTtlMs, 'NX');
      if (fresh === null) return { status: 'duplicate', jobId };
      return { status: 'queued', jobId: await add(queues.command, 'command', job, jobId) };
    },

    async enqueuePush(job) {
      checkCommon(job);
      checkText(job.after, 'after');
      const jobId = pushJobId(job);
      const fresh = await redis.set(keys.seen(queues.push.name, jobId), '1', 'PX', seenTtlMs, 'NX');
      if (fresh === null) return { status: 'duplicate', jobId };
      return { status: 'queued', jobId: await add(queues.push, 'push', job, jobId) };
    },

    async enqueueApply(request) {
      checkCommon(request);
      checkText(request.env, 'env');
      checkText(request.sha, 'sha');
      const job: ApplyJob = { ...request, seq: request.seq ?? now() };
      if (!Number.isFinite(job.seq)) throw usage(`apply seq must be a number (a commit timestamp in ms), got ${String(job.seq)}`, 'seq');
      const jobId = applyJobId(job);
      const recorded = await recordApplyRequest(redis, keys, job, keys.seen(queues.apply.name, jobId), seenTtlMs);
      if (recorded.status !== 'latest') return { ...recorded, jobId };
      return { status: 'queued', jobId: await add(queues.apply, 'apply', job, jobId) };
    },

    async ensureReconcile(job, everyMs) {
      checkText(job.env, 'env');
      checkText(job.repo?.fullName, 'repo.fullName');
      if (!Number.isInteger(everyMs) || everyMs < 1) throw usage(`reconcile interval must be a positive whole number of ms, got ${everyMs}`, 'everyMs');
      const data: ReconcileJob = { installationId: job.installationId, repo: job.repo, env: job.env };
      // A missed round is made up by the next one: no retries, and only recent runs are kept.
      await queues.reconcile.upsertJobScheduler(
        reconcileSchedulerId(job.repo.fullName, job.env),
        // BullMQ runs an `every` scheduler's first round at once; right after a merge the cluster is behind on
        // purpose (its applies are queued), so the first check comes one interval later.
        { every: everyMs, startDate: Date.now() + everyMs },
        { name: 'reconcile', data, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
      );
    },

    async removeReconcile(repo, env) {
      return queues.reconcile.removeJobScheduler(reconcileSchedulerId(repo, env));
    },

    async listReconciles(repo) {
      const start = reconcileSchedulerId(repo, '');
      const out: Array<{ env: string; everyMs: number; job?: ReconcileJob }> = [];
      for (const s of await queues.reconcile.getJobSchedulers(0, -1, true)) {
        const id = s.key ?? s.id ?? '';
        if (!id.startsWith(start) || typeof s.every !== 'number') continue;
        out.push({ env: decodeURIComponent(id.slice(start.length)), everyMs: s.every, ...(s.template?.data ? { job: s.template.data } : {}) });
      }
      return out.sort((a, b) => a.env.localeCompare(b.env));
    },

    async enqueueReconcile(job) {
      checkText(job.env, 'env');
      checkPositive(job.installationId, 'installationId');
      checkText(job.repo?.fullName, 'repo.fullName');
      const data: ReconcileJob = { installationId: job.installationId, repo: job.repo, env: job.env };
      // Not deduplicated: each request is one more check; a check of a busy environment is skipped.
      const added = await queues.reconcile.add('reconcile', data, { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } });
      return { status: 'queued', jobId: added.id ?? '' };
    },

    depthSources() {
      return Object.values(queues).map((queue) => ({ queue: queue.name, counts: () => queue.getJobCounts() }));
    },

    async close() {
      await Promise.all(Object.values(queues).map((queue) => queue.close().catch(() => undefined)));
      await releaseBullConnection(bull);
      await closeRedis(redis);
    },
  };
}

function usage(message: string, field: string): BosunError {
  return new BosunError({ kind: 'usage', message, field });
}

function checkText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) throw usage(`job field ${field} must be a non-empty string`, field);
}

function checkPositive(value: unknown, field: string): void {
  if (!Number.isInteger(value) || (value as number) < 1) throw usage(`job field ${field} must be a positive whole number, got ${String(value)}`, field);
}

function checkCommon(job: { deliveryId: string; installationId: number; repo: { fullName: string } }): void {
  checkText(job.deliveryId, 'deliveryId');
  checkPositive(job.installationId, 'installationId');
  checkText(job.repo?.fullName, 'repo.fullName');
}
