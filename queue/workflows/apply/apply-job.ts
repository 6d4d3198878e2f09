/**
 * The apply job: one environment at one commit of the default branch (a merge, `/bosun apply` after
 * merge, `/bosun rollback --now`, `/bosun sync`, a removed environment's prune). The job layer has
 * already made sure no other job changes the environment (it holds the lease) and that no newer commit
 * was requested or applied. This file states what differs for these callers — render the commit, the
 * holds and plan pinning (workflows/apply/hold.ts, plan-pin.ts), the promotion gate — and runs the
 * shared apply path (workflows/apply/apply-run.ts): check run `bosun / apply (<env>)`, a GitHub
 * Deployment, the environment's apply record.
 */
import { applyEnvironment, connect, previewEnvironment, syncEnvironment, type ApplyReport, type ClusterRegistry } from '../../../src/cluster/index.ts';
import { removalKeepReason } from '../../../src/model/apply-options.ts';
import { clusterNameOf } from '../../../src/model/environment.ts';
import { diffRenders } from '../../../src/diff/change-diff.ts';
import type { MirrorCache } from '../../../src/git/mirror.ts';
import { renderAppliedBlock, updateAppliedBlock } from '../../../src/github/applied-lines.ts';
import type { GitHubClient } from '../../../src/github/index.ts';
import type { ApplyJob, EnvStatusStore, Newer, OwedPrune, OwedPrunes } from '../../../src/jobs.ts';
import type { AppliedEntry, PrRecords } from '../../../src/jobs/pr-records.ts';
import { decidePromotion } from '../../../src/jobs/promotion.ts';
import { BosunError } from '../../../src/model/errors.ts';
import type { RenderedObject } from '../../../src/model/object.ts';
import { loadDesiredState, selectEnvironments, withTree } from '../../../src/plan/desired-state.ts';
import type { PlanPin } from '../../../src/report/plan-pin.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { JobContext, Processor, Readiness } from '../../contract.ts';
import { applyRun, type RunEnd } from './apply-run.ts';
import { abandonedCheck, appliedCheck, carriedPruneLine, heldCheck, heldNote, pruneOffCheck, prunedCheck, pruneUnregisteredCheck, short, supersededCheck, truncate } from './apply-text.ts';
import { endsPin, holdOf, mayLeaveRolloutOutOfSync, notesPullRequest, rolloutPruneOffHold, type Hold } from './hold.ts';
import { endUnrunApply, openApplyLifeCycle, sayWaiting, unrunRecord } from './life-cycle.ts';
import { lastDefaultBranchApply } from './history.ts';
import { comparesWithPlan, planPinOf } from './plan-pin.ts';
import { promotionDecision } from './promotion-gate.ts';
import type { GitHubAppAuth } from '../../../src/github/app-auth.ts';
import { planCommentMarker } from '../../../src/github/names.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';
import { chartDiscovery, type PlanChartOptions } from '../../../src/plan/chart-fetcher.ts';


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
  /** Remote charts (Fleet bundles, kustomize helmCharts): fetched for applies of default-branch commits only. */
  charts?: PlanChartOptions;
  /** `--prune` requests their job did not live to run (superseded): the apply that overtook them prunes. */
  owedPrunes?: OwedPrunes;
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
  held?: Hold;
  /** The plan pinning verdict, when the commit came from a planned pull request. */
  plan?: PlanPin['kind'];
}

/** Longest promotion wait by default: staging may itself wait for a person (autoApply off). */
export const defaultPromotionMaxWaitMs = 6 * 3600_000;

type Scope = ReturnType<typeof discoveryScope>;

