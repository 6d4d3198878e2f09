/**
 * The apply job: one environment at one commit of the default branch. The job layer has already made
 * sure no other job changes the environment and that no newer commit was requested or applied. On the
 * commit: a check run `bosun / apply (<env>)` (in progress, then per-object results, health and prune)
 * and a GitHub Deployment with `in_progress` then `success` / `failure`, whose log URL is the check run.
 */
import { applyEnvironment, connect, previewEnvironment, syncEnvironment, renderApplySummary, type ApplyReport, type ClusterRegistry } from '../../src/cluster/index.ts';
import { renderPreviewMarkdown } from '../../src/report/preview-section.ts';
import { clusterNameOf } from '../../src/model/environment.ts';
import { diffRenders } from '../../src/diff/change-diff.ts';
import type { MirrorCache } from '../../src/git/mirror.ts';
import { renderAppliedBlock, updateAppliedBlock } from '../../src/github/applied-lines.ts';
import {
  completeCheckRun,
  createCheckRun,
  createDeployment,
  findJobDeployment,
  hasDeploymentStatus,
  findCheckRun,
  setDeploymentStatus,
  updateCheckRun,
  type CheckConclusion,
  type CheckRunRef,
  type GitHubClient,
} from '../../src/github/index.ts';
import { isPermanent, type ApplyJob, type EnvStatusStore, type HealthVerdict, type Newer } from '../../src/jobs.ts';
import type { AppliedEntry, PrRecords } from '../../src/jobs/pr-records.ts';
import { decidePromotion } from '../../src/jobs/promotion.ts';
import type { Environment } from '../../src/model/environment.ts';
import { BosunError, formatProblem } from '../../src/model/errors.ts';
import type { RenderedObject } from '../../src/model/object.ts';
import { loadDesiredState, selectEnvironments, withTree } from '../../src/plan/desired-state.ts';
import { planPinSummary, planPinText, type PlanPin } from '../../src/report/plan-pin.ts';
import { scrub } from '../../src/util/scrub.ts';
import type { JobContext, Processor, Readiness } from '../types.ts';
import type { GitHubAppAuth } from './installation-octokit.ts';
import { planCommentMarker } from './plan.ts';
import { discoveryScope } from './discovery-scope.ts';

export interface ApplyProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  clusters?: ClusterRegistry;
  /** Where the outcome of every apply is recorded (dashboard, promotion, rollback). */
  status?: EnvStatusStore;
  /** The PR's planned heads (plan pinning) and its "applied to <env>" lines. */
  prRecords?: PrRecords;
  /** How long an apply waits for the environments it depends on before giving up. Default 6 h. */
  promotionMaxWaitMs?: number;
}

export interface ApplyOutcome {
  env: string;
  sha: string;
  ok: boolean;
  checkRunId: number;
  /** Absent when nothing was deployed (waiting for `/bosun apply`, a removed environment). */
  deploymentId?: number;
  counts?: ApplyReport['counts'];
  /** Not applied: waits for `/bosun apply <env>` (autoApply off, or the merge differs from the reviewed plan). */
  held?: 'manual' | 'plan-differs';
  /** The plan pinning verdict, when the commit came from a planned pull request. */
  plan?: PlanPin['kind'];
}

/** Longest promotion wait by default: staging may itself wait for a person (autoApply off). */
export const defaultPromotionMaxWaitMs = 6 * 3600_000;

export function applyCheckRunName(env: string): string {
  return `bosun / apply (${env})`;
}

/** The check run carries its deployment's id, so a retried attempt continues the same deployment. */
function externalIdOf(deploymentId: number): string {
  return `bosun-deployment-${deploymentId}`;
}

function deploymentOf(externalId: string | null): number | undefined {
  const match = /^bosun-deployment-(\d+)$/.exec(externalId ?? '');
  return match ? Number(match[1]) : undefined;
}

const short = (sha: string): string => sha.slice(0, 7);

