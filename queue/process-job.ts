import { DelayedError, UnrecoverableError, WaitingChildrenError, WaitingError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  acquireEnvLease,
  applySlotName,
  applySupersededBy,
  clusterBusyDelayMs,
  enterApply,
  holdApplySlots,
  isPermanent,
  isSuperseded,
  leaveApply,
  releaseEnvLease,
  retryAfterMsOf,
  waitForApplySlots,
  type ApplyJob,
  type ApplyLimits,
  type ApplySlot,
  type HeldApplySlots,
  type JobDataByKind,
  type JobKind,
  type JobOutcome,
  type Newer,
  type PlanJob,
  type PlanPartJob,
  type ReconcileJob,
  type StateKeys,
} from '../src/jobs.ts';
import type { JobRunOutcome, Metrics } from '../src/metrics.ts';
import { scrub } from '../src/util/scrub.ts';
import { JobAborted, JobRun } from './job-run.ts';
import { keepLease, type LeaseKeeper } from './lease-keeper.ts';
import type { Logger } from './log.ts';
import type { SupersedeWatch } from './supersede-watch.ts';
import type { ChildrenStatus, JobContext, Processor } from './types.ts';

export interface HandlerDeps {
  redis: Redis;
  keys: StateKeys;
  log: Logger;
  metrics?: Metrics;
  watch: SupersedeWatch;
  /** Runs in progress, for shutdown. */
  active: Set<JobRun>;
  stopping: () => boolean;
  /** A token unique to this worker process, part of every lease token. */
  workerId: string;
  leaseMs: number;
  busyRetryMs: number;
  abortGraceMs: number;
  maxRetryAfter: number;
  /** Applies at once per cluster and across all workers (src/jobs/apply-limits.ts), for every apply, in a job of its own or not. */
  applyLimits: ApplyLimits;
  /** The queue of each kind a job may queue children on (JobContext.children). */
  childQueue: (kind: JobKind) => Queue;
}

/** Thrown after the handler moved the job itself (back to wait, or delayed): not a failure. */
type Moved = DelayedError | WaitingError;

/** Moved by the job itself (JobContext.children.waitFor) or by the handler: not a failure. */
function isMoved(err: unknown): boolean {
  return err instanceof DelayedError || err instanceof WaitingError || err instanceof WaitingChildrenError;
}

/**
 * Wraps a processor into a BullMQ processor. Around the call it enforces the job layer's rules:
 * stale plans and applies complete as `superseded` without running; an environment is changed by one
 * job at a time (applies wait for the lease, reconciles skip a round); `retry-after` delays without
 * using an attempt; permanent errors are not retried; on shutdown an unfinished job goes back to the
 * queue. Error text is scrubbed before BullMQ stores it.
 */
