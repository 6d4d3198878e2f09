/**
 * The reconcile job: one drift check of one environment. The job layer already holds the environment's
 * lease (a round is skipped while an apply runs). Compares the live cluster with the render of the
 * default branch's tip (or of the pinned / last applied commit, see src/drift/baseline.ts) through the
 * cluster engine's apply preview; keeps the environment's drift issue current; with `selfHeal: true`
 * re-applies Git through the shared apply path (workflows/apply/apply-run.ts: a GitHub Deployment and
 * an apply record, like every apply, and a turn under the apply limits) and checks again.
 *
 * What a platform engineer sees:
 * - in sync → nothing (an open drift issue is closed with a comment saying at which commit);
 * - drift, selfHeal off → one issue per environment, edited in place while the drift lasts;
 * - drift, selfHeal on → healed; the same issue records what had drifted and is closed with a
 *   "healed" comment (it stays open only when the heal did not bring the cluster back in sync);
 * - a render that fails, or a cluster that cannot be reached → state `error`, no issue (that is not
 *   drift), retried at the next round.
 */
import { clusterNameOf } from '../../../src/model/environment.ts';
import { applyEnvironment, connect, previewEnvironment, type ClusterClient, type ClusterRegistry } from '../../../src/cluster/index.ts';
import {
  chooseBaseline,
  driftCounts,
  driftIssueTitle,
  driftReport,
  driftStateComment,
  healRefusal,
  isDriftIssueBody,
  isDrifted,
  objectLabel,
  renderDriftIssueBody,
  resolvedDriftIssueBody,
  type Baseline,
  type DriftIssueInput,
  type DriftReport,
  type NoBaseline,
  type HealNote,
} from '../../../src/drift/index.ts';
import { branchTip } from '../../../src/git/index.ts';
import type { MirrorCache } from '../../../src/git/mirror.ts';
import { syncDriftIssue, type GitHubClient, type SyncDriftIssueResult } from '../../../src/github/index.ts';
import type { Redis } from 'ioredis';
import type { DriftRecord, DriftState, EnvStatusStore, ReconcileJob, StateKeys } from '../../../src/jobs.ts';
import type { Metrics } from '../../../src/metrics.ts';
import type { Environment } from '../../../src/model/environment.ts';
import { BosunError, formatProblem } from '../../../src/model/errors.ts';
import type { RenderedObject } from '../../../src/model/object.ts';
import { loadDesiredState } from '../../../src/plan/desired-state.ts';
import type { PlanChartOptions } from '../../../src/plan/chart-fetcher.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { JobContext, Processor } from '../../contract.ts';
import { applyRun, EnvLeaseLost } from '../apply/apply-run.ts';
import { defaultBranchApplies, lastDefaultBranchApply } from '../apply/history.ts';
import { openApplyLifeCycle } from '../apply/life-cycle.ts';
import type { GitHubAppAuth } from '../../../src/github/app-auth.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';

export interface ReconcileProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  clusters?: ClusterRegistry;
  status?: EnvStatusStore;
  metrics?: Pick<Metrics, 'driftChecked'>;
  /** The job layer's state, to see an apply that was requested but has not run yet. */
  jobState?: { redis: Redis; keys: StateKeys };
  now?: () => number;
  /** Remote charts (Fleet bundles, kustomize helmCharts): the commits compared are the default branch's. */
  charts?: PlanChartOptions;
}

export interface ReconcileOutcome {
  env: string;
  /** The commit the cluster was compared with (for an error, the tip when known, else ''). */
  sha: string;
  /** `pending`: not checked, an apply of that commit is queued (what it changes is not drift). */
  state: DriftState | 'pending';
  /** Objects that had drifted (before a heal). */
  drifted: number;
  healed?: { ok: boolean; deploymentId: number };
  issue?: { number: number; url: string; step: SyncDriftIssueResult['step'] };
  message?: string;
}

const short = (sha: string): string => sha.slice(0, 7);

interface Target {
  baseline: Baseline;
  env: Environment;
  objects: RenderedObject[];
  /**
   * When the baseline is a tip bosun has not applied to the environment: the target at the commit it last
   * applied there, to tell a cluster that is behind (the tip's push not processed yet, its apply failed)
   * from one changed by hand.
   */
  lastApplied?: () => Promise<Target>;
}

