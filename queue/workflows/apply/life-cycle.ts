/**
 * The life cycle every apply shares on GitHub and in the environment's status store:
 * - the check run `bosun / apply (<env>)` on the commit, when the caller posts its result there (apply
 *   jobs: merge, rollback, sync, `/bosun apply` after merge, removed-environment prune). Its external id
 *   carries the job's tag, so the same job run again (a retry, or a delay after a GitHub 5xx or rate limit,
 *   which uses no attempt) finds the run it created — left in progress, or already concluded — instead of
 *   adding another; a run the push queued, or one another job left in progress, is taken over;
 * - a GitHub Deployment, created only once something is going to be applied (a held apply deploys
 *   nothing), with statuses `in_progress` then exactly one of `success` / `failure`; its log URL is the
 *   check run. The check run's external id carries the deployment's id and the deployment's payload the
 *   job and its tag, so the same job run again continues the same deployment;
 * - one apply record (EnvStatusStore: last apply, history of successful ones) when the run ends.
 * The ending goes deployment status, record, then check run: a concluded check run means the rest is
 * done. Each step is done once: a failure half-way is finished by the next run of the job without a
 * second terminal status or a second record. The end itself is kept (EnvStatusStore, by the job's tag)
 * before any of it is posted, so the next run posts what happened instead of applying again.
 */
import { createHash } from 'node:crypto';
import type { ApplyReport } from '../../../src/cluster/index.ts';
import {
  completeCheckRun,
  createCheckRun,
  createDeployment,
  findCheckRun,
  findJobDeployment,
  hasDeploymentStatus,
  latestDeploymentState,
  listCheckRuns,
  setDeploymentStatus,
  terminalDeploymentStates,
  updateCheckRun,
  type CheckRunInfo,
  type CheckConclusion,
  type CheckRunRef,
  type DeploymentState,
  type GitHubClient,
} from '../../../src/github/index.ts';
import { applyCheckRunName } from '../../../src/github/names.ts';
import type { ApplyJob, ApplyRecord, EnvStatusStore } from '../../../src/jobs.ts';
import { countsLine, deploymentDescription, inProgressText, workingText } from './apply-text.ts';

/** What is applied where, and why: the facts every caller states. */
export type ApplyTarget = Pick<ApplyJob, 'repo' | 'env' | 'sha' | 'seq' | 'trigger'> & Partial<Pick<ApplyJob, 'pr' | 'requestedBy' | 'removed'>>;

