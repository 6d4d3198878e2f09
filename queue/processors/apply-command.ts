/**
 * `/bosun apply <env>` before merge: the environment (as the base branch defines it) must allow it and
 * its requirements must hold; the PR takes the environment's lock (held until the PR closes), then the
 * PR head is rendered, validated and applied with the cluster engine.
 */
import { checkRequirements, type ApplyCommand } from '../../src/chatops/index.ts';
import { clusterNameOf } from '../../src/cli/commands/clusters.ts';
import { applyEnvironment, connect, renderApplySummary } from '../../src/cluster/index.ts';
import { git } from '../../src/git/index.ts';
import { lockKey } from '../../src/locks/index.ts';
import { loadDesiredState } from '../../src/plan/desired-state.ts';
import { planRequest, type CommandProcessorDeps, type CommandRun } from './command.ts';
import { approvers, requirementState } from './pull-request.ts';

export async function applyForPullRequest(deps: CommandProcessorDeps, run: CommandRun, command: ApplyCommand): Promise<boolean> {
  const { job, pr, gh } = run;
  const name = command.env;
  const base = await run.base();
  const env = base.envs.get(name);
  if (!env) {
    await run.reply(`\`${name}\` is not an environment on ${pr.baseRef}; known: ${[...base.envs.keys()].map((n) => `\`${n}\``).join(', ') || '(none)'}.`);
    return false;
  }
  if (pr.state !== 'open') {
    await run.reply(`#${job.pr} is ${pr.state}: only open pull requests can be applied before merge.`);
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
    const mergeBase = (await git(['merge-base', pr.baseSha, pr.headSha], { cwd: mirror.dir }).catch(() => '')).trim() || undefined;
    const approvedBy = env.requires.includes('approved') ? await approvers(gh, job.repo.owner, job.repo.name, job.pr) : [];
    const unmet = checkRequirements(env.requires, requirementState(pr, approvedBy, mergeBase));
    if (unmet.length > 0) {
      await run.reply(`\`${name}\` requires ${env.requires.map((r) => `\`${r}\``).join(', ')} before \`/bosun apply\`; not met:\n\n${unmet.map((u) => `- **${u.requirement}**: this pull request ${u.reason}`).join('\n')}`);
      return false;
    }
  }

  const mirror = await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, run.token, [pr.headSha]);
  const desired = await loadDesiredState({ repoDir: mirror.dir, ref: pr.headSha, env: name, repoUrls: [job.repo.cloneUrl, `https://github.com/${job.repo.fullName}`] });
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
  const client = await connect(deps.clusters, clusterNameOf(env));
  try {
    const report = await applyEnvironment({
      client,
      env: { ...desired.env, forceConflicts: desired.env.forceConflicts || command.forceConflicts },
      objects: desired.objects,
    });
    const lockLine = `🔒 \`${name}\` is locked to #${job.pr} until it is merged or closed (\`/bosun unlock ${name}\` releases it).`;
    await run.reply(`${report.ok ? '✅' : '❌'} \`/bosun apply ${name}\` at \`${pr.headSha.slice(0, 7)}\`\n\n${renderApplySummary(report)}\n\n${lockLine}`);
    return report.ok;
  } finally {
    client.close();
  }
}
