/**
 * The push job: a push to the default branch (a merge). Finds the environments the pushed commits
 * touch and queues one apply per environment whose cluster is registered here. The applies are
 * ordered by the head commit's committer time, so an older push that arrives (or is processed) after a
 * newer one is never applied; it is reported as superseded instead.
 * - `dependsOn`: an environment whose dependency the same push applies waits for it (ApplyJob.after);
 *   so does the step order of an Argo CD ApplicationSet's RollingSync (src/jobs/rollout-order.ts: later
 *   steps after earlier ones, `maxUpdate` at a time, with why in ApplyJob.afterWhy);
 *   its check run is queued at once, saying what it waits for.
 * - `autoApply: false`: queued too; the apply processor previews and waits for `/bosun apply`.
 * - An environment removed from the configuration: its objects are pruned (after this push's other
 *   applies to the same cluster, so a renamed environment has taken over what it still owns).
 * - The merged PR (GitHub's commit → pulls lookup) travels with every apply: plan pinning and the
 *   "applied to" lines on its comment.
 */
import { clusterNameOf } from '../../../src/model/environment.ts';
import type { ClusterRegistry } from '../../../src/cluster/index.ts';
import { commitTime } from '../../../src/git/index.ts';
import type { MirrorCache } from '../../../src/git/mirror.ts';
import type { EnqueueResult, Producers, PushJob } from '../../../src/jobs.ts';
import { dependenciesToWaitFor } from '../../../src/jobs/promotion.ts';
import { rolloutWaits } from '../../../src/jobs/rollout-order.ts';
import { discoverEnvironments } from '../../../src/discover/index.ts';
import { pullOfMergeCommit } from '../../../src/github/associated-pulls.ts';
import { completeCheckRun, createCheckRun, findCheckRun } from '../../../src/github/index.ts';
import { applyCheckRunName, brokenMergeCheckRunName } from '../../../src/github/names.ts';
import type { Environment } from '../../../src/model/environment.ts';
import { BosunError, formatProblem } from '../../../src/model/errors.ts';
import { withTree } from '../../../src/plan/desired-state.ts';
import { affectedEnvironments, type AffectedEnvironment } from '../../../src/plan/affected.ts';
import { chartDiscovery, type PlanChartOptions } from '../../../src/plan/chart-fetcher.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { Processor } from '../../contract.ts';
import { reportSuperseded } from '../apply/apply-job.ts';
import type { GitHubAppAuth } from '../../../src/github/app-auth.ts';
import { scheduleReconciles, type ReconcileProducers } from '../reconcile/reconcile-schedule.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';

export interface PushProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  producers: Pick<Producers, 'enqueueApply'> & ReconcileProducers;
  clusters?: ClusterRegistry;
  /** Remote charts: an Argo CD app of apps through a fetched chart has its children as environments, as in the plan. */
  charts?: PlanChartOptions;
}

export interface PushOutcome {
  sha: string;
  /** The merged pull request the commit came from, if any. */
  pr?: number;
  applies: Array<{ env: string; result: EnqueueResult['status'] }>;
  /** Affected environments not applied, and why. */
  skipped: Array<{ env: string; reason: string }>;
}