export function applyProcessor(deps: ApplyProcessorDeps): Processor<ApplyJob, ApplyOutcome> {
  const processor = async (job: ApplyJob, ctx: JobContext): Promise<ApplyOutcome> => {
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const owner = job.repo.owner;
    const repo = job.repo.name;
    const name = applyCheckRunName(job.env);

    // A retried attempt finds the run (and through it the deployment) its predecessor left in progress;
    // a run the push queued ("waiting for staging") is taken over.
    const existing = await findCheckRun(gh, owner, repo, job.sha, name, { appId: deps.auth.appId });
    const working = { title: job.removed ? `Removing ${job.env}…` : job.trigger === 'rollback' ? `Rolling ${job.env} back to ${short(job.sha)}…` : `Applying to ${job.env}…`, summary: `Rendering, validating and applying \`${short(job.sha)}\` to \`${job.env}\`.` };
    let run: CheckRunRef;
    let deploymentId: number | undefined;
    if (existing && existing.status !== 'completed') {
      run = existing;
      deploymentId = deploymentOf(existing.externalId);
      if (existing.status === 'queued') await updateCheckRun(gh, { owner, repo, checkRunId: run.id, status: 'in_progress', ...working });
      // The attempt that recorded the deployment may have died before its first status.
      if (deploymentId !== undefined && !(await hasDeploymentStatus(gh, { owner, repo, deploymentId }).catch(() => true))) {
        await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: `Applying ${short(job.sha)} to ${job.env}`, logUrl: run.url });
      }
    } else {
      run = await createCheckRun(gh, { owner, repo, name, headSha: job.sha, status: 'in_progress', ...working });
    }
    // Created only once something is going to be applied: a held or blocked apply deploys nothing.
    const ensureDeployment = async (): Promise<number> => {
      if (deploymentId !== undefined) return deploymentId;
      // An earlier attempt may have died between creating the deployment and recording it on the check run.
      const earlier = ctx.job.attemptsMade > 0
        ? await findJobDeployment(gh, { owner, repo, sha: job.sha, environment: job.env, jobId: ctx.job.id }).catch(() => undefined)
        : undefined;
      if (earlier) {
        deploymentId = earlier.id;
        await updateCheckRun(gh, { owner, repo, checkRunId: run.id, externalId: externalIdOf(deploymentId), ...working });
        if (!earlier.hasStatuses) await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: `Applying ${short(job.sha)} to ${job.env}`, logUrl: run.url });
        return deploymentId;
      }
      const deployment = await createDeployment(gh, {
        owner,
        repo,
        ref: job.sha,
        environment: job.env,
        description: deploymentDescription(job),
        payload: { job: ctx.job.id, trigger: job.trigger, ...(job.pr ? { pr: job.pr } : {}) },
      });
      deploymentId = deployment.id;
      await updateCheckRun(gh, { owner, repo, checkRunId: run.id, externalId: externalIdOf(deploymentId), ...working });
      await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: `Applying ${short(job.sha)} to ${job.env}`, logUrl: run.url });
      return deploymentId;
    };

    const started = Date.now();
    const finish = async (ok: boolean, title: string, summary: string, text: string | undefined, description: string, report?: ApplyReport): Promise<void> => {
      const id = await ensureDeployment();
      await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: ok ? 'success' : 'failure', title, summary, ...(text !== undefined ? { text } : {}) });
      await setDeploymentStatus(gh, { owner, repo, deploymentId: id, state: ok ? 'success' : 'failure', description, logUrl: run.url });
      await deps.status?.recordApply(job.repo.fullName, job.env, {
        sha: job.sha,
        seq: job.seq,
        trigger: job.trigger,
        ok,
        health: healthOf(report),
        at: Date.now(),
        durationMs: report?.durationMs ?? Date.now() - started,
        summary: report ? countsLine(report) : description,
        checkRunUrl: run.url,
        deploymentId: id,
        ...(job.pr ? { pr: job.pr } : {}),
        ...(job.requestedBy ? { requestedBy: job.requestedBy } : {}),
      });
      // Git's state is back (a newer merge, or a sync): a rollback's pin ends, unless a newer request (that rollback) already superseded this apply.
      if (ok && (job.trigger === 'merge' || job.trigger === 'sync') && !(await ctx.supersededBy())) await deps.status?.clearPin(job.repo.fullName, job.env);
      await noteOnPullRequest(deps, gh, job, ctx, { state: ok ? 'applied' : 'failed', ok, checkRunUrl: run.url, ...(report || ok ? {} : { note: truncate(description, 120) }) });
    };
    const outcome = (ok: boolean, report?: ApplyReport, more: Partial<ApplyOutcome> = {}): ApplyOutcome => ({
      env: job.env, sha: job.sha, ok, checkRunId: run.id, ...(deploymentId !== undefined ? { deploymentId } : {}), ...(report ? { counts: report.counts } : {}), ...more,
    });
    const scope = discoveryScope(job.repo, deps.clusters);

    try {
      await ctx.progress(`fetching ${job.repo.fullName} at ${short(job.sha)}`);
      const mirror = await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, token, [job.sha, ...(job.removed ? [job.removed.definedAt] : [])]);
      if (job.removed) {
        const removed = await removeEnvironment(deps, job, ctx, mirror.dir, scope);
        await completeCheckRun(gh, { owner, repo, checkRunId: run.id, ...removed.check });
        if (removed.ok) await deps.status?.forget(job.repo.fullName, job.env);
        await noteOnPullRequest(deps, gh, job, ctx, { state: removed.ok ? 'pruned' : 'failed', ok: removed.ok, checkRunUrl: run.url });
        return outcome(removed.ok, removed.report);
      }
      const desired = await loadDesiredState({
        repoDir: mirror.dir,
        ref: job.sha,
        env: job.env,
        ...scope,
        progress: Object.assign((message: string) => void ctx.progress(message), { done: () => undefined }),
      });
      const cluster = clusterNameOf(desired.env);
      if (!deps.clusters?.clusters.has(cluster)) {
        throw new BosunError({ kind: 'config', message: `\`${job.env}\` targets cluster \`${cluster}\`, which this bosun installation has no credentials for (BOSUN_CLUSTERS); ask its operator to register it` });
      }
      // Plan pinning: only a merge compares with what the PR's reviewers saw; `/bosun apply` after merge is
      // a person deciding with the check run's difference in front of them.
      const pin = job.pr && job.trigger === 'merge' ? await comparePlan(deps, job, token, mirror.dir, desired.objects, scope) : undefined;
      const manual = job.trigger === 'merge' && !desired.env.autoApply;
      // Unverifiable (the planned head no longer renders) counts as different: the option asks for proof.
      const differs = job.trigger === 'merge' && desired.env.requireMatchingPlan && (pin?.kind === 'differs' || pin?.kind === 'unknown');
      if (manual || differs) {
        await ctx.progress(`previewing ${desired.objects.length} object(s) on ${cluster}: ${job.env} waits for /bosun apply`);
        const held = await holdForCommand(deps, job, desired, cluster, pin, manual ? 'manual' : 'plan-differs');
        await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: 'action_required', ...held });
        if (deploymentId !== undefined) {
          await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'inactive', description: held.title, logUrl: run.url });
        }
        await noteOnPullRequest(deps, gh, job, ctx, { state: 'waiting', ok: false, checkRunUrl: run.url, note: manual ? 'autoApply is off' : pin?.kind === 'unknown' ? 'the merge commit could not be compared with the reviewed plan' : 'the merge commit differs from the reviewed plan' });
        return outcome(false, undefined, { held: manual ? 'manual' : 'plan-differs', ...(pin ? { plan: pin.kind } : {}) });
      }

      await ensureDeployment();
      await ctx.progress(`applying ${desired.objects.length} object(s) to ${job.env} on ${cluster}`);
      const client = await connect(deps.clusters, cluster);
      let report: ApplyReport;
      try {
        // A sync is disaster recovery: the engine's sync mode trusts nothing in the cluster (see `bosun sync`).
        report = await (job.trigger === 'sync' ? syncEnvironment : applyEnvironment)({
          client,
          env: job.forceConflicts ? { ...desired.env, forceConflicts: true } : desired.env,
          objects: desired.objects,
          // Ownership per repository: its own inventory, and prune never touches another repository's objects.
          partOf: job.repo.fullName,
          onProgress: (event) => void ctx.progress(`${event.stage}: ${event.message}`),
        });
      } finally {
        client.close();
      }
      const verdict = report.ok ? (job.trigger === 'rollback' ? `Rolled ${job.env} back to ${short(job.sha)}` : `Applied ${short(job.sha)} to ${job.env}`) : `Apply of ${short(job.sha)} to ${job.env} failed`;
      const summary = [applySummaryMarkdown(job, report), ...(pin ? ['', planPinSummary(pin, job.sha)] : [])].join('\n');
      const text = `\`\`\`\n${renderApplySummary(report)}\`\`\`\n${pin ? `\n${planPinText(pin, job.sha)}` : ''}`;
      await finish(report.ok, verdict, summary, text, `${verdict}: ${countsLine(report)}`, report);
      return outcome(report.ok, report, pin ? { plan: pin.kind } : {});
    } catch (err) {
      if (!(err instanceof BosunError) || !isPermanent(err)) {
        // The cluster, git or GitHub did not answer, or a bug: a retry continues this check run and deployment; the last
        // attempt closes both, so neither is left in progress.
        const message = scrub(err instanceof Error ? err.message : String(err));
        const last = isPermanent(err) || ctx.job.attemptsMade + 1 >= (ctx.job.attempts ?? 1);
        const report = last
          ? finish(false, `Apply of ${short(job.sha)} to ${job.env} failed`, `bosun gave up applying \`${short(job.sha)}\` to \`${job.env}\` after ${ctx.job.attemptsMade + 1} attempt(s): ${message}`, undefined, `Apply failed: ${message}`)
          : updateCheckRun(gh, { owner, repo, checkRunId: run.id, title: `Applying to ${job.env}…`, summary: `Attempt ${ctx.job.attemptsMade + 1} failed: ${message}; bosun tries again.` });
        await report.catch(() => undefined);
        throw err;
      }
      // The commit itself cannot be applied (render, validation, configuration): retrying changes nothing.
      // Not thrown, so the environment's "last applied" moves on and an older commit still cannot follow.
      const problem = scrub(formatProblem(err.toProblem()));
      await finish(false, `Nothing applied to ${job.env}`, `bosun could not apply \`${short(job.sha)}\` to \`${job.env}\`; nothing was changed in the cluster.\n\n\`\`\`\n${problem}\n\`\`\``, undefined, `Nothing applied: ${problem}`);
      return outcome(false);
    }
  };
  return Object.assign(processor, {
    superseded: async (job: ApplyJob, by: Newer | undefined) => {
      const { client: gh } = await deps.auth.installation(job.installationId);
      await reportSuperseded(gh, deps.auth.appId, job, by);
    },
    ready: (job: ApplyJob, ctx: JobContext) => promotionGate(deps, job, ctx),
    abandoned: async (job: ApplyJob, message: string) => {
      const { client: gh } = await deps.auth.installation(job.installationId);
      await reportAbandoned(gh, deps.auth.appId, job, message);
      await deps.status?.recordApply(job.repo.fullName, job.env, {
        sha: job.sha, seq: job.seq, trigger: job.trigger, ok: false, health: 'not-checked', at: Date.now(), durationMs: 0, summary: `Abandoned: ${message}`,
        ...(job.pr ? { pr: job.pr } : {}),
      });
    },
  });
}