export function reconcileProcessor(deps: ReconcileProcessorDeps): Processor<ReconcileJob, ReconcileOutcome> {
  const now = deps.now ?? Date.now;
  return async (job, ctx) => {
    const repoName = job.repo.fullName;
    const checkedAt = now();
    const previous = await deps.status?.drift(repoName, job.env);
    const keepIssue = previous?.issueNumber ? { issueNumber: previous.issueNumber, ...(previous.issueUrl ? { issueUrl: previous.issueUrl } : {}) } : {};
    const record = async (r: Omit<DriftRecord, 'checkedAt'>): Promise<void> => {
      await deps.status?.recordDrift(repoName, job.env, { ...r, checkedAt });
      deps.metrics?.driftChecked(r.state);
    };
    const failed = async (sha: string, err: unknown): Promise<ReconcileOutcome> => {
      const message = scrub(err instanceof BosunError ? formatProblem(err.toProblem()) : err instanceof Error ? err.message : String(err));
      ctx.log.warn({ env: job.env, sha, err: message }, 'drift check could not compare the cluster with Git; the next round tries again');
      await record({ state: 'error', sha, drifted: 0, summary: message, ...keepIssue });
      return { env: job.env, sha, state: 'error', drifted: 0, message };
    };

    const { client: gh, token } = await deps.auth.installation(job.installationId);
    let target: Target | NoBaseline;
    let tip = '';
    try {
      await ctx.progress(`fetching ${repoName}`);
      const mirror = await deps.mirrors.ensure({ fullName: repoName, cloneUrl: job.repo.cloneUrl }, token);
      tip = await branchTip(mirror.dir, job.repo.defaultBranch) ?? '';
      if (!tip) throw new BosunError({ kind: 'git', message: `${repoName} has no branch \`${job.repo.defaultBranch}\` (its default branch); nothing to compare` });
      target = await loadTarget(mirror.dir, tip, job, deps.status, ctx, deps.clusters, deps.charts);
    } catch (err) {
      if (!(err instanceof BosunError)) throw err;
      // A broken configuration or render on the default branch is not drift: no issue, and never a heal.
      return failed(tip, err);
    }
    if ('skip' in target) {
      ctx.log.info({ env: job.env }, target.skip);
      return { env: job.env, sha: '', state: 'pending', drifted: 0, message: target.skip };
    }
    const { baseline, env, objects } = target;
    if (await applyPending(deps, job, baseline.sha)) {
      // Right after a merge the cluster is behind on purpose; the schedule's next round checks it.
      const message = `an apply of ${short(baseline.sha)} to ${job.env} is queued; drift is checked after it has run`;
      ctx.log.info({ env: job.env, sha: baseline.sha }, message);
      return { env: job.env, sha: baseline.sha, state: 'pending', drifted: 0, message };
    }
    const cluster = clusterNameOf(env);
    if (!deps.clusters?.clusters.has(cluster)) {
      return failed(baseline.sha, new BosunError({ kind: 'config', message: `\`${job.env}\` targets cluster \`${cluster}\`, which this bosun installation has no credentials for (BOSUN_CLUSTERS)` }));
    }

    let client: ClusterClient;
    try {
      client = await connect(deps.clusters, cluster);
    } catch (err) {
      return failed(baseline.sha, err);
    }
    try {
      // Heals take back fields changed by hand (Git wins), so the check previews with force too: a
      // `kubectl edit` or `kubectl scale` then shows as a change with its author instead of a conflict.
      const settings = { ...env, forceConflicts: true };
      const check = async (): Promise<DriftReport> => driftReport(await previewEnvironment({ client, env: settings, objects, partOf: job.repo.fullName }));
      let report: DriftReport;
      try {
        await ctx.progress(`comparing ${objects.length} object(s) of ${job.env} on ${cluster} with ${short(baseline.sha)}`);
        report = await check();
      } catch (err) {
        return failed(baseline.sha, err);
      }
      const lastApply = await deps.status?.lastApply(repoName, job.env);
      const issueInput = (r: DriftReport, state: DriftIssueInput['state']): DriftIssueInput => ({
        env: job.env,
        cluster,
        sha: baseline.sha,
        ...(baseline.note ? { baselineNote: baseline.note } : {}),
        defaultBranch: job.repo.defaultBranch,
        checkedAt,
        report: r,
        state,
        ...(lastApply ? { lastApply: { sha: lastApply.sha, ok: lastApply.ok, at: lastApply.at } } : {}),
      });
      const base = { env: job.env, sha: baseline.sha };

      if (report.unchecked.length > 0 && !isDrifted(report)) {
        return failed(baseline.sha, new Error(`${report.unchecked.length} object(s) could not be compared: ${report.unchecked.map((u) => `${objectLabel(u)}: ${u.message}`).join('; ')}`));
      }

      if (!isDrifted(report)) {
        const issue = await issueStep(gh, deps, job, ctx, 'in-sync', (current) => resolvedDriftIssueBody(current, { env: job.env, sha: baseline.sha, checkedAt }), driftStateComment('resolved', { env: job.env, sha: baseline.sha, checkedAt, report }));
        await record({ state: 'in-sync', sha: baseline.sha, drifted: 0, summary: `in sync with ${short(baseline.sha)} (${report.compared} object(s) compared)`, ...issueFields(issue, keepIssue) });
        raise(issue);
        return { ...base, state: 'in-sync', drifted: 0, ...issueOutcome(issue) };
      }

      if (await applyPending(deps, job, baseline.sha)) {
        // A merge landed while this check ran: what it changes is not drift.
        return { env: job.env, sha: baseline.sha, state: 'pending', drifted: 0, message: `an apply of ${short(baseline.sha)} to ${job.env} was queued during the check; drift is checked after it has run` };
      }
      if (target.lastApplied) {
        // Different from a tip bosun has not applied here, and exactly what it last applied: the tip's push is
        // still on its way to bosun (a drift check between a push landing on GitHub and its webhook being
        // handled), or its apply failed (its check run says so). The cluster is behind, nobody changed it.
        const last = await target.lastApplied().catch(() => undefined);
        const atLast = last ? await previewEnvironment({ client, env: { ...last.env, forceConflicts: true }, objects: last.objects, partOf: job.repo.fullName }).then(driftReport).catch(() => undefined) : undefined;
        if (last && atLast && !isDrifted(atLast) && atLast.unchecked.length === 0) {
          const message = `${job.env} is as bosun last applied it (${short(last.baseline.sha)}); ${short(baseline.sha)} is not applied there yet (its push is still being handled, or its apply did not succeed): not drift`;
          ctx.log.info({ env: job.env, sha: baseline.sha, lastApplied: last.baseline.sha }, message);
          return { env: job.env, sha: baseline.sha, state: 'pending', drifted: 0, message };
        }
      }
      const refusal = !env.selfHeal ? undefined : healRefusal(env, objects.length);
      let heal: HealNote = !env.selfHeal ? { mode: 'off' } : refusal ? { mode: 'refused', reason: refusal } : { mode: 'off' };
      let healed: ReconcileOutcome['healed'];
      if (env.selfHeal && !refusal) {
        const attempt = await healEnvironment(gh, deps, job, ctx, { client, env: settings, objects, baseline, report });
        healed = { ok: attempt.ok, deploymentId: attempt.deploymentId };
        const after = attempt.ok ? await check().catch(() => undefined) : undefined;
        if (after && !isDrifted(after)) {
          const healedAt = now();
          const issue = await issueStep(gh, deps, job, ctx, 'healed', renderDriftIssueBody(issueInput(report, { status: 'healed', healedAt })), driftStateComment('healed', { env: job.env, sha: baseline.sha, checkedAt: healedAt, report }));
          await record({ state: 'healed', sha: baseline.sha, drifted: report.items.length, summary: `healed ${driftCounts(report)} by re-applying ${short(baseline.sha)}`, ...issueFields(issue, keepIssue) });
          raise(issue);
          return { ...base, state: 'healed', drifted: report.items.length, healed, ...issueOutcome(issue) };
        }
        heal = { mode: 'failed', at: now(), message: attempt.ok ? `after re-applying \`${short(baseline.sha)}\`, ${after ? driftCounts(after) : 'the cluster could not be compared again'}` : attempt.message };
        if (after) report = after;
      }

      const body = renderDriftIssueBody(issueInput(report, { status: 'drifted', heal }));
      const issue = await issueStep(gh, deps, job, ctx, 'drifted', body, driftStateComment('reopened', { env: job.env, sha: baseline.sha, checkedAt, report }));
      const how = heal.mode === 'off' ? 'selfHeal off' : heal.mode === 'refused' ? `not healed: ${heal.reason}` : 'heal failed';
      await record({ state: 'drifted', sha: baseline.sha, drifted: report.items.length, summary: `${driftCounts(report)} (${how})`, ...issueFields(issue, keepIssue) });
      raise(issue);
      return { ...base, state: 'drifted', drifted: report.items.length, ...(healed ? { healed } : {}), ...issueOutcome(issue) };
    } finally {
      client.close();
    }
  };
}

