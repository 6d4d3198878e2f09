/**
 * Job payloads as they are stored in Redis. They hold ids and names only: never tokens or secrets.
 * Workers authenticate per installation when they run.
 */

export const queueNames = {
  plan: 'bosun-plan',
  command: 'bosun-command',
  apply: 'bosun-apply',
  reconcile: 'bosun-reconcile',
  push: 'bosun-push',
  /** Parts of a plan fanned out to several workers (plan-parts.ts): each renders some of its environments. */
  planPart: 'bosun-plan-part',
} as const;

export type JobKind = keyof typeof queueNames;
export type QueueName = (typeof queueNames)[JobKind];

export const jobKinds: readonly JobKind[] = ['plan', 'command', 'apply', 'reconcile', 'push', 'planPart'];

export interface RepoRef {
  owner: string;
  name: string;
  /** `owner/name` as GitHub spells it. */
  fullName: string;
  cloneUrl: string;
  defaultBranch: string;
}

export type PlanReason = 'opened' | 'synchronize' | 'reopened' | 'command' | 'rerequested' | 'locks';

export interface PlanJob {
  /** `X-GitHub-Delivery` of the webhook that asked for this plan. */
  deliveryId: string;
  installationId: number;
  repo: RepoRef;
  pr: number;
  headSha: string;
  baseRef: string;
  baseSha?: string;
  /** Only these environments; all affected ones when absent. */
  envs?: string[];
  reason: PlanReason;
  /** The `/bosun plan` comment that asked for it, to react to. */
  commentId?: number;
  /**
   * Order of plan requests for this PR (epoch ms; larger is newer). A request older than the newest one
   * seen is dropped. Producers fill it with the enqueue time when the caller gives none.
   */
  seq?: number;
}

/**
 * One part of a plan fanned out into child jobs (a BullMQ child of the plan job `parentId`): renders,
 * validates and diffs only `envs` of the plan's commits and returns their reports. It is stale when the
 * plan is (a newer head for the PR).
 */
export interface PlanPartJob extends Omit<PlanJob, 'envs' | 'commentId'> {
  /** The plan job this part belongs to. */
  parentId: string;
  /** Which part (0-based) of how many. */
  part: number;
  parts: number;
  /** The affected environments this part renders. */
  envs: string[];
  /** When the plan job started (epoch ms): the plan's time budget (BOSUN_PLAN_TIMEOUT) is the whole plan's, counted from there. */
  planStartedAt?: number;
}

export interface CommandUser {
  login: string;
  id: number;
}

export interface CommandJob {
  deliveryId: string;
  installationId: number;
  repo: RepoRef;
  pr: number;
  commentId: number;
  /** The comment text; commands are parsed in the worker. */
  body: string;
  user: CommandUser;
}

/**
 * `heal`: a reconcile re-applied the environment to undo drift (selfHeal). `pre-merge`: `/bosun apply`
 * applied a pull request's head before merge (recorded, never an apply job: its commit is not on the
 * default branch, so rollbacks and drift baselines do not go back to it).
 */
export type ApplyTrigger = 'merge' | 'command' | 'sync' | 'rollback' | 'heal' | 'pre-merge';

export interface ApplyJob {
  deliveryId: string;
  installationId: number;
  repo: RepoRef;
  env: string;
  /** The commit to apply. */
  sha: string;
  trigger: ApplyTrigger;
  pr?: number;
  /** GitHub login of whoever asked (commands, rollbacks). */
  requestedBy?: string;
  /**
   * Order of apply requests for this environment (epoch ms; larger is newer): the pushed commit's
   * timestamp for merges, the request time otherwise. An apply older than the newest request, or than
   * the last applied one, is completed as superseded without running.
   */
  seq: number;
  /**
   * Promotion (`dependsOn`): environments this apply waits for. It runs only once each of them has a
   * successful, healthy apply at this commit or a newer one; a failed or unhealthy one stops it. Only
   * dependencies the same push applies are listed (an unaffected one has nothing to wait for).
   */
  after?: string[];
  /**
   * Why it waits for an environment of `after` when that is not `dependsOn` (an ApplicationSet's RollingSync
   * step order, src/jobs/rollout-order.ts): shown on its waiting and its stopped check run.
   */
  afterWhy?: Record<string, string>;
  /**
   * The environment is gone from the configuration at `sha`: prune what bosun applied for it. Its
   * definition (cluster, prune) comes from the configuration at `definedAt` (the push's `before`).
   */
  removed?: { definedAt: string };
  /**
   * The environment is an Argo CD Application that an ApplicationSet failing at `sha` keeps (discover/argocd-kept.ts):
   * defined by the configuration at `definedAt` (the commit that last generated it: the push's `before`, or an earlier
   * one when the ApplicationSet failed there too), rendered from `sha`.
   */
  kept?: { definedAt: string };
  /** `/bosun apply <env> --force-conflicts`: take over fields other field managers own, this once. */
  forceConflicts?: boolean;
  /**
   * `/bosun apply|sync <env> --prune`: prune what Git no longer has this once, even when the environment's
   * prune is off (`argocd app sync --prune`); objects a rule keeps stay kept (the engine's prune decides).
   */
  prune?: boolean;
  /**
   * The registered cluster the environment targets, as the producer found it (push, `/bosun apply`, sync,
   * rollback). The per-cluster apply limit counts the job against it (src/jobs/apply-limits.ts); a job
   * without it (queued by an older bosun) counts only against the global limit.
   */
  cluster?: string;
}

/** What callers pass to `enqueueApply`: `seq` defaults to the enqueue time. */
export type ApplyRequest = Omit<ApplyJob, 'seq'> & { seq?: number };

/**
 * A push to the default branch: the worker finds the environments the pushed commits touch and queues
 * one apply per environment that applies on merge. The apply's order (`seq`) is the head commit's
 * committer time, read from git in the worker.
 */
export interface PushJob {
  deliveryId: string;
  installationId: number;
  repo: RepoRef;
  /** The previous tip of the default branch; absent for a new branch (everything is affected). */
  before?: string;
  after: string;
}

export interface ReconcileJob {
  installationId: number;
  repo: RepoRef;
  env: string;
}

export interface JobDataByKind {
  plan: PlanJob;
  command: CommandJob;
  apply: ApplyJob;
  reconcile: ReconcileJob;
  push: PushJob;
  planPart: PlanPartJob;
}

/** A newer request that made a job stale. */
export interface Newer {
  sha: string;
  seq: number;
}

/**
 * What a finished job records as its BullMQ return value. `superseded`: a newer head SHA (plans) or a
 * newer commit (applies) made it stale, so its processor did not run or its result is not current.
 * `skipped`: nothing to do now (a reconcile while the environment is busy applying).
 */
export type JobOutcome<R = unknown> =
  | { status: 'done'; value: R }
  | { status: 'superseded'; by?: Newer; message: string }
  | { status: 'skipped'; message: string };

/** What an enqueue did. */
export type EnqueueResult =
  | { status: 'queued'; jobId: string }
  /** The same delivery was enqueued before (a webhook redelivery): nothing was added. */
  | { status: 'duplicate'; jobId: string }
  /** Older than the newest request for the same PR / environment: nothing was added. */
  | { status: 'superseded'; jobId: string; by: Newer };