export interface LifeCycleOptions {
  gh: GitHubClient;
  /** The App's id: only its own check runs are continued. */
  appId?: number;
  status?: EnvStatusStore;
  /** In the deployment's payload, so a retried attempt finds the deployment an earlier one created. */
  jobId: string;
  /** When the job was queued: with its id, the tag of its check run and deployment (a job queued again under the same id is another run). */
  enqueuedAt?: number;
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

/** How the caller's work ended. */
export type RunEnd =
  /** Applied (or tried to): the terminal state and the record. */
  | { kind: 'finish'; ending: Ending }
  /** Not applied, waiting for a person. */
  | { kind: 'hold'; check: CheckText }
  /** Concluded without an apply to record. */
  | { kind: 'close'; check: CheckText & { conclusion: CheckConclusion } };

/** How an earlier run of the same job concluded its check run: the apply is over, only the rest of its ending may be left. */
export interface Concluded {
  conclusion: string;
  title: string;
  summary: string;
}

export interface ApplyLifeCycle {
  readonly target: ApplyTarget;
  readonly checkRun: CheckRunRef | undefined;
  /**
   * How an earlier run of this job ended, when its ending was not all posted: the end it kept, else the one
   * it concluded the check run with. Nothing is applied again; only the rest of that ending is done.
   */
  readonly earlierEnd: RunEnd | undefined;
  /** Keeps this run's end before any of it is posted (no-op without a status store). */
  keep(end: RunEnd): Promise<void>;
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

/** A short tag of one job (its id and when it was queued): in its check run's external id and its deployment's payload. */
export function runTag(jobId: string, enqueuedAt?: number): string {
  return createHash('sha256').update(`${jobId}\0${enqueuedAt ?? ''}`).digest('hex').slice(0, 12);
}

/** The check run's external id: the job's tag, and once it exists, its deployment's id. */
export function applyExternalId(tag: string, deploymentId?: number): string {
  return deploymentId === undefined ? `bosun-apply-${tag}` : `bosun-apply-${tag}-deployment-${deploymentId}`;
}

/** The deployment a check run reports on (also from the untagged `bosun-deployment-<id>` of earlier versions). */
export function deploymentOf(externalId: string | null | undefined): number | undefined {
  const match = /^bosun-(?:apply-[0-9a-f]+-)?deployment-(\d+)$/.exec(externalId ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The tag of the job that created a check run, if bosun tagged it. */
export function runTagOf(externalId: string | null | undefined): string | undefined {
  return /^bosun-apply-([0-9a-f]+)(?:-deployment-\d+)?$/.exec(externalId ?? '')?.[1];
}

/** The end an earlier run of the job concluded the check run with, as the rest of the ending needs it. */
export function concludedEnd(run: Concluded): RunEnd {
  const said = { title: run.title, summary: run.summary };
  if (run.conclusion === 'success' || run.conclusion === 'failure') return { kind: 'finish', ending: { ok: run.conclusion === 'success', ...said, description: run.title } };
  if (run.conclusion === 'action_required') return { kind: 'hold', check: said };
  return { kind: 'close', check: { ...said, conclusion: run.conclusion as CheckConclusion } };
}

/** What is kept of an end: the report without its per-object list (the check run's text already shows it). */
function keptForm(end: RunEnd): RunEnd {
  if (end.kind !== 'finish' || !end.ending.report) return end;
  const { report } = end.ending;
  return { kind: 'finish', ending: { ...end.ending, report: { ...report, objects: [], ...(report.health ? { health: { ...report.health, objects: [] } } : {}) } } };
}

function newest(runs: CheckRunInfo[]): CheckRunInfo | undefined {
  return runs.reduce<CheckRunInfo | undefined>((a, b) => (a === undefined || b.id > a.id ? b : a), undefined);
}

export async function openApplyLifeCycle(opts: LifeCycleOptions, target: ApplyTarget): Promise<ApplyLifeCycle> {
  const { gh } = opts;
  const owner = target.repo.owner;
  const repo = target.repo.name;
  const working = workingText(target);
  const inProgress = opts.inProgress ?? inProgressText(target);
  const started = Date.now();
  const tag = runTag(opts.jobId, opts.enqueuedAt);
  let run: CheckRunRef | undefined;
  let deploymentId: number | undefined;
  // This attempt created the deployment (else an earlier run of the job may have ended it already).
  let created = false;
  let concluded: Concluded | undefined;
  // An earlier run of this job may have created the deployment: look for it before creating one.
  let rerun = (opts.attemptsMade ?? 0) > 0;
  const done = { check: false, deployment: false, record: undefined as ApplyRecord | undefined, ended: false };

  if (opts.checkRun) {
    const name = applyCheckRunName(target.env);
    const runs = await listCheckRuns(gh, owner, repo, target.sha, name, { ...(opts.appId !== undefined ? { appId: opts.appId } : {}), filter: 'all' });
    const own = newest(runs.filter((r) => runTagOf(r.externalId) === tag));
    const latest = newest(runs);
    const existing = own ?? (latest && latest.status !== 'completed' ? latest : undefined);
    if (existing) {
      run = existing;
      deploymentId = deploymentOf(existing.externalId);
      rerun ||= own !== undefined;
      if (own?.status === 'completed') {
        // An earlier run of this job concluded it (the deployment's status and the record come first): it is not applied again.
        concluded = { conclusion: own.conclusion ?? 'neutral', title: own.title ?? '', summary: own.summary ?? '' };
        done.check = true;
      } else {
        // A run the push queued, or one another job left in progress, becomes this job's.
        if (!own || existing.status === 'queued') await updateCheckRun(gh, { owner, repo, checkRunId: run.id, status: 'in_progress', externalId: applyExternalId(tag, deploymentId), ...working });
        // The attempt that recorded the deployment may have died before its first status.
        if (deploymentId !== undefined && !(await hasDeploymentStatus(gh, { owner, repo, deploymentId }).catch(() => true))) {
          await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: inProgress, logUrl: run.url });
        }
      }
    } else {
      run = await createCheckRun(gh, { owner, repo, name, headSha: target.sha, status: 'in_progress', externalId: applyExternalId(tag), ...working });
    }
  }
  const logUrl = run ? { logUrl: run.url } : {};
  const kept = rerun ? await opts.status?.runEnd(target.repo.fullName, target.env, tag) as RunEnd | undefined : undefined;
  const earlierEnd = kept ?? (concluded ? concludedEnd(concluded) : undefined);

  const deploy = async (): Promise<number | undefined> => {
    if (!opts.deployment) return undefined;
    if (deploymentId !== undefined) return deploymentId;
    // An earlier run may have failed between creating the deployment and recording it on the check run.
    // Not found because the look-up failed is not "none": the job runs again rather than deploy twice.
    const earlier = rerun ? await findJobDeployment(gh, { owner, repo, sha: target.sha, environment: target.env, jobId: opts.jobId, run: tag }) : undefined;
    if (earlier) {
      deploymentId = earlier.id;
      if (run) await updateCheckRun(gh, { owner, repo, checkRunId: run.id, externalId: applyExternalId(tag, deploymentId), ...working });
      if (!earlier.hasStatuses) await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: inProgress, ...logUrl });
      return deploymentId;
    }
    const deployment = await createDeployment(gh, {
      owner,
      repo,
      ref: target.sha,
      environment: target.env,
      description: deploymentDescription(target),
      payload: { job: opts.jobId, run: tag, trigger: target.trigger, ...(target.pr ? { pr: target.pr } : {}) },
    });
    deploymentId = deployment.id;
    created = true;
    if (run) await updateCheckRun(gh, { owner, repo, checkRunId: run.id, externalId: applyExternalId(tag, deploymentId), ...working });
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
    // A deployment an earlier run created may have got its terminal status before that run failed.
    const ended = !created && terminalDeploymentStates.has(await latestDeploymentState(gh, { owner, repo, deploymentId }) ?? '');
    if (!ended) await setDeploymentStatus(gh, { owner, repo, deploymentId, state, description, ...logUrl });
    done.deployment = true;
  };
  /** Recorded already: by the run that concluded the check run, or by an earlier run of this deployment that failed after recording. */
  const recorded = async (): Promise<boolean> => {
    if (concluded) return true;
    if (deploymentId === undefined || created || !opts.status) return false;
    return (await opts.status.lastApply(target.repo.fullName, target.env))?.deploymentId === deploymentId;
  };

