/**
 * `/bosun apply <env>`.
 * - Before merge: the environment (as the base branch defines it) must allow it and its requirements
 *   must hold; the PR takes the environment's lock (held until the PR closes), then the PR head is
 *   rendered, validated and applied through the shared apply path (workflows/apply/apply-run.ts):
 *   holding the environment lease (kept alive like an apply job's; a lost lease fails the run) so it
 *   never overlaps an apply on merge, a sync or a heal, and a turn under the apply limits (it waits for
 *   its cluster's and the global slot like every apply), as a GitHub Deployment of the PR head, recorded
 *   in the environment's apply history (trigger `pre-merge`); the result is the reply.
 * - On a merged PR: queues an apply of the PR's merge commit through the job layer (environment lease,
 *   latest commit wins), for environments that wait for it (`autoApply: false`, `requireMatchingPlan`)
 *   or to apply the merge again. A merge commit older than what the environment has is refused.
 */
import { checkRequirements, formatCommand, type ApplyCommand } from '../../../src/chatops/index.ts';
import { clusterNameOf } from '../../../src/model/environment.ts';
import { applyEnvironment, connect, renderApplySummary } from '../../../src/cluster/index.ts';
import { applyRun } from '../apply/apply-run.ts';
import { appliedCheck, stoppedWaitingText, waitingForTurnText } from '../apply/apply-text.ts';
import { takeEnvLease, type HeldEnvLease } from '../apply/env-lease.ts';
import { openApplyLifeCycle, type ApplyTarget } from '../apply/life-cycle.ts';
import { discoverEnvironments } from '../../../src/discover/index.ts';
import { commitTime, mergeBase as findMergeBase } from '../../../src/git/index.ts';
import { readMergeState } from '../../../src/github/associated-pulls.ts';
import { completeCheckRun, createCheckRun, type CheckRunRef } from '../../../src/github/index.ts';
import { applyCheckRunName } from '../../../src/github/names.ts';
import { applySlotWaitText } from '../../../src/jobs/apply-slots.ts';
import { lockKey } from '../../../src/locks/index.ts';
import { loadDesiredState, withTree } from '../../../src/plan/desired-state.ts';
import { planRequest, type CommandProcessorDeps, type CommandRun } from './command-run.ts';
import { approvers, requirementState } from './pull-request.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';
import { chartDiscovery } from '../../../src/plan/chart-fetcher.ts';

