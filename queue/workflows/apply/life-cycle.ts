/**
 * The life cycle every apply shares on GitHub and in the environment's status store:
 * - the check run `bosun / apply (<env>)` on the commit, when the caller posts its result there (apply
 *   jobs: merge, rollback, sync, `/bosun apply` after merge, removed-environment prune); a retried
 *   attempt continues the run its predecessor left in progress, and a run the push queued is taken over;
 * - a GitHub Deployment, created only once something is going to be applied (a held apply deploys
 *   nothing), with statuses `in_progress` then exactly one of `success` / `failure`; its log URL is the
 *   check run; the check run carries the deployment's id, so a retry continues the same deployment;
 * - one apply record (EnvStatusStore: last apply, history of successful ones) when the run ends.
 * Each step of the ending is done once: a failure half-way can be finished again without a second
 * terminal status.
 */
import type { ApplyReport } from '../../../src/cluster/index.ts';
import {
  completeCheckRun,
  createCheckRun,
  createDeployment,
  findCheckRun,
  findJobDeployment,
  hasDeploymentStatus,
  setDeploymentStatus,
  updateCheckRun,
  type CheckConclusion,
  type CheckRunRef,
  type DeploymentState,
  type GitHubClient,
} from '../../../src/github/index.ts';
import type { ApplyJob, ApplyRecord, EnvStatusStore } from '../../../src/jobs.ts';
import { applyCheckRunName, countsLine, deploymentDescription, inProgressText, workingText } from './apply-text.ts';

/** What is applied where, and why: the facts every caller states. */
export type ApplyTarget = Pick<ApplyJob, 'repo' | 'env' | 'sha' | 'seq' | 'trigger'> & Partial<Pick<ApplyJob, 'pr' | 'requestedBy' | 'removed'>>;

export interface LifeCycleOptions {
  gh: GitHubClient;
  /** The App's id: only its own check runs are continued. */
  appId?: number;
  status?: EnvStatusStore;
  /** In the deployment's payload, so a retried attempt finds the deployment an earlier one created. */
  jobId: string;
  /** Attempts already made (0 on the first). */
  attemptsMade?: number;
  /** Post the result on the commit's `bosun / apply (<env>)` check run (false: the caller replies elsewhere). */
  checkRun: boolean;
  /** Record the run as a GitHub Deployment (false for a removed environment's prune: nothing is deployed). */
  deployment: boolean;
  /** The deployment's `in_progress` description (default: "Applying <sha> to <env>"). */
  inProgress?: string;
}

/** How a run that changed (or tried to change) the cluster ended. */
export interface Ending {
  ok: boolean;
  title: string;
  summary: string;
  text?: string;
  /** The deployment's terminal description (cut to 140 characters). */
  description: string;
  report?: ApplyReport;
  /** The apply record's one line (default: the report's counts, else the description). */
  recordSummary?: string;
}

export interface CheckText {
  title: string;
  summary: string;
  text?: string;
}

export interface ApplyLifeCycle {
  readonly target: ApplyTarget;
  readonly checkRun: CheckRunRef | undefined;
  readonly deploymentId: number | undefined;
  /** Whether the run has ended (finished, held or closed). */
  readonly ended: boolean;
  /** The deployment, created (or continued) and `in_progress`; undefined when the run deploys nothing. */
  deploy(): Promise<number | undefined>;
  /** The terminal state: check run concluded, deployment `success` / `failure`, apply recorded. */
  finish(end: Ending): Promise<ApplyRecord>;
  /** Not applied, waiting for a person: check run `action_required`, a deployment already made `inactive`. */
  hold(check: CheckText): Promise<void>;
  /** Concluded without an apply to record (a removed environment that keeps its objects). */
  close(check: CheckText & { conclusion: CheckConclusion }): Promise<void>;
  /** A failed attempt that will be retried: the check run says so and stays in progress. */
  retrying(check: CheckText): Promise<void>;
}

/** The check run carries its deployment's id, so a retried attempt continues the same deployment. */
export function externalIdOf(deploymentId: number): string {
  return `bosun-deployment-${deploymentId}`;
}

export function deploymentOf(externalId: string | null | undefined): number | undefined {
  const match = /^bosun-deployment-(\d+)$/.exec(externalId ?? '');
  return match ? Number(match[1]) : undefined;
}