/** The commit to compare with and its render; throws BosunError when it cannot be rendered. */
async function loadTarget(repoDir: string, tip: string, job: ReconcileJob, status: EnvStatusStore | undefined, ctx: JobContext, clusters?: ClusterRegistry, charts?: PlanChartOptions): Promise<Target | NoBaseline> {
  const scope = discoveryScope(job.repo, clusters);
  const progress = Object.assign((message: string) => void ctx.progress(message), { done: () => undefined });
  const load = (ref: string) => loadDesiredState({ repoDir, ref, env: job.env, ...scope, progress, ...(charts ? { charts } : {}) });
  const pin = await status?.pin(job.repo.fullName, job.env);
  const lastApplied = defaultBranchApplies((await status?.history(job.repo.fullName, job.env)) ?? [])[0]?.sha;
  if (pin) {
    const desired = await load(pin.sha);
    const baseline = chooseBaseline({ tip, defaultBranch: job.repo.defaultBranch, autoApply: desired.env.autoApply, pin });
    return 'skip' in baseline ? baseline : { baseline, env: desired.env, objects: desired.objects };
  }
  const atTip = await load(tip);
  const baseline = chooseBaseline({ tip, defaultBranch: job.repo.defaultBranch, autoApply: atTip.env.autoApply, ...(lastApplied ? { lastApplied } : {}) });
  if ('skip' in baseline) return baseline;
  if (baseline.sha === tip) {
    const behind = lastApplied && lastApplied !== tip ? lastApplied : undefined;
    return {
      baseline, env: atTip.env, objects: atTip.objects,
      ...(behind ? { lastApplied: async () => {
        const desired = await load(behind);
        return { baseline: { sha: behind, source: 'last-applied' as const }, env: { ...desired.env, selfHeal: atTip.env.selfHeal, autoApply: atTip.env.autoApply }, objects: desired.objects };
      } } : {}),
    };
  }
  // The settings (selfHeal, prune…) stay those of the tip: the configuration people last merged.
  const desired = await load(baseline.sha);
  return { baseline, env: { ...desired.env, selfHeal: atTip.env.selfHeal, autoApply: atTip.env.autoApply }, objects: desired.objects };
}

