/**
 * What every `/bosun` command handler gets: the processor's dependencies and one run of a comment (the
 * job, the pull request, a replier, the base branch's settings). Handlers import this, never command.ts,
 * so the command processor can list them in its table without an import cycle.
 */
import type { Redis } from 'ioredis';
import type { CommandPermissions } from '../../../src/chatops/index.ts';
import type { ClusterRegistry } from '../../../src/cluster/index.ts';
import type { MirrorCache } from '../../../src/git/mirror.ts';
import type { GitHubClient } from '../../../src/github/index.ts';
import type { CommandJob, EnvStatusStore, LockViewers, PlanJob, Producers, StateKeys } from '../../../src/jobs.ts';
import type { LockManager } from '../../../src/locks/index.ts';
import type { Environment } from '../../../src/model/environment.ts';
import type { JobContext, Logger } from '../../contract.ts';
import type { GitHubAppAuth } from '../../../src/github/app-auth.ts';
import type { PullRequestInfo } from './pull-request.ts';
import type { PlanChartOptions } from '../../../src/plan/chart-fetcher.ts';

export interface CommandProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  producers: Pick<Producers, 'enqueuePlan' | 'enqueueApply' | 'enqueueReconcile'>;
  /** The job layer's Redis state: a pre-merge `/bosun apply` takes the environment lease like an apply job. */
  jobState?: { redis: Redis; keys: StateKeys };
  locks: LockManager;
  clusters?: ClusterRegistry;
  /** Remote charts: on the default branch, the children of an app of apps through a fetched chart are environments (/bosun sync, rollback, apply after merge). */
  charts?: PlanChartOptions;
  /** Apply history and pins: `/bosun rollback --now` reads and pins, `/bosun sync` unpins. */
  status?: EnvStatusStore;
  /** A lock taken or released refreshes the comments of the other PRs that show it. */
  lockViewers?: Pick<LockViewers, 'refresh'>;
  prefix?: string;
}

export interface CommandOutcome {
  results: Array<{ command: string; ok: boolean }>;
}

/** What the base branch says: command permissions and environment definitions. */
export interface BaseSettings {
  permissions: CommandPermissions;
  envs: Map<string, Environment>;
}

export interface CommandRun {
  job: CommandJob;
  gh: GitHubClient;
  pr: PullRequestInfo;
  /**
   * When `pr` was read (ms, taken just before the request): the `seq` of the plans a command asks for, so
   * a head pushed after the read (its webhook recorded later) is not displaced by the head the command saw.
   */
  readAt?: number;
  token: () => Promise<string>;
  base: () => Promise<BaseSettings>;
  reply: (body: string) => Promise<void>;
  /** The command job's id and log (a pre-merge apply names the job in its deployment and logs lease renewals). */
  jobId?: string;
  log?: Logger;
  /** The command job's turn under the apply limits, which a pre-merge apply waits for like any apply (JobContext.applySlot). */
  applySlot: JobContext['applySlot'];
}

/** A plan of the PR's current head, asked for by a command (the run's comment gets the reactions). */
export function planRequest(run: CommandRun, deliveryId: string, envs: string[] = []): PlanJob {
  const { job, pr } = run;
  return {
    deliveryId,
    installationId: job.installationId,
    repo: job.repo,
    pr: job.pr,
    headSha: pr.headSha,
    baseRef: pr.baseRef,
    baseSha: pr.baseSha,
    ...(run.readAt !== undefined ? { seq: run.readAt } : {}),
    ...(envs.length ? { envs } : {}),
    reason: 'command',
    commentId: job.commentId,
  };
}