export async function applyForPullRequest(deps: CommandProcessorDeps, run: CommandRun, command: ApplyCommand): Promise<boolean> {
  const { job, pr, gh } = run;
  const name = command.env;
  if (pr.state !== 'open') {
    const merge = await readMergeState(gh, job.repo.owner, job.repo.name, job.pr);
    if (merge.merged && merge.mergeCommitSha) return applyMergedPullRequest(deps, run, command, merge.mergeCommitSha);
  }
  const base = await run.base();
  const env = base.envs.get(name);
  if (!env) {
    await run.reply(`\`${name}\` is not an environment on ${pr.baseRef}; known: ${[...base.envs.keys()].map((n) => `\`${n}\``).join(', ') || '(none)'}.`);
    return false;
  }
  if (pr.state !== 'open') {
    await run.reply(`#${job.pr} was closed without being merged: there is nothing to apply.`);
    return false;
  }
  if (!env.allowPreMergeApply) {
    await run.reply(`\`${name}\` does not allow applying before merge. Set \`allowPreMergeApply: true\` on it in .bosun.yaml on ${pr.baseRef} to allow \`/bosun apply\`, or merge the pull request.`);
    return false;
  }
  if (!deps.clusters || !deps.clusters.clusters.has(clusterNameOf(env))) {
    await run.reply(`\`${name}\` targets cluster \`${clusterNameOf(env)}\`, which this bosun installation has no credentials for (BOSUN_CLUSTERS); ask its operator to register it.`);
    return false;
  }

  if (env.requires.length > 0) {
    const mirror = await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, run.token, [pr.baseSha, pr.headSha]);
    const mergeBase = await findMergeBase(mirror.dir, pr.baseSha, pr.headSha).catch(() => undefined);
    const approvedBy = env.requires.includes('approved') ? await approvers(gh, job.repo.owner, job.repo.name, job.pr) : [];
    const unmet = checkRequirements(env.requires, requirementState(pr, approvedBy, mergeBase));
    if (unmet.length > 0) {
      await run.reply(`\`${name}\` requires ${env.requires.map((r) => `\`${r}\``).join(', ')} before \`/bosun apply\`; not met:\n\n${unmet.map((u) => `- **${u.requirement}**: this pull request ${u.reason}`).join('\n')}`);
      return false;
    }
  }

  const mirror = await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, run.token, [pr.baseSha, pr.headSha]);
  // The head's children of an app of apps through a fetched chart are found as the plan found them: the
  // operator's chart sources and the base's, never a source the pull request adds.
  const desired = await loadDesiredState({ repoDir: mirror.dir, ref: pr.headSha, env: name, ...discoveryScope(job.repo, deps.clusters), ...(deps.charts ? { charts: deps.charts, chartSourcesAt: pr.baseSha } : {}) });
  // The PR may edit the environment's definition; it must not point it at another cluster.
  if (clusterNameOf(desired.env) !== clusterNameOf(env)) {
    await run.reply(`This pull request moves \`${name}\` from cluster \`${clusterNameOf(env)}\` to \`${clusterNameOf(desired.env)}\`; that can only take effect by merging, not with \`/bosun apply\`.`);
    return false;
  }
  // Locked only once there is something valid to apply: a PR whose head does not render holds nothing.
  const lock = await deps.locks.acquire(lockKey(job.repo.fullName, name), { pr: job.pr, url: pr.url, by: job.user.login });
  if (!lock.ok) {
    await run.reply(`🔒 \`${name}\` is locked by #${lock.holder.pr} (${lock.holder.url}, applied by @${lock.holder.by}). It is released when that pull request is merged or closed, or with \`/bosun unlock ${name}\`.`);
    return false;
  }
  // The plan comment shows who holds each environment: plan again so it shows this lock.
  await deps.producers.enqueuePlan(planRequest(run, `${job.deliveryId}+locked`));
  // …and so do the other PRs whose comment lists this environment.
  await deps.lockViewers?.refresh({ repo: job.repo.fullName, envs: [name], exceptPr: job.pr, deliveryId: job.deliveryId });
  // The job layer's lease: no apply on merge, sync or heal changes the environment at the same time.
  const lease = deps.jobState
    ? await takeEnvLease({ redis: deps.jobState.redis, keys: deps.jobState.keys, repo: job.repo.fullName, env: name, token: `command:${job.deliveryId}`, ...(run.log ? { log: run.log } : {}) })
    : unleased();
  if (!lease) {
    await run.reply(`⏳ \`${name}\` is being changed by another job right now (an apply on merge, a sync or a heal); nothing was applied. Try \`/bosun apply ${name}\` again in a minute.`);
    return false;
  }
  let turn: { release(): Promise<void> } | undefined;
  try {
    const cluster = clusterNameOf(env);
    const clusters = deps.clusters;
    const target = { repo: job.repo, env: name, sha: pr.headSha, seq: Date.now(), trigger: 'pre-merge' as const, pr: job.pr, requestedBy: job.user.login };
    // Counted like every apply to the cluster: held from before the deployment starts until its end is posted.
    // When no turn is free at once, the PR shows what it waits for: the environment's apply check run on
    // the head, queued (as a merge's apply that waits for `dependsOn`); the life cycle takes it over
    // (in progress, then its conclusion). An apply that has its turn at once adds no check run.
    let waiting: Promise<CheckRunRef | undefined> | undefined;
    turn = await run.applySlot(cluster, { onWait: (wait) => void (waiting ??= showWaiting(run, target, applySlotWaitText(wait))) }).catch(async (err: unknown) => {
      // Stopped while it waited (a worker shutting down): the job runs again, and may not wait then.
      const queued = await waiting;
      if (queued) await completeCheckRun(gh, { owner: job.repo.owner, repo: job.repo.name, checkRunId: queued.id, conclusion: 'cancelled', ...stoppedWaitingText(target) }).catch(() => undefined);
      throw err;
    });
    const waited = waiting !== undefined;
    await waiting;
    const life = await openApplyLifeCycle({ gh, ...(deps.status ? { status: deps.status } : {}), jobId: run.jobId ?? `command:${job.deliveryId}`, checkRun: waited, deployment: true }, target);
    const lockLine = `🔒 \`${name}\` is locked to #${job.pr} until it is merged or closed (\`/bosun unlock ${name}\` releases it).`;
    const end = await applyRun({
      life,
      signal: lease.signal,
      work: async (steps) => {
        await steps.deploy();
        const client = await connect(clusters, cluster);
        try {
          const report = await applyEnvironment({
            client,
            env: { ...desired.env, forceConflicts: desired.env.forceConflicts || command.forceConflicts },
            objects: desired.objects,
            // `--prune` prunes this once even with the environment's prune off (`argocd app sync --prune`).
            ...(command.prune ? { prune: true } : {}),
            partOf: job.repo.fullName,
            // Generated hook names carry the commit, as Argo CD's do.
            revision: pr.headSha,
          });
          const check = appliedCheck(target, report, undefined);
          return { kind: 'finish', ending: { ok: report.ok, title: check.title, summary: check.summary, description: check.description, report } };
        } finally {
          client.close();
        }
      },
    });
    // The result is the reply (a pre-merge apply has no check run). A run that throws (lease lost, the
    // cluster out of reach) is answered by the command processor with its error.
    const report = end.kind === 'finish' ? end.ending.report : undefined;
    const body = report ? renderApplySummary(report) : end.kind === 'finish' ? end.ending.summary : '';
    await run.reply(`${report?.ok ? '✅' : '❌'} \`${formatCommand(command)}\` at \`${pr.headSha.slice(0, 7)}\`\n\n${body}\n\n${lockLine}`);
    return end.kind === 'finish' && end.ending.ok;
  } finally {
    await turn?.release();
    await lease.release();
  }
}