/**
 * An apply BullMQ gave up on because its workers vanished too often (killed mid-apply, repeatedly): the
 * check run and deployment it left in progress are closed as failed, so nobody waits on them.
 */
export async function reportAbandoned(gh: GitHubClient, appId: number, job: Pick<ApplyJob, 'repo' | 'env' | 'sha'>, message: string): Promise<void> {
  const owner = job.repo.owner;
  const repo = job.repo.name;
  const existing = await findCheckRun(gh, owner, repo, job.sha, applyCheckRunName(job.env), { appId });
  if (!existing || existing.status === 'completed') return;
  await completeCheckRun(gh, {
    owner,
    repo,
    checkRunId: existing.id,
    conclusion: 'failure',
    title: `Apply of ${short(job.sha)} to ${job.env} abandoned`,
    summary: `The apply of \`${short(job.sha)}\` to \`${job.env}\` did not finish: ${message}. The cluster may be partly changed; the next merge, \`/bosun sync ${job.env}\` or a drift heal brings it back to Git.`,
  });
  const deploymentId = deploymentOf(existing.externalId);
  if (deploymentId !== undefined) {
    await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'failure', description: `Abandoned: the workers running it stopped responding`, logUrl: existing.url });
  }
}

/**
 * Promotion: an apply listing `after` (dependsOn, same push) runs once those environments are applied
 * and healthy at this commit or a newer one (EnvStatusStore: their last apply). A failed one stops it:
 * its check run says which and links the dependency's check run, and the cluster is not touched.
 */