  return {
    target,
    get checkRun() {
      return run;
    },
    get earlierEnd() {
      return earlierEnd;
    },
    async keep(end) {
      await opts.status?.keepRunEnd(target.repo.fullName, target.env, tag, keptForm(end));
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
          ...(end.report?.leftByPruneOff ? { leftByPruneOff: end.report.leftByPruneOff } : {}),
          ...(end.report?.keptByPruneRule ? { keptByPruneRule: end.report.keptByPruneRule } : {}),
        };
        if (!(await recorded())) await opts.status?.recordApply(target.repo.fullName, target.env, record);
        done.record = record;
      }
      await conclude({ conclusion: end.ok ? 'success' : 'failure', title: end.title, summary: end.summary, ...(end.text !== undefined ? { text: end.text } : {}) });
      done.ended = true;
      return done.record;
    },
    async hold(check) {
      await settleDeployment('inactive', check.title);
      await conclude({ conclusion: 'action_required', ...check });
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
  // The deployment first, as an apply ends: a concluded run means the rest is done. Not a second terminal
  // status: the job may have ended the deployment before it failed to conclude the run.
  const deploymentId = deploymentOf(open?.externalId);
  if (deploymentId !== undefined && how.deployment && !terminalDeploymentStates.has(await latestDeploymentState(gh, { owner, repo, deploymentId }) ?? '')) {
    await setDeploymentStatus(gh, { owner, repo, deploymentId, state: how.deployment.state, description: how.deployment.description, logUrl: run.url });
  }
  await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: how.conclusion, title: how.title, summary: how.summary });
  return run;
}

/**
 * The text of an apply's check run while it still waits (queued by the push, promotion): changed only when it
 * differs, so a gate that asks again every few seconds writes it once. A completed or missing run is left alone.
 */
export async function sayWaiting(gh: GitHubClient, appId: number, target: Pick<ApplyTarget, 'repo' | 'env' | 'sha'>, check: { title: string; summary: string }): Promise<void> {
  const owner = target.repo.owner;
  const repo = target.repo.name;
  const run = await findCheckRun(gh, owner, repo, target.sha, applyCheckRunName(target.env), { appId });
  if (!run || run.status === 'completed' || (run.title === check.title && run.summary === check.summary)) return;
  await updateCheckRun(gh, { owner, repo, checkRunId: run.id, title: check.title, summary: check.summary });
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