export function applyProcessor(deps: ApplyProcessorDeps): Processor<ApplyJob, ApplyOutcome> {
  const processor = async (job: ApplyJob, ctx: JobContext): Promise<ApplyOutcome> => {
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const life = await openApplyLifeCycle({
      gh,
      appId: deps.auth.appId,
      ...(deps.status ? { status: deps.status } : {}),
      jobId: ctx.job.id,
      ...(ctx.job.enqueuedAt !== undefined ? { enqueuedAt: ctx.job.enqueuedAt } : {}),
      attemptsMade: ctx.job.attemptsMade,
      checkRun: true,
      // A removed environment's prune deploys nothing.
      deployment: !job.removed,
    }, job);
    const scope = discoveryScope(job.repo, deps.clusters);
    let pin: PlanPin | undefined;
    let held: Hold | undefined;
    // Argo CD syncs it only by hand (an ApplicationSet's RollingSync never does): what the held check says.
    let manual: string | undefined;

    const end = await applyRun({
      life,
      signal: ctx.signal,
      retry: { attemptsMade: ctx.job.attemptsMade, attempts: ctx.job.attempts ?? 1 },
      work: async (steps) => {
        await ctx.progress(`fetching ${job.repo.fullName} at ${short(job.sha)}`);
        const mirror = await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, token, [job.sha, ...(job.removed ? [job.removed.definedAt] : []), ...(job.kept ? [job.kept.definedAt] : [])]);
        if (job.removed) return pruneRemoved(deps, job, ctx, mirror.dir, scope, steps.deploy);
        const desired = await loadDesiredState({
          repoDir: mirror.dir,
          ref: job.sha,
          env: job.env,
          // An Application an ApplicationSet failing at the merged commit keeps: its last generated spec (discover/argocd-kept.ts).
          ...(job.kept ? { definedAt: job.kept.definedAt } : {}),
          ...scope,
          // A pull request's head (/bosun apply before merge) may not choose the chart sources fetched.
          ...(deps.charts && job.trigger !== 'pre-merge' && job.trigger !== 'command' ? { charts: deps.charts } : {}),
          progress: Object.assign((message: string) => void ctx.progress(message), { done: () => undefined }),
        });
        const cluster = clusterNameOf(desired.env);
        if (!deps.clusters?.clusters.has(cluster)) {
          throw new BosunError({ kind: 'config', message: `\`${job.env}\` targets cluster \`${cluster}\`, which this bosun installation has no credentials for (BOSUN_CLUSTERS); ask its operator to register it` });
        }
        // A `--prune` of a request this one superseded (or of this one): owed until an apply does it.
        const owed = await deps.owedPrunes?.owed(job);
        const prune = Boolean(job.prune) || owed !== undefined;
        pin = comparesWithPlan(job.trigger, job.pr) ? await comparePlan(deps, job, job.pr, token, mirror.dir, desired.objects, scope) : undefined;
        held = holdOf({ trigger: job.trigger, env: desired.env, ...(pin ? { pin } : {}) });
        manual = held === 'manual' ? desired.env.rollout?.manual : undefined;
        // RollingSync without prune: the apply waits when its sync would leave what Git dropped (hold.ts);
        // only the preview tells, so it is previewed like a held apply.
        const mayLeave = !held && !prune && mayLeaveRolloutOutOfSync(job.trigger, desired.env);
        if (held || mayLeave) {
          if (held) await ctx.progress(`previewing ${desired.objects.length} object(s) on ${cluster}: ${job.env} waits for /bosun apply`);
          const client = await connect(deps.clusters, cluster);
          try {
            const preview = await previewEnvironment({ client, env: desired.env, objects: desired.objects, partOf: job.repo.fullName });
            const why = mayLeave ? rolloutPruneOffHold(job.trigger, desired.env, preview.leftByPruneOff, preview.keptByPruneRule) : undefined;
            if (why) {
              held = 'manual';
              manual = why;
              await ctx.progress(`${job.env} waits for a sync with prune: its RollingSync sync would leave ${String(preview.leftByPruneOff)} object(s) Git dropped`);
            }
            if (held) return { kind: 'hold', check: heldCheck(job, held, cluster, preview, pin, manual) };
          } finally {
            client.close();
          }
        }

        await steps.deploy();
        await ctx.progress(`applying ${desired.objects.length} object(s) to ${job.env} on ${cluster}`);
        const client = await connect(deps.clusters, cluster);
        try {
          // A sync is disaster recovery: the engine's sync mode trusts nothing in the cluster (see `bosun sync`).
          const report = await (job.trigger === 'sync' ? syncEnvironment : applyEnvironment)({
            client,
            env: job.forceConflicts ? { ...desired.env, forceConflicts: true } : desired.env,
            objects: desired.objects,
            // `--prune`: this run prunes even with the environment's prune off (ApplyEnvironmentInput.prune).
            ...(prune ? { prune: true } : {}),
            // Ownership per repository: its own inventory, and prune never touches another repository's objects.
            partOf: job.repo.fullName,
            // Names generated hooks as Argo CD does (`<generateName><sha7>-<phase>-<unix time>`).
            revision: job.sha,
            onProgress: (event) => void ctx.progress(`${event.stage}: ${event.message}`),
          });
          if (prune && report.ok) await deps.owedPrunes?.pay(job);
          return { kind: 'finish', ending: { ok: report.ok, ...withCarriedPrune(appliedCheck(job, report, pin, desired.env.rollout), job, owed), report } };
        } finally {
          client.close();
        }
      },
      posted: (result) => afterApply(deps, gh, job, ctx, life.checkRun!.url, result, held, pin, manual),
    });

    const report = end.kind === 'finish' ? end.ending.report : undefined;
    return {
      env: job.env,
      sha: job.sha,
      ok: end.kind === 'finish' ? end.ending.ok : end.kind === 'close',
      checkRunId: life.checkRun!.id,
      ...(life.deploymentId !== undefined ? { deploymentId: life.deploymentId } : {}),
      ...(report ? { counts: report.counts } : {}),
      ...(held ? { held } : {}),
      ...(pin ? { plan: pin.kind } : {}),
    };
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
      await deps.status?.recordApply(job.repo.fullName, job.env, unrunRecord(job, `Abandoned: ${message}`));
    },
  });
}