async function promotionGate(deps: ApplyProcessorDeps, job: ApplyJob, ctx: JobContext): Promise<Readiness> {
  if (!job.after?.length || !deps.status) return { status: 'go' };
  const status = deps.status;
  const dependencies = await Promise.all(job.after.map(async (env) => {
    const last = await status.lastApply(job.repo.fullName, env);
    return last ? { env, last } : { env };
  }));
  const verdict = decidePromotion({
    sha: job.sha,
    seq: job.seq,
    dependencies,
    waitedMs: Math.max(0, Date.now() - (ctx.job.enqueuedAt ?? Date.now())),
    maxWaitMs: deps.promotionMaxWaitMs ?? defaultPromotionMaxWaitMs,
  });
  if (verdict.status === 'go') return verdict;
  if (verdict.status === 'wait') return { status: 'wait', retryInMs: verdict.retryInMs, message: `${job.env} waits for ${verdict.waitingFor.join(', ')} at ${short(job.sha)}` };

  const { client: gh } = await deps.auth.installation(job.installationId);
  const owner = job.repo.owner;
  const repo = job.repo.name;
  const name = applyCheckRunName(job.env);
  const existing = await findCheckRun(gh, owner, repo, job.sha, name, { appId: deps.auth.appId });
  const run = existing && existing.status !== 'completed' ? existing : await createCheckRun(gh, { owner, repo, name, headSha: job.sha, status: 'in_progress' });
  const title = job.removed ? verdict.title.replace(/^Not applied/, 'Not pruned') : verdict.title;
  const link = verdict.checkRunUrl ? ` See [${verdict.env}'s check run](${verdict.checkRunUrl}).` : '';
  const action = job.removed ? `nothing of the removed \`${job.env}\` was pruned` : `\`${job.env}\` was not touched`;
  await completeCheckRun(gh, {
    owner,
    repo,
    checkRunId: run.id,
    conclusion: 'cancelled',
    title,
    summary: `${verdict.detail}\n\n\`${job.env}\` depends on \`${verdict.env}\` (\`dependsOn\`), so ${action}.${link} Fix \`${verdict.env}\` in a new pull request; its merge promotes again.`,
  });
  await status.recordApply(job.repo.fullName, job.env, {
    sha: job.sha, seq: job.seq, trigger: job.trigger, ok: false, health: 'not-checked', at: Date.now(), durationMs: 0,
    summary: title, checkRunUrl: run.url, ...(job.pr ? { pr: job.pr } : {}),
  });
  await noteOnPullRequest(deps, gh, job, ctx, { state: 'not-applied', ok: false, checkRunUrl: run.url, note: title.replace(/^Not (applied|pruned): /, '') });
  return { status: 'stop', message: title };
}