export function jobHandler<K extends JobKind>(kind: K, processor: Processor<JobDataByKind[K]>, deps: HandlerDeps) {
  const { redis, keys, log } = deps;

  return async (job: Job<JobDataByKind[K]>, token?: string, bullSignal?: AbortSignal): Promise<JobOutcome> => {
    const started = performance.now();
    const jobId = job.id ?? '';
    const run = new JobRun(job.queueName, jobId);
    const fields = { queue: job.queueName, jobId, attempt: job.attemptsMade + 1 };
    const lockToken = token ?? '';
    const leaseToken = `${deps.workerId}:${jobId}:${lockToken}`;
    const onCancel = (): void => run.abort(new JobAborted('cancelled'));
    bullSignal?.addEventListener('abort', onCancel, { once: true });
    deps.active.add(run);

    let outcome: JobRunOutcome = 'failed';
    let unwatch: (() => void) | undefined;
    let lease: LeaseKeeper | undefined;
    let holdsEnv = false;
    let applySlots: HeldApplySlots | undefined;
    let succeeded = false;

    const moveToWait = async (): Promise<Moved> => {
      await job.moveToWait(lockToken);
      outcome = 'requeued';
      return new WaitingError();
    };
    const moveToDelayed = async (ms: number): Promise<Moved> => {
      await job.moveToDelayed(Date.now() + ms, lockToken);
      outcome = 'delayed';
      return new DelayedError();
    };
    const superseded = (by: Newer | undefined, message: string): JobOutcome => {
      outcome = 'superseded';
      log.info({ ...fields, by }, message);
      return { status: 'superseded', by, message };
    };
    const holdEnv = (repo: string, env: string): void => {
      holdsEnv = true;
      lease = keepLease({ redis, keys, repo, env, token: leaseToken, leaseMs: deps.leaseMs, log, onLost: () => run.abort(new JobAborted('lease-lost')) });
    };

    try {
      // Fetched just as the worker began to stop: leave it to another worker.
      if (deps.stopping()) throw await moveToWait();

      if (kind === 'plan' || kind === 'planPart') {
        const plan = job.data as PlanJob | PlanPartJob;
        // Watch before checking, so a newer SHA recorded in between is caught by one or the other.
        unwatch = deps.watch.watch(plan as PlanJob, (by) => run.abort(new JobAborted('superseded', by)));
        const by = await isSuperseded(redis, keys, 'plan', plan as PlanJob);
        if (by) {
          // A plan resumed after its parts rendered has check runs open: its processor closes them.
          if (kind === 'plan' && processor.superseded) {
            await processor.superseded(job.data, by, contextFor(job, run, kind, deps, lockToken))
              .catch((err: unknown) => log.warn({ ...fields, err: scrubbed(err) }, 'could not report the superseded plan'));
          }
          return superseded(by, `plan for ${plan.headSha.slice(0, 12)} skipped: the PR has a newer head`);
        }
      } else if (kind === 'apply') {
        const apply = job.data as ApplyJob;
        // Promotion: asked before the lease, so an apply waiting for staging holds nothing, and only when
        // not already stale (a superseded apply waits for nobody; the gate below reports it).
        if (processor.ready && !(await applySupersededBy(redis, keys, apply))) {
          const ready = await processor.ready(job.data, contextFor(job, run, kind, deps, lockToken));
          if (ready.status === 'wait') {
            log.info({ ...fields, waitMs: ready.retryInMs }, ready.message);
            throw await moveToDelayed(ready.retryInMs);
          }
          if (ready.status === 'stop') {
            outcome = 'skipped';
            log.info(fields, ready.message);
            return { status: 'skipped', message: ready.message };
          }
        }
        const gate = await enterApply(redis, keys, apply, leaseToken, deps.leaseMs);
        if (gate.status === 'superseded') {
          if (processor.superseded) {
            // Reporting is best effort: the job is superseded either way.
            await processor.superseded(job.data, gate.by, contextFor(job, run, kind, deps, lockToken))
              .catch((err: unknown) => log.warn({ ...fields, err: scrubbed(err) }, 'could not report the superseded job'));
          }
          return superseded(gate.by, `apply of ${apply.sha.slice(0, 12)} to ${apply.env} skipped: a newer commit was requested or applied`);
        }
        if (gate.status === 'busy') {
          // Another job is changing this environment: come back later without using an attempt.
          throw await moveToDelayed(Math.min(deps.busyRetryMs, Math.max(gate.retryInMs, 50)));
        }
        holdEnv(apply.repo.fullName, apply.env);
        // The apply limits (its cluster's, the global one), taken after the environment's own lease so an
        // apply waiting for a busy environment holds no slot. A full one: back to the queue without using
        // an attempt; the finally below gives the environment lease back.
        const grant = await holdApplySlots({ redis, keys, token: leaseToken, cluster: apply.cluster, limits: deps.applyLimits, leaseMs: deps.leaseMs, onLost: slotLost(log, fields) });
        if (grant.status === 'busy') {
          log.info({ ...fields, cluster: apply.cluster, holders: grant.holders }, `${applySlotName(grant.slot)} runs its limit of applies; this one waits`);
          throw await moveToDelayed(clusterBusyDelayMs(grant.firstExpiryInMs, deps.busyRetryMs));
        }
        applySlots = grant.slots;
      } else if (kind === 'reconcile') {
        const target = job.data as ReconcileJob;
        if (!(await acquireEnvLease(redis, keys, target.repo.fullName, target.env, leaseToken, deps.leaseMs))) {
          outcome = 'skipped';
          return { status: 'skipped', message: `${target.env} is being changed by another job; the next round reconciles it` };
        }
        holdEnv(target.repo.fullName, target.env);
      }

      const ctx = contextFor(job, run, kind, deps, lockToken);
      const value = await run.settle(processor(job.data, ctx), deps.abortGraceMs);
      succeeded = true;
      const aborted = run.aborted;
      if (aborted?.reason === 'superseded') return superseded(aborted.by, 'finished, but a newer request superseded it: not current');
      outcome = 'done';
      return { status: 'done', value };
    } catch (err) {
      if (err instanceof WaitingChildrenError) outcome = 'waiting';
      if (isMoved(err)) throw err;
      const aborted = run.aborted;
      if (aborted?.reason === 'superseded') return superseded(aborted.by, 'aborted: a newer request superseded it');
      if (aborted?.reason === 'shutdown') throw await moveToWait();
      if (aborted?.reason === 'lease-lost') throw await moveToDelayed(deps.busyRetryMs);
      const waitMs = retryAfterMsOf(err);
      if (waitMs !== undefined && (await countRetryAfter(redis, keys.retryAfter(job.queueName, jobId))) <= deps.maxRetryAfter) {
        log.info({ ...fields, waitMs }, 'asked to wait; the job runs again later');
        throw await moveToDelayed(waitMs);
      }
      const safe = scrubbed(err);
      if (isPermanent(err)) {
        log.error({ ...fields, err: safe }, 'job failed and will not be retried');
        const permanent = new UnrecoverableError(safe.message);
        permanent.stack = safe.stack;
        throw permanent;
      }
      const attempts = job.opts.attempts ?? 1;
      outcome = job.attemptsMade + 1 < attempts ? 'retrying' : 'failed';
      log.warn({ ...fields, err: safe }, outcome === 'retrying' ? 'job failed; it will be retried' : 'job failed on its last attempt');
      // Asked to wait more often than allowed (GitHub's rate limit, a cluster away): the processor left the
      // reporting to the waits, so nothing would say the job ended — its abandoned hook closes what it opened.
      if (outcome === 'failed' && waitMs !== undefined) {
        await abandonJob(processor, job.data, `it was asked to wait ${deps.maxRetryAfter} times and still could not finish (${safe.message}), so bosun gave up on it`, log, fields);
      }
      throw safe;
    } finally {
      bullSignal?.removeEventListener('abort', onCancel);
      unwatch?.();
      lease?.stop();
      // A processor still running after the grace period keeps the environment until its lease runs
      // out, so another job cannot start changing the same environment underneath it.
      if (holdsEnv && run.processorSettled) await releaseEnv(kind, job.data, leaseToken, succeeded, deps);
      if (applySlots && run.processorSettled) await applySlots.release();
      deps.active.delete(run);
      deps.metrics?.jobFinished(job.queueName, outcome, (performance.now() - started) / 1000);
    }
  };
}

