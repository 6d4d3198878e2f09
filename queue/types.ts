import type { JobDataByKind, JobKind, Newer, QueueName } from '../src/jobs.ts';
import type { ApplySlotWait } from '../src/jobs/apply-slots.ts';
import type { Logger } from './log.ts';

/** What a processor gets besides its job's data. */
export interface JobContext {
  /**
   * Aborted when the job's result would no longer be wanted or cannot be kept: a newer head SHA for
   * the PR (plans), worker shutdown past its deadline, a lost environment lease. `signal.reason` is a
   * JobAborted saying which.
   */
  signal: AbortSignal;
  /** `attempts`: runs allowed in all, the first included; the run is the last when attemptsMade + 1 >= attempts. */
  job: { id: string; queue: QueueName; attemptsMade: number; attempts?: number; /** When it was queued (epoch ms). */ enqueuedAt?: number };
  /** Records a progress line on the job (and in the log). Never throws. */
  progress(message: string): Promise<void>;
  /**
   * Asks Redis now whether a newer request made this job stale. Check it right before posting a
   * result as current: the signal may fire a moment late.
   */
  supersededBy(): Promise<Newer | undefined>;
  log: Logger;
  /**
   * Waits for this job's turn to apply to the registered `cluster` under the apply limits every apply to a
   * cluster counts against (per cluster and global: src/jobs/apply-limits.ts), takes it and holds it until
   * released. An apply job already holds its turn when its processor runs; an apply inside another job (a
   * `/bosun apply` before merge, a self-heal) asks here before it touches the cluster and releases after its
   * end is posted. Rejects with the signal's reason when the job is aborted while it waits. `onWait` is
   * told once, when no turn was free at once (what it waits for: src/jobs/apply-slots.ts applySlotWaitText).
   */
  applySlot(cluster: string, opts?: { onWait?: (wait: ApplySlotWait) => void }): Promise<{ release(): Promise<void> }>;
  /** Child jobs of this job (BullMQ's parent/child): see JobChildren. */
  children: JobChildren;
}

/** A job queued as a child of the running one. */
export interface ChildJob<K extends JobKind = JobKind> {
  kind: K;
  /** Its job id: queuing the same child twice queues it once. */
  id: string;
  data: JobDataByKind[K];
}

/** What this job's children did so far, by child job id. */
export interface ChildrenStatus {
  /** Children queued under this job (finished or not). */
  total: number;
  /** Not finished yet. */
  pending: number;
  /** Each finished child's outcome (its JobOutcome as stored by the runtime). */
  values: Map<string, unknown>;
  /** Each child that failed its last attempt: why. */
  failed: Map<string, string>;
}

export interface JobChildren {
  status(): Promise<ChildrenStatus>;
  /** How many worker processes take jobs of `kind` now (each runtime counts once, whatever its concurrency). */
  workers(kind: JobKind): Promise<number>;
  /**
   * Queues the children (on their kinds' queues, as children of this job), then parks this job until
   * every one finished — without holding a worker slot: the processor is run again from the start then,
   * and finds them in status(). Rejects with the runtime's "waiting" signal, which the processor must let
   * through; resolves only when nothing was left to wait for. A child that fails its last attempt does
   * not fail this job: it is listed in status().failed.
   */
  waitFor(children: ChildJob[]): Promise<void>;
}

export type Processor<D, R = unknown> = ((data: D, ctx: JobContext) => Promise<R>) & {
  /**
   * Called when the job layer completes a job as superseded without running the processor (an apply
   * older than its environment's newest request), so the processor can say so where users look.
   */
  superseded?: (data: D, by: Newer | undefined, ctx: JobContext) => Promise<void>;
  /**
   * Called when BullMQ fails the job without running the processor because its workers vanished more
   * often than allowed (killed mid-job, twice), so the processor can close what it left open on GitHub.
   */
  abandoned?: (data: D, message: string) => Promise<void>;
  /**
   * Asked before an apply takes its environment's lease (promotion order: production waits for
   * staging). `wait`: the job is delayed without using an attempt and asks again later; `stop`: it
   * completes without running (the hook has already said why where users look); `go`: it runs.
   */
  ready?: (data: D, ctx: JobContext) => Promise<Readiness>;
};

export type Readiness = { status: 'go' } | { status: 'wait'; retryInMs: number; message: string } | { status: 'stop'; message: string };

export type Processors = { [K in JobKind]?: Processor<JobDataByKind[K]> };