/** Whether `sha` was requested for the environment and no apply of it has finished yet. */
async function applyPending(deps: ReconcileProcessorDeps, job: ReconcileJob, sha: string): Promise<boolean> {
  if (!deps.jobState) return false;
  const requested = await deps.jobState.redis.hget(deps.jobState.keys.applyNewest(job.repo.fullName, job.env), 'sha');
  if (requested !== sha) return false;
  const last = deps.status ? lastDefaultBranchApply(await deps.status.lastApply(job.repo.fullName, job.env), await deps.status.history(job.repo.fullName, job.env)) : undefined;
  return last?.sha !== sha;
}

interface HealInput {
  client: ClusterClient;
  env: Environment;
  objects: RenderedObject[];
  baseline: Baseline;
  report: DriftReport;
}

/**
 * Re-applies the environment through the shared apply path (workflows/apply/apply-run.ts): a GitHub
 * Deployment and an apply record with trigger `heal`; the result is posted on the drift issue by the
 * caller. A failed heal is reported, not thrown; a lost environment lease is thrown (the job runs again).
 */
async function healEnvironment(gh: GitHubClient, deps: ReconcileProcessorDeps, job: ReconcileJob, ctx: JobContext, input: HealInput): Promise<{ ok: boolean; deploymentId: number; message: string }> {
  const sha = input.baseline.sha;
  const target = { repo: job.repo, env: job.env, sha, seq: Date.now(), trigger: 'heal' as const };
  const life = await openApplyLifeCycle({
    gh,
    ...(deps.status ? { status: deps.status } : {}),
    jobId: ctx.job.id,
    checkRun: false,
    deployment: true,
    inProgress: `Healing drift in ${job.env}: ${driftCounts(input.report)}`,
  }, target);
  const said = (message: string) => ({ title: message, summary: message, description: message, recordSummary: message });
  let ok = false;
  let message: string;
  // Counted like every apply to the cluster (its slot and the global one), from before the deployment
  // starts until its end is posted; the job keeps the environment's lease while it waits.
  const turn = await ctx.applySlot(clusterNameOf(input.env));
  try {
    const end = await applyRun({
      life,
      signal: ctx.signal,
      work: async (steps) => {
        await steps.deploy();
        await ctx.progress(`healing ${job.env}: re-applying ${short(sha)} (${driftCounts(input.report)})`);
        const report = await applyEnvironment({ client: input.client, env: input.env, objects: input.objects, partOf: job.repo.fullName, revision: sha, onProgress: (e) => void ctx.progress(`${e.stage}: ${e.message}`) });
        const c = report.counts;
        const problems = [...report.objects.filter((o) => o.action === 'failed').map((o) => `${o.kind} ${o.name}: ${o.error ?? 'failed'}`), ...report.notes].slice(0, 3);
        const text = report.ok
          ? `bosun healed drift in ${job.env} at ${short(sha)}: ${c.configured} configured, ${c.created} created, ${c.pruned} pruned`
          : `re-applying ${short(sha)} failed: ${scrub(problems.join('; ')) || 'see the deployment'}`;
        return { kind: 'finish', ending: { ok: report.ok, ...said(text), report } };
      },
      failure: (problem) => said(`re-applying ${short(sha)} failed: ${problem}`),
    });
    ok = end.kind === 'finish' && end.ending.ok;
    message = end.kind === 'finish' ? end.ending.description : end.check.title;
  } catch (err) {
    // A lost lease is never swallowed; nor is a heal that could not even be recorded as a deployment.
    if (err instanceof EnvLeaseLost || life.deploymentId === undefined) throw err;
    message = `re-applying ${short(sha)} failed: ${scrub(err instanceof Error ? err.message : String(err))}`;
  } finally {
    await turn.release();
  }
  return { ok, deploymentId: life.deploymentId!, message };
}