function slotLost(log: Logger, fields: Record<string, unknown>) {
  return (slot: ApplySlot): void => log.warn({ ...fields, slot: applySlotName(slot) }, `lost a slot of ${applySlotName(slot)} (Redis out of reach for a whole lease): it may briefly run one apply more than its limit`);
}

function contextFor<K extends JobKind>(job: Job<JobDataByKind[K]>, run: JobRun, kind: K, deps: HandlerDeps, lockToken: string): JobContext {
  const fields = { queue: job.queueName, jobId: job.id };
  let turns = 0;
  const log = {
    info: (more: Record<string, unknown>, msg: string) => deps.log.info({ ...fields, ...more }, msg),
    warn: (more: Record<string, unknown>, msg: string) => deps.log.warn({ ...fields, ...more }, msg),
    error: (more: Record<string, unknown>, msg: string) => deps.log.error({ ...fields, ...more }, msg),
  };
  const ctx: JobContext = {
    signal: run.signal,
    job: { id: job.id ?? '', queue: job.queueName as JobContext['job']['queue'], attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1, enqueuedAt: job.timestamp },
    async progress(message) {
      const text = scrub(message);
      log.info({}, text);
      await job.updateProgress({ message: text, at: Date.now() }).catch((err: unknown) => log.warn({ err }, 'could not record progress'));
    },
    supersededBy: () => isSuperseded(deps.redis, deps.keys, kind, job.data),
    log,
    applySlot: (cluster, opts) => {
      let told = false;
      return waitForApplySlots({
        redis: deps.redis,
        keys: deps.keys,
        token: `${deps.workerId}:${job.id ?? ''}:${lockToken}:turn-${++turns}`,
        cluster,
        limits: deps.applyLimits,
        leaseMs: deps.leaseMs,
        busyRetryMs: deps.busyRetryMs,
        signal: run.signal,
        onLost: slotLost(deps.log, fields),
        onWait: (busy) => {
          if (told) return;
          told = true;
          void ctx.progress(`${applySlotName(busy.slot)} runs its limit of applies (${busy.holders}); this apply waits for its turn`);
          opts?.onWait?.(busy);
        },
      });
    },
    children: {
      status: () => childrenStatus(job),
      // BullMQ lists the client connections of the queue's workers, each named `<prefix>:<queue>:w:<worker
      // name>`; a runtime names all of its workers `bosun-<id>`, so each process counts once.
      workers: async (kind) => new Set((await deps.childQueue(kind).getWorkers()).map((w) => String(w.rawname ?? '').split(':w:')[1]).filter(Boolean)).size,
      async waitFor(children) {
        const parent = { id: job.id ?? '', queue: job.queueQualifiedName };
        for (const child of children) {
          // A child that fails its last attempt is listed among the parent's failed children instead of
          // failing the parent, which then reports it. Finished children are not kept: BullMQ copies each
          // one's return value into the parent's record, which lives as long as the parent job.
          await deps.childQueue(child.kind).add(child.kind, child.data, { jobId: child.id, parent, ignoreDependencyOnFailure: true, removeOnComplete: true });
        }
        if (await job.moveToWaitingChildren(lockToken)) throw new WaitingChildrenError();
      },
    },
  };
  return ctx;
}

