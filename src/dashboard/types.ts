import type { ApplyTrigger, DriftState, HealthVerdict } from '../jobs.ts';

/**
 * What the dashboard shows, as plain data: collect.ts builds it from Redis, render.ts turns it into
 * HTML and /dashboard/api/status serves it as JSON. Links are absolute GitHub web URLs; every text
 * that came from an error or a tool is already scrubbed. No token or secret value is ever in here.
 */
export interface DashboardData {
  /** When the data was read (epoch ms); relative times are computed against it. */
  generatedAt: number;
  environments: EnvironmentRow[];
  /** Newest first. */
  jobs: JobRow[];
  queues: QueueRow[];
}

export interface CommitRef {
  sha: string;
  url: string;
}

export interface PullRef {
  number: number;
  url: string;
}

export interface AppliedRow {
  commit: CommitRef;
  /** Finished (epoch ms). */
  at: number;
  durationMs: number;
  trigger: ApplyTrigger;
  ok: boolean;
  health: HealthVerdict;
  summary: string;
  checkRunUrl?: string;
  pr?: PullRef;
  requestedBy?: string;
}

export interface EnvironmentRow {
  repo: string;
  repoUrl: string;
  env: string;
  /** The newest successful apply: what the cluster runs. */
  applied?: AppliedRow;
  /** The last apply when it failed (it then differs from `applied`). */
  failedAttempt?: AppliedRow;
  drift?: {
    state: DriftState;
    checkedAt: number;
    commit: CommitRef;
    drifted: number;
    summary: string;
    issue?: { number?: number; url: string };
  };
  pin?: {
    commit: CommitRef;
    reason: string;
    at: number;
    by?: string;
    revertPr?: PullRef;
  };
  /** The pull request holding the environment lock. */
  lock?: {
    pr: PullRef;
    by: string;
    acquiredAt: number;
    expiresAt: number;
  };
  /** A job holds the environment lease (it is applying or reconciling now). */
  lease: { held: boolean; job?: { queue: string; id: string } };
}

export type JobState = 'active' | 'waiting' | 'prioritized' | 'delayed' | 'completed' | 'failed';

/** done/superseded/skipped come from a completed job's return value (JobOutcome). */
export type JobResult = 'running' | 'queued' | 'done' | 'superseded' | 'skipped' | 'failed';

export interface JobRow {
  queue: string;
  id: string;
  name: string;
  state: JobState;
  result: JobResult;
  /** Why it was superseded or skipped, or why it failed (scrubbed). */
  message?: string;
  repo?: string;
  env?: string;
  pr?: PullRef;
  commit?: CommitRef;
  checkRunUrl?: string;
  /** Enqueued, started, finished (epoch ms). */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Finished − started; for a running job, how long it has run so far. */
  durationMs?: number;
  attempts: number;
}

export interface QueueRow {
  name: string;
  counts: Record<string, number>;
}