/** The environment's apply check run on the PR head, queued with what the apply waits for; undefined when GitHub did not take it (the life cycle then makes its own). */
async function showWaiting(run: CommandRun, target: ApplyTarget, wait: string): Promise<CheckRunRef | undefined> {
  const { owner, name: repo } = run.job.repo;
  try {
    return await createCheckRun(run.gh, { owner, repo, name: applyCheckRunName(target.env), headSha: target.sha, status: 'queued', ...waitingForTurnText(target, wait) });
  } catch (err) {
    run.log?.warn({ env: target.env, err: err instanceof Error ? err.message : String(err) }, 'could not show on the pull request that the apply waits for its turn');
    return undefined;
  }
}

/** Without the job layer's Redis state (tests of the command alone): nothing to lease. */
function unleased(): HeldEnvLease {
  return { signal: new AbortController().signal, release: async () => undefined };
}

/**
 * `/bosun apply <env>` on a merged PR: an apply job of the merge commit, ordered like the merge's own
 * (seq = the merge commit's committer time), so the job layer refuses it when the environment already
 * has a newer commit, and serializes it with every other change to the environment.
 */
async function applyMergedPullRequest(deps: CommandProcessorDeps, run: CommandRun, command: ApplyCommand, mergeSha: string): Promise<boolean> {
  const { job } = run;
  const name = command.env;
  const short = mergeSha.slice(0, 7);
  const mirror = await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, run.token, [mergeSha]);
  // The environment as the merge commit defines it: that is what would be applied.
  const { environments } = await withTree(mirror.dir, mergeSha, (dir) => discoverEnvironments(dir, { ...discoveryScope(job.repo, deps.clusters), ...chartDiscovery(deps.charts, dir) }));
  const env = environments.find((e) => e.name === name);
  if (!env) {
    await run.reply(`\`${name}\` is not an environment at the merge commit \`${short}\` of #${job.pr}; known: ${environments.map((e) => `\`${e.name}\``).join(', ') || '(none)'}.`);
    return false;
  }
  if (!deps.clusters || !deps.clusters.clusters.has(clusterNameOf(env))) {
    await run.reply(`\`${name}\` targets cluster \`${clusterNameOf(env)}\`, which this bosun installation has no credentials for (BOSUN_CLUSTERS); ask its operator to register it.`);
    return false;
  }
  const seq = await commitTime(mirror.dir, mergeSha);
  const result = await deps.producers.enqueueApply({
    deliveryId: job.deliveryId,
    installationId: job.installationId,
    repo: job.repo,
    env: name,
    sha: mergeSha,
    trigger: 'command',
    pr: job.pr,
    requestedBy: job.user.login,
    seq,
    cluster: clusterNameOf(env),
    ...(command.forceConflicts ? { forceConflicts: true } : {}),
    ...(command.prune ? { prune: true } : {}),
  });
  if (result.status === 'superseded') {
    await run.reply(`\`${name}\` already has a newer commit (\`${result.by.sha.slice(0, 7)}\`, merged after #${job.pr}'s \`${short}\`), so #${job.pr} is not applied on its own: bosun never applies an older commit after a newer one. Apply the newer commit's pull request instead.${command.prune ? ` Nothing was pruned for this \`--prune\`: \`/bosun sync ${name} --prune\` prunes at the default branch's tip.` : ''}`);
    return false;
  }
  const pruning = command.prune ? ', pruning what Git no longer has (`--prune`)' : '';
  await run.reply(`🚀 Applying #${job.pr}'s merge commit \`${short}\` to \`${name}\`${pruning} (asked by @${job.user.login}); the \`${applyCheckRunName(name)}\` check run on \`${short}\` shows the result.`);
  return true;
}