export async function openApplyLifeCycle(opts: LifeCycleOptions, target: ApplyTarget): Promise<ApplyLifeCycle> {
  const { gh } = opts;
  const owner = target.repo.owner;
  const repo = target.repo.name;
  const working = workingText(target);
  const inProgress = opts.inProgress ?? inProgressText(target);
  const started = Date.now();
  let run: CheckRunRef | undefined;
  let deploymentId: number | undefined;
  const done = { check: false, deployment: false, record: undefined as ApplyRecord | undefined, ended: false };

  if (opts.checkRun) {
    const name = applyCheckRunName(target.env);
    const existing = await findCheckRun(gh, owner, repo, target.sha, name, opts.appId !== undefined ? { appId: opts.appId } : {});
    if (existing && existing.status !== 'completed') {
      run = existing;
      deploymentId = deploymentOf(existing.externalId);
      if (existing.status === 'queued') await updateCheckRun(gh, { owner, repo, checkRunId: run.id, status: 'in_progress', ...working });
      // The attempt that recorded the deployment may have died before its first status.
      if (deploymentId !== undefined && !(await hasDeploymentStatus(gh, { owner, repo, deploymentId }).catch(() => true))) {
        await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: inProgress, logUrl: run.url });
      }
    } else {
      run = await createCheckRun(gh, { owner, repo, name, headSha: target.sha, status: 'in_progress', ...working });
    }
  }
  const logUrl = run ? { logUrl: run.url } : {};

  const deploy = async (): Promise<number | undefined> => {
    if (!opts.deployment) return undefined;
    if (deploymentId !== undefined) return deploymentId;
    // An earlier attempt may have died between creating the deployment and recording it on the check run.
    const earlier = (opts.attemptsMade ?? 0) > 0
      ? await findJobDeployment(gh, { owner, repo, sha: target.sha, environment: target.env, jobId: opts.jobId }).catch(() => undefined)
      : undefined;
    if (earlier) {
      deploymentId = earlier.id;
      if (run) await updateCheckRun(gh, { owner, repo, checkRunId: run.id, externalId: externalIdOf(deploymentId), ...working });
      if (!earlier.hasStatuses) await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: inProgress, ...logUrl });
      return deploymentId;
    }
    const deployment = await createDeployment(gh, {
      owner,
      repo,
      ref: target.sha,
      environment: target.env,
      description: deploymentDescription(target),
      payload: { job: opts.jobId, trigger: target.trigger, ...(target.pr ? { pr: target.pr } : {}) },
    });
    deploymentId = deployment.id;
    if (run) await updateCheckRun(gh, { owner, repo, checkRunId: run.id, externalId: externalIdOf(deploymentId), ...working });
    await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: inProgress, ...logUrl });
    return deploymentId;
  };

  const conclude = async (check: CheckText & { conclusion: CheckConclusion }): Promise<void> => {
    if (!run || done.check) return;
    await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: check.conclusion, title: check.title, summary: check.summary, ...(check.text !== undefined ? { text: check.text } : {}) });
    done.check = true;
  };
  const settleDeployment = async (state: DeploymentState, description: string): Promise<void> => {
    if (deploymentId === undefined || done.deployment) return;
    await setDeploymentStatus(gh, { owner, repo, deploymentId, state, description, ...logUrl });
    done.deployment = true;
  };

  return {
    target,
    get checkRun() {
      return run;
    },
    get deploymentId() {
      return deploymentId;
    },
    get ended() {
      return done.ended;
    },
    deploy,
    async finish(end) {
      await deploy();
      await conclude({ conclusion: end.ok ? 'success' : 'failure', title: end.title, summary: end.summary, ...(end.text !== undefined ? { text: end.text } : {}) });
      await settleDeployment(end.ok ? 'success' : 'failure', end.description);
      if (!done.record) {
        const record: ApplyRecord = {
          sha: target.sha,
          seq: target.seq,
          trigger: target.trigger,
          ok: end.ok,
          health: end.report?.health?.verdict ?? 'not-checked',
          at: Date.now(),
          durationMs: end.report?.durationMs ?? Date.now() - started,
          summary: end.recordSummary ?? (end.report ? countsLine(end.report) : end.description),
          ...(run ? { checkRunUrl: run.url } : {}),
          ...(deploymentId !== undefined ? { deploymentId } : {}),
          ...(target.pr ? { pr: target.pr } : {}),
          ...(target.requestedBy ? { requestedBy: target.requestedBy } : {}),
        };
        await opts.status?.recordApply(target.repo.fullName, target.env, record);
        done.record = record;
      }
      done.ended = true;
      return done.record;
    },
    async hold(check) {
      await conclude({ conclusion: 'action_required', ...check });
      await settleDeployment('inactive', check.title);
      done.ended = true;
    },
    async close(check) {
      await conclude(check);
      done.ended = true;
    },
    async retrying(check) {
      if (run && !done.check) await updateCheckRun(gh, { owner, repo, checkRunId: run.id, title: check.title, summary: check.summary });
    },
  };
}

/**
 * Ends the check run (and deployment) of an apply that will not run: superseded by a newer commit,
 * stopped by the promotion gate, abandoned by its workers. `none` / `completed`: what to do when the
 * commit has no check run of the environment, or only a completed one (create one to say so, or leave it).
 */
export async function endUnrunApply(
  gh: GitHubClient,
  appId: number,
  target: Pick<ApplyTarget, 'repo' | 'env' | 'sha'>,
  how: { none: 'create' | 'skip'; completed: 'create' | 'skip'; conclusion: CheckConclusion; title: string; summary: string; deployment?: { state: DeploymentState; description: string } },
): Promise<CheckRunRef | undefined> {
  const owner = target.repo.owner;
  const repo = target.repo.name;
  const name = applyCheckRunName(target.env);
  const existing = await findCheckRun(gh, owner, repo, target.sha, name, { appId });
  const open = existing && existing.status !== 'completed' ? existing : undefined;
  if (!open && (existing ? how.completed : how.none) === 'skip') return undefined;
  const run = open ?? await createCheckRun(gh, { owner, repo, name, headSha: target.sha, status: 'in_progress' });
  await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: how.conclusion, title: how.title, summary: how.summary });
  const deploymentId = deploymentOf(open?.externalId);
  if (deploymentId !== undefined && how.deployment) {
    await setDeploymentStatus(gh, { owner, repo, deploymentId, state: how.deployment.state, description: how.deployment.description, logUrl: run.url });
  }
  return run;
}

/** The record of an apply that did not run (stopped by the promotion gate, abandoned): a failure, health not checked. */
export function unrunRecord(target: ApplyTarget, summary: string, checkRunUrl?: string): ApplyRecord {
  return {
    sha: target.sha,
    seq: target.seq,
    trigger: target.trigger,
    ok: false,
    health: 'not-checked',
    at: Date.now(),
    durationMs: 0,
    summary,
    ...(checkRunUrl ? { checkRunUrl } : {}),
    ...(target.pr ? { pr: target.pr } : {}),
  };
}