/** The render of the PR head last planned for this environment, compared with the merge commit's. */
async function comparePlan(deps: ApplyProcessorDeps, job: ApplyJob, token: () => Promise<string>, repoDir: string, objects: readonly RenderedObject[], scope: ReturnType<typeof discoveryScope>): Promise<PlanPin | undefined> {
  const pr = job.pr;
  if (pr === undefined || !deps.prRecords) return undefined;
  const planned = await deps.prRecords.planned(job.repo.fullName, pr, job.env);
  if (!planned) return undefined;
  if (planned.sha === job.sha) return { kind: 'matches', pr, plannedSha: planned.sha };
  try {
    await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, token, [planned.sha]);
    const before = await loadDesiredState({ repoDir, ref: planned.sha, env: job.env, ...scope });
    const changes = diffRenders(before.objects, objects);
    return changes.length === 0 ? { kind: 'matches', pr, plannedSha: planned.sha } : { kind: 'differs', pr, plannedSha: planned.sha, changes };
  } catch (err) {
    return { kind: 'unknown', pr, plannedSha: planned.sha, reason: scrub(err instanceof Error ? err.message : String(err)) };
  }
}

/**
 * A merge that waits for `/bosun apply <env>`: the check run shows what applying would do to the live
 * cluster (server-side dry run) and how to go ahead. Nothing is changed in the cluster.
 */