/** The check run of an apply that prunes for an older request's `--prune` says whose it is. */
function withCarriedPrune<T extends { summary: string }>(check: T, job: ApplyJob, owed: OwedPrune | undefined): T {
  if (!owed || (job.prune && owed.sha === job.sha)) return check;
  return { ...check, summary: `${check.summary}\n\n${carriedPruneLine(job, owed)}` };
}

/**
 * What follows the end of an apply job's run: a removed environment is forgotten, a merge or a sync
 * that went through ends a rollback's pin, and the merged PR's comment gets its "applied to" line.
 */
async function afterApply(deps: ApplyProcessorDeps, gh: GitHubClient, job: ApplyJob, ctx: JobContext, checkRunUrl: string, end: RunEnd, held: Hold | undefined, pin: PlanPin | undefined, manual?: string): Promise<void> {
  if (job.removed) {
    const ok = end.kind === 'close' || (end.kind === 'finish' && end.ending.ok);
    if (ok) await deps.status?.forget(job.repo.fullName, job.env);
    await noteOnPullRequest(deps, gh, job, ctx, { state: ok ? 'pruned' : 'failed', ok, checkRunUrl });
    return;
  }
  if (end.kind === 'hold') {
    await noteOnPullRequest(deps, gh, job, ctx, { state: 'waiting', ok: false, checkRunUrl, note: heldNote(held ?? 'manual', pin, manual) });
    return;
  }
  if (end.kind !== 'finish') return;
  const { ok, report, description } = end.ending;
  // Git's state is back (a newer merge, or a sync): a rollback's pin ends, unless a newer request (that rollback) already superseded this apply.
  if (ok && endsPin(job.trigger) && !(await ctx.supersededBy())) await deps.status?.clearPin(job.repo.fullName, job.env);
  await noteOnPullRequest(deps, gh, job, ctx, { state: ok ? 'applied' : 'failed', ok, checkRunUrl, ...(report || ok ? {} : { note: truncate(description, 120) }) });
}