export function pushProcessor(deps: PushProcessorDeps): Processor<PushJob, PushOutcome> {
  return async (job, ctx) => {
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const repoRef = { fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl };
    await ctx.progress(`fetching ${job.repo.fullName} at ${job.after.slice(0, 7)}`);
    const mirror = await deps.mirrors.ensure(repoRef, token, [job.after]);
    // A force push may have taken `before` away: then everything at the new tip is affected.
    const base = job.before && (await deps.mirrors.ensure(repoRef, token, [job.before]).then(() => true, () => false)) ? job.before : undefined;
    const seq = await commitTime(mirror.dir, job.after);

    const outcome: PushOutcome = { sha: job.after, applies: [], skipped: [] };
    let affected: AffectedEnvironment[];
    try {
      affected = await affectedEnvironments({
        repoDir: mirror.dir,
        ...(base ? { base } : {}),
        head: job.after,
        ...discoveryScope(job.repo, deps.clusters),
        ...(deps.charts ? { charts: deps.charts } : {}),
      });
    } catch (err) {
      if (!(err instanceof BosunError)) throw err;
      // The merged configuration is broken: nothing can be applied, and the commit says why.
      const owner = job.repo.owner;
      const repo = job.repo.name;
      const run = await createCheckRun(gh, { owner, repo, name: brokenMergeCheckRunName, headSha: job.after, status: 'in_progress' });
      await completeCheckRun(gh, {
        owner,
        repo,
        checkRunId: run.id,
        conclusion: 'failure',
        title: 'Nothing applied: the configuration is broken',
        summary: `bosun could not find the environments of \`${job.after.slice(0, 7)}\`, so nothing was applied. Fix it in a new pull request.\n\n\`\`\`\n${scrub(formatProblem(err.toProblem()))}\n\`\`\``,
      });
      outcome.skipped.push({ env: '*', reason: err.message });
      return outcome;
    }
    const owner = job.repo.owner;
    const repo = job.repo.name;
    // Best effort: without it the applies still run, only without plan pinning and PR lines.
    const pr = await pullOfMergeCommit(gh, owner, repo, job.after).catch((err: unknown) => {
      ctx.log.warn({ err: scrub(err instanceof Error ? err.message : String(err)) }, 'could not find the pull request of the pushed commit');
      return undefined;
    });
    if (pr) outcome.pr = pr.number;

    const toApply: Array<{ name: string; env: Environment; keptDefinedAt?: string }> = [];
    const removed: string[] = [];
    for (const { name, env, keptDefinedAt } of affected) {
      if (!env) {
        removed.push(name);
        continue;
      }
      if (!deps.clusters?.clusters.has(clusterNameOf(env))) {
        outcome.skipped.push({ env: name, reason: `cluster ${clusterNameOf(env)} is not registered with this bosun` });
        continue;
      }
      toApply.push({ name, env, ...(keptDefinedAt ? { keptDefinedAt } : {}) });
    }
    const applied = new Set(toApply.map((a) => a.name));
    const enqueue = async (env: string, cluster: string, extra: { after?: string[]; afterWhy?: Record<string, string>; removed?: { definedAt: string }; kept?: { definedAt: string } }): Promise<void> => {
      const after = extra.after ?? [];
      const afterWhy = extra.afterWhy && Object.keys(extra.afterWhy).length > 0 ? extra.afterWhy : undefined;
      if (after.length > 0) await showWaiting(env, after, Boolean(extra.removed), afterWhy);
      const result = await deps.producers.enqueueApply({
        deliveryId: job.deliveryId,
        installationId: job.installationId,
        repo: job.repo,
        env,
        sha: job.after,
        trigger: 'merge',
        seq,
        // The per-cluster apply limit counts the job against it (src/jobs/apply-limits.ts).
        cluster,
        ...(pr ? { pr: pr.number } : {}),
        ...(after.length > 0 ? { after } : {}),
        ...(afterWhy ? { afterWhy } : {}),
        ...(extra.removed ? { removed: extra.removed } : {}),
        ...(extra.kept ? { kept: extra.kept } : {}),
      });
      // Older than what the environment already has (webhooks out of order): say so on the commit.
      if (result.status === 'superseded') await reportSuperseded(gh, deps.auth.appId, { repo: job.repo, env, sha: job.after }, result.by);
      outcome.applies.push({ env, result: result.status });
    };
    // Promotion made visible at once: the dependent's check run is queued, naming what it waits for.
    const showWaiting = async (env: string, after: string[], removal: boolean, why?: Record<string, string>): Promise<void> => {
      const name = applyCheckRunName(env);
      if (await findCheckRun(gh, owner, repo, job.after, name, { appId: deps.auth.appId })) return;
      const list = after.map((a) => `\`${a}\``).join(', ');
      await createCheckRun(gh, {
        owner, repo, name, headSha: job.after, status: 'queued',
        title: `Waiting for ${after.join(', ')}`,
        summary: removal
          ? `\`${env}\` was removed from the configuration. Its objects are pruned once ${list} ${after.length === 1 ? 'is' : 'are'} applied at \`${job.after.slice(0, 7)}\`, so an environment that took them over keeps them.`
          : `\`${env}\` is applied once ${list} ${after.length === 1 ? 'is' : 'are'} applied and healthy at \`${job.after.slice(0, 7)}\`:\n${after.map((a) => `- \`${a}\`: ${why?.[a] ?? 'listed in `dependsOn`'}`).join('\n')}`,
      });
    };

    const rollout = rolloutWaits(toApply.map((a) => ({ name: a.name, ...(a.env.rollout ? { rollout: a.env.rollout } : {}) })));
    for (const { name, env, keptDefinedAt } of toApply) {
      const waits = rollout.get(name);
      const after = [...new Set([...dependenciesToWaitFor(env.dependsOn, applied), ...(waits?.after ?? [])])];
      // Kept by an ApplicationSet failing at the merged commit: defined by the commit that last generated it.
      await enqueue(name, clusterNameOf(env), { after, ...(waits ? { afterWhy: waits.why } : {}), ...(keptDefinedAt ? { kept: { definedAt: keptDefinedAt } } : {}) });
    }
    if (removed.length > 0 && base) {
      const before = await withTree(mirror.dir, base, (dir) => discoverEnvironments(dir, { ...discoveryScope(job.repo, deps.clusters), ...chartDiscovery(deps.charts, dir) }))
        .then((d) => new Map(d.environments.map((e) => [e.name, e])), () => new Map<string, Environment>());
      for (const name of removed) {
        const env = before.get(name);
        if (!env || !deps.clusters?.clusters.has(clusterNameOf(env))) {
          outcome.skipped.push({ env: name, reason: env ? `removed from the configuration; cluster ${clusterNameOf(env)} is not registered with this bosun` : 'removed from the configuration; its definition could not be read' });
          continue;
        }
        // Environments that wait for a person (autoApply off) are not waited for: that may take days.
        const sameCluster = toApply.filter((a) => a.env.autoApply && clusterNameOf(a.env) === clusterNameOf(env)).map((a) => a.name);
        await enqueue(name, clusterNameOf(env), { after: sameCluster, removed: { definedAt: base } });
      }
    }
    // Drift checks follow what is merged: one repeating reconcile per environment (reconcile-schedule.ts).
    await scheduleReconciles({ producers: deps.producers, clusters: deps.clusters, repoDir: mirror.dir, sha: job.after, target: { installationId: job.installationId, repo: job.repo }, ...(deps.charts ? { charts: deps.charts } : {}) })
      .catch((err: unknown) => ctx.log.warn({ err: scrub(err instanceof Error ? err.message : String(err)) }, 'could not update the drift check schedule'));
    await ctx.progress(`queued ${outcome.applies.filter((a) => a.result === 'queued').length} apply(s); skipped ${outcome.skipped.length}`);
    if (outcome.skipped.length > 0) ctx.log.info({ skipped: outcome.skipped }, 'affected environments not applied on merge');
    return outcome;
  };
}