async function holdForCommand(
  deps: ApplyProcessorDeps,
  job: ApplyJob,
  desired: { env: Environment; objects: RenderedObject[] },
  cluster: string,
  pin: PlanPin | undefined,
  why: 'manual' | 'plan-differs',
): Promise<{ title: string; summary: string; text: string }> {
  const client = await connect(deps.clusters!, cluster);
  let preview;
  try {
    preview = await previewEnvironment({ client, env: desired.env, objects: desired.objects, partOf: job.repo.fullName });
  } finally {
    client.close();
  }
  const how = job.pr
    ? `Comment \`/bosun apply ${job.env}\` on #${job.pr} to apply it.`
    : `No pull request brought this commit in; \`/bosun sync ${job.env}\` on any pull request applies the default branch.`;
  const reason = why === 'manual'
    ? `\`${job.env}\` does not apply on merge (\`autoApply: false\`).`
    : `\`${job.env}\` has \`requireMatchingPlan: true\` and the merge commit ${pin?.kind === 'unknown' ? 'could not be compared with' : 'differs from'} what #${job.pr}'s last plan showed, so bosun did not apply it.`;
  const c = preview.counts;
  return {
    title: why === 'manual' ? `Waiting for /bosun apply ${job.env}` : pin?.kind === 'unknown' ? 'Not applied: cannot compare with the reviewed plan' : 'Not applied: differs from the reviewed plan',
    summary: [
      `${reason} ${how}`,
      '',
      `Applying \`${short(job.sha)}\` now would: **+${c.create} ~${c.update} −${c.prune}**, ${c.unchanged} unchanged${c.conflict ? `, ${c.conflict} conflict(s)` : ''}${c.rejected ? `, ${c.rejected} rejected` : ''} on cluster \`${cluster}\`.`,
      ...(pin ? ['', planPinSummary(pin, job.sha)] : []),
    ].join('\n'),
    text: `${pin ? planPinText(pin, job.sha) : ''}${renderPreviewMarkdown(preview)}`,
  };
}

/**
 * An environment removed from the configuration: prune everything bosun applied for it (its inventory),
 * unless it had `prune: false`. Objects another environment now owns (a rename: the new environment's
 * apply relabels them) no longer carry this environment's label and are kept.
 */