/**
 * An apply BullMQ gave up on because its workers vanished too often (killed mid-apply, repeatedly): the
 * check run and deployment it left in progress are closed as failed, so nobody waits on them.
 */
export async function reportAbandoned(gh: GitHubClient, appId: number, job: Pick<ApplyJob, 'repo' | 'env' | 'sha'>, message: string): Promise<void> {
  const text = abandonedCheck(job, message);
  await endUnrunApply(gh, appId, job, { none: 'skip', completed: 'skip', conclusion: 'failure', title: text.title, summary: text.summary, deployment: { state: 'failure', description: text.description } });
}

/**
 * An apply that will not run because a newer commit was requested or applied for its environment: its
 * check run (a new one, or the one an earlier attempt left open) says so, and so does its deployment.
 */
export async function reportSuperseded(gh: GitHubClient, appId: number, job: Pick<ApplyJob, 'repo' | 'env' | 'sha' | 'prune'>, by: Newer | undefined): Promise<void> {
  const text = supersededCheck(job, by);
  await endUnrunApply(gh, appId, job, { none: 'create', completed: 'skip', conclusion: 'cancelled', ...text, deployment: { state: 'inactive', description: text.title } });
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
    // A pre-merge `/bosun apply` of the dependency applied a PR head, not this commit or a newer one.
    const last = lastDefaultBranchApply(await status.lastApply(job.repo.fullName, env), await status.history(job.repo.fullName, env));
    // afterWhy names the RollingSync edges (src/jobs/rollout-order.ts): such a step is done only once in sync.
    const rollout = job.afterWhy?.[env] !== undefined;
    return { env, ...(last ? { last } : {}), ...(rollout ? { rollout } : {}) };
  }));
  const decision = promotionDecision(job, decidePromotion({
    sha: job.sha,
    seq: job.seq,
    dependencies,
    waitedMs: Math.max(0, Date.now() - (ctx.job.enqueuedAt ?? Date.now())),
    maxWaitMs: deps.promotionMaxWaitMs ?? defaultPromotionMaxWaitMs,
  }));
  if (decision.status === 'wait' && decision.check) {
    // An earlier step waits for a person (a sync with prune): the queued check run says so. Best effort.
    const check = decision.check;
    await deps.auth.installation(job.installationId)
      .then(({ client }) => sayWaiting(client, deps.auth.appId, job, check))
      .catch((err: unknown) => ctx.log.warn({ err: scrub(err instanceof Error ? err.message : String(err)) }, 'could not say why the apply waits'));
  }
  if (decision.status !== 'stop') return decision;

  const { client: gh } = await deps.auth.installation(job.installationId);
  const run = await endUnrunApply(gh, deps.auth.appId, job, { none: 'create', completed: 'create', conclusion: 'cancelled', title: decision.title, summary: decision.summary });
  await status.recordApply(job.repo.fullName, job.env, unrunRecord(job, decision.title, run?.url));
  await noteOnPullRequest(deps, gh, job, ctx, { state: 'not-applied', ok: false, checkRunUrl: run?.url ?? '', note: decision.note });
  return { status: 'stop', message: decision.message };
}

/** The render of the PR head last planned for this environment, compared with the merge commit's. */
async function comparePlan(deps: ApplyProcessorDeps, job: ApplyJob, pr: number, token: () => Promise<string>, repoDir: string, objects: readonly RenderedObject[], scope: Scope): Promise<PlanPin | undefined> {
  if (!deps.prRecords) return undefined;
  const planned = await deps.prRecords.planned(job.repo.fullName, pr, job.env);
  if (!planned) return undefined;
  if (planned.sha === job.sha) return planPinOf({ pr, plannedSha: planned.sha, sha: job.sha });
  try {
    await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, token, [planned.sha]);
    const before = await loadDesiredState({ repoDir, ref: planned.sha, env: job.env, ...(job.kept ? { definedAt: job.kept.definedAt } : {}), ...scope });
    return planPinOf({ pr, plannedSha: planned.sha, sha: job.sha, compared: { changes: diffRenders(before.objects, objects) } });
  } catch (err) {
    return planPinOf({ pr, plannedSha: planned.sha, sha: job.sha, compared: { error: scrub(err instanceof Error ? err.message : String(err)) } });
  }
}