async function childrenStatus(job: Job): Promise<ChildrenStatus> {
  const counts = await job.getDependenciesCount();
  const pending = counts.unprocessed ?? 0;
  const total = pending + (counts.processed ?? 0) + (counts.ignored ?? 0) + (counts.failed ?? 0);
  if (total === 0) return { total, pending, values: new Map(), failed: new Map() };
  const [values, failed] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
  // Keyed by `<prefix>:<queue>:<job id>`; job ids never contain ':'.
  const byId = <T>(entries: Record<string, T>) => new Map(Object.entries(entries).map(([key, value]) => [key.slice(key.lastIndexOf(':') + 1), value]));
  return { total, pending, values: byId(values), failed: byId(failed) };
}

async function releaseEnv(kind: JobKind, data: unknown, leaseToken: string, succeeded: boolean, deps: HandlerDeps): Promise<void> {
  try {
    if (kind === 'apply') await leaveApply(deps.redis, deps.keys, data as ApplyJob, leaseToken, succeeded);
    else {
      const target = data as ReconcileJob;
      await releaseEnvLease(deps.redis, deps.keys, target.repo.fullName, target.env, leaseToken);
    }
  } catch (err) {
    // The lease runs out by itself; "last applied" is only an optimisation over the newest request.
    deps.log.warn({ err }, 'could not release the environment lease');
  }
}

async function countRetryAfter(redis: Redis, key: string): Promise<number> {
  const [[, count]] = (await redis.multi().incr(key).pexpire(key, 24 * 3600 * 1000).exec()) as [[Error | null, number], unknown];
  return Number(count);
}

/** The error BullMQ stores (message and stack trace): scrubbed of secrets. */
/** Lets a processor close what a job bosun gave up on left open (its `abandoned` hook); a failure to is logged. */
export async function abandonJob(processor: Processor<never>, data: unknown, message: string, log: Logger, fields: Record<string, unknown>): Promise<void> {
  if (!processor.abandoned) return;
  await (processor.abandoned as (data: unknown, message: string) => Promise<void>)(data, message)
    .catch((e: unknown) => log.warn({ ...fields, err: scrubbed(e) }, 'could not report the abandoned job'));
}

function scrubbed(err: unknown): Error {
  const source = err instanceof Error ? err : new Error(String(err));
  const safe = new Error(scrub(source.message));
  safe.name = source.name;
  safe.stack = scrub(source.stack ?? `${source.name}: ${source.message}`);
  return safe;
}