async function removeEnvironment(deps: ApplyProcessorDeps, job: ApplyJob, ctx: JobContext, repoDir: string, scope: ReturnType<typeof discoveryScope>): Promise<{ ok: boolean; report?: ApplyReport; check: { conclusion: CheckConclusion; title: string; summary: string; text?: string } }> {
  const definedAt = job.removed!.definedAt;
  const [env] = await withTree(repoDir, definedAt, (dir) => selectEnvironments(dir, { envs: [job.env], ...scope }));
  const cluster = clusterNameOf(env);
  if (!env.prune) {
    return { ok: true, check: { conclusion: 'neutral', title: `${job.env} removed; its objects stay (prune: false)`, summary: `\`${job.env}\` is no longer in the configuration at \`${short(job.sha)}\`. It had \`prune: false\`, so bosun left its objects on cluster \`${cluster}\`.` } };
  }
  if (!deps.clusters?.clusters.has(cluster)) {
    return { ok: false, check: { conclusion: 'failure', title: `Not pruned: cluster ${cluster} is not registered`, summary: `\`${job.env}\` was removed from the configuration, but this bosun has no credentials for cluster \`${cluster}\` (BOSUN_CLUSTERS), so its objects stay.` } };
  }
  await ctx.progress(`pruning what bosun applied for the removed ${job.env} on ${cluster}`);
  const client = await connect(deps.clusters, cluster);
  let report: ApplyReport;
  try {
    report = await applyEnvironment({
      client,
      env: { ...env, prune: true, allowEmpty: true },
      objects: [],
      partOf: job.repo.fullName,
      onProgress: (event) => void ctx.progress(`${event.stage}: ${event.message}`),
    });
  } finally {
    client.close();
  }
  const kept = report.notes.length ? `\n\n${report.notes.map((n) => `- ${n}`).join('\n')}` : '';
  return {
    ok: report.ok,
    report,
    check: {
      conclusion: report.ok ? 'success' : 'failure',
      title: report.ok ? `Removed ${job.env}: pruned ${report.pruned} object(s)` : `Pruning the removed ${job.env} failed`,
      summary: `\`${job.env}\` is no longer in the configuration at \`${short(job.sha)}\` (it was defined at \`${short(definedAt)}\`): bosun ${report.ok ? 'deleted' : 'tried to delete'} what it had applied for it on cluster \`${cluster}\`. **Prune:** ${report.pruned} deleted. Objects that another environment applied since (a rename) are kept.${kept}`,
      text: `\`\`\`\n${renderApplySummary(report)}\`\`\`\n`,
    },
  };
}

/**
 * The merged PR's comment gains a line per environment: recorded in Redis first, then the whole block
 * is re-rendered under the PR's comment lock, so two environments finishing at once both show.
 * Best effort: the apply's outcome is already on the commit.
 */