/**
 * An environment removed from the configuration: prune everything bosun applied for it (its inventory),
 * unless it had `prune: false`. Objects another environment now owns (a rename: the new environment's
 * apply relabels them) no longer carry this environment's label and are kept.
 */
async function pruneRemoved(deps: ApplyProcessorDeps, job: ApplyJob, ctx: JobContext, repoDir: string, scope: Scope, deploy: () => Promise<void>): Promise<RunEnd> {
  const definedAt = job.removed!.definedAt;
  // The commit that defined it is the default branch's: a child of an app of apps through a fetched chart is found as the push found it.
  const [env] = await withTree(repoDir, definedAt, (dir) => {
    const { charts } = chartDiscovery(deps.charts, dir);
    return selectEnvironments(dir, { envs: [job.env], ...scope, ...(charts ? { charts } : {}) });
  });
  const cluster = clusterNameOf(env);
  // The plan's rule (model/apply-options.ts removalKeepReason): a Flux Kustomization with deletionPolicy Delete
  // deletes its objects on removal even with spec.prune off; `.bosun.yaml` prune: false keeps them.
  const keeps = removalKeepReason(env);
  if (keeps) return { kind: 'close', check: { conclusion: 'neutral', ...pruneOffCheck(job, cluster, keeps) } };
  if (!deps.clusters?.clusters.has(cluster)) return { kind: 'finish', ending: { ok: false, ...pruneUnregisteredCheck(job, cluster) } };
  await deploy();
  await ctx.progress(`pruning what bosun applied for the removed ${job.env} on ${cluster}`);
  const client = await connect(deps.clusters, cluster);
  try {
    const report = await applyEnvironment({
      client,
      env: { ...env, prune: true, allowEmpty: true },
      objects: [],
      // The environment goes: its controller's deletion rules hold (Argo CD's Delete=, CRDs, helm keep).
      removal: true,
      partOf: job.repo.fullName,
      onProgress: (event) => void ctx.progress(`${event.stage}: ${event.message}`),
    });
    return { kind: 'finish', ending: { ok: report.ok, ...prunedCheck(job, definedAt, cluster, report), report } };
  } finally {
    client.close();
  }
}

/**
 * The merged PR's comment gains a line per environment: recorded in Redis first, then the whole block
 * is re-rendered under the PR's comment lock, so two environments finishing at once both show.
 * Best effort: the apply's outcome is already on the commit.
 */
async function noteOnPullRequest(deps: ApplyProcessorDeps, gh: GitHubClient, job: ApplyJob, ctx: JobContext, entry: Omit<AppliedEntry, 'env' | 'sha' | 'at'>): Promise<void> {
  const pr = job.pr;
  const records = deps.prRecords;
  if (pr === undefined || !records || !notesPullRequest(job.trigger)) return;
  try {
    await records.recordApplied(job.repo.fullName, pr, { env: job.env, sha: job.sha, at: Date.now(), ...entry });
    const author = await deps.auth.botLogin();
    await records.withCommentLock(job.repo.fullName, pr, async () => {
      const block = renderAppliedBlock(await records.applied(job.repo.fullName, pr));
      await updateAppliedBlock(gh, { owner: job.repo.owner, repo: job.repo.name, issue: pr, marker: planCommentMarker, author, block, log: ctx.log });
    });
  } catch (err) {
    ctx.log.warn({ err: scrub(err instanceof Error ? err.message : String(err)), pr }, 'could not update the applied lines on the pull request');
  }
}