async function issueStep(
  gh: GitHubClient,
  deps: ReconcileProcessorDeps,
  job: ReconcileJob,
  ctx: JobContext,
  status: 'drifted' | 'healed' | 'in-sync',
  body: string | ((current: string) => string),
  comment: string,
): Promise<IssueStep> {
  try {
    return await syncDriftIssue(gh, {
      owner: job.repo.owner,
      repo: job.repo.name,
      author: await deps.auth.botLogin(),
      matches: (text) => isDriftIssueBody(text, job.env),
      title: driftIssueTitle(job.env),
      status,
      body,
      comment,
      // A retry of this job (GitHub answered 5xx after applying the comment, or a later step failed) does not comment twice.
      commentOnce: { key: `${ctx.job.id}:${status}`, since: new Date(ctx.job.enqueuedAt ?? 0).toISOString().replace(/\.\d+Z$/, 'Z') },
    });
  } catch (error) {
    // The check itself is recorded first; the job then fails so the problem is visible, and the next
    // round brings the issue up to date.
    return { step: 'none', error };
  }
}

type IssueStep = SyncDriftIssueResult & { error?: unknown };

/** Throws the GitHub failure of an issue step, after the check was recorded. */
function raise(issue: IssueStep): void {
  if (issue.error !== undefined) throw issue.error;
}

function issueFields(result: SyncDriftIssueResult, previous: Pick<DriftRecord, 'issueNumber' | 'issueUrl'>): Pick<DriftRecord, 'issueNumber' | 'issueUrl'> {
  return result.issue ? { issueNumber: result.issue.number, issueUrl: result.issue.url } : previous;
}

function issueOutcome(result: SyncDriftIssueResult): Pick<ReconcileOutcome, 'issue'> {
  return result.issue ? { issue: { number: result.issue.number, url: result.issue.url, step: result.step } } : {};
}