async function noteOnPullRequest(deps: ApplyProcessorDeps, gh: GitHubClient, job: ApplyJob, ctx: JobContext, entry: Omit<AppliedEntry, 'env' | 'sha' | 'at'>): Promise<void> {
  const pr = job.pr;
  const records = deps.prRecords;
  if (pr === undefined || !records || (job.trigger !== 'merge' && job.trigger !== 'command')) return;
  try {
    await records.recordApplied(job.repo.fullName, pr, { env: job.env, sha: job.sha, at: Date.now(), ...entry });
    const author = await deps.auth.botLogin();
    await records.withCommentLock(job.repo.fullName, pr, async () => {
      const block = renderAppliedBlock(await records.applied(job.repo.fullName, pr));
      await updateAppliedBlock(gh, { owner: job.repo.owner, repo: job.repo.name, issue: pr, marker: planCommentMarker, author, block });
    });
  } catch (err) {
    ctx.log.warn({ err: scrub(err instanceof Error ? err.message : String(err)), pr }, 'could not update the applied lines on the pull request');
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * An apply that will not run because a newer commit was requested or applied for its environment: its
 * check run (a new one, or the one an earlier attempt left open) says so, and so does its deployment.
 */
export async function reportSuperseded(gh: GitHubClient, appId: number, job: Pick<ApplyJob, 'repo' | 'env' | 'sha'>, by: Newer | undefined): Promise<void> {
  const owner = job.repo.owner;
  const repo = job.repo.name;
  const name = applyCheckRunName(job.env);
  const newer = by ? `\`${short(by.sha)}\`` : 'a newer commit';
  const existing = await findCheckRun(gh, owner, repo, job.sha, name, { appId });
  if (existing?.status === 'completed') return;
  const run = existing ?? await createCheckRun(gh, { owner, repo, name, headSha: job.sha, status: 'in_progress' });
  await completeCheckRun(gh, {
    owner,
    repo,
    checkRunId: run.id,
    conclusion: 'cancelled',
    title: `Superseded by ${by ? short(by.sha) : 'a newer commit'}`,
    summary: `\`${short(job.sha)}\` was not applied to \`${job.env}\`: it was superseded by ${newer}, which was merged later. bosun never applies an older commit after a newer one; see the newer commit's \`${name}\` check.`,
  });
  const deploymentId = deploymentOf(existing?.externalId ?? null);
  if (deploymentId !== undefined) {
    await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'inactive', description: `Superseded by ${by ? short(by.sha) : 'a newer commit'}`, logUrl: run.url });
  }
}

function healthOf(report: ApplyReport | undefined): HealthVerdict {
  return report?.health?.verdict ?? 'not-checked';
}

function countsLine(report: ApplyReport): string {
  const c = report.counts;
  const parts = [`${c.created} created`, `${c.configured} configured`, `${c.pruned} pruned`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (report.health) parts.push(report.health.verdict);
  return parts.join(', ');
}

function applySummaryMarkdown(job: ApplyJob, report: ApplyReport): string {
  const c = report.counts;
  const lines = [
    `${report.ok ? '✅' : '❌'} \`${short(job.sha)}\` → \`${job.env}\` on cluster \`${report.cluster}\` in ${(report.durationMs / 1000).toFixed(1)} s (${job.trigger}).`,
    '',
    '| created | configured | unchanged | pruned | skipped | failed |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${c.created} | ${c.configured} | ${c.unchanged} | ${c.pruned} | ${c.skipped} | ${c.failed} |`,
    '',
  ];
  if (report.health) {
    const h = report.health;
    const healthy = h.objects.filter((o) => o.status === 'healthy').length;
    lines.push(`**Health:** ${h.verdict} (${healthy} of ${h.objects.length} healthy after ${(h.elapsedMs / 1000).toFixed(1)} s)`);
  } else {
    lines.push('**Health:** not checked');
  }
  const prunes = report.objects.filter((o) => o.stage === 'prune');
  lines.push(`**Prune:** ${report.pruned} deleted${prunes.length > report.pruned ? `, ${prunes.length - report.pruned} kept` : ''}`);
  for (const note of report.notes) lines.push(`- ${note}`);
  return lines.join('\n');
}

/** A rollback or a sync deploys an older or the same commit again: its deployment must not read like a merge. */
function deploymentDescription(job: ApplyJob): string {
  const sha = short(job.sha);
  const by = job.requestedBy ? ` for @${job.requestedBy}` : '';
  switch (job.trigger) {
    case 'merge':
      return `bosun applies the merge ${sha} to ${job.env}`;
    case 'rollback':
      return `bosun rolls ${job.env} back to ${sha}${job.pr ? ` (rollback of #${job.pr})` : ''}${by}`;
    case 'sync':
      return `bosun syncs ${job.env} with ${sha} (full desired state)${by}`;
    default:
      return `bosun applies ${sha} to ${job.env}`;
  }
}
