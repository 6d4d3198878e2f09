/**
 * The command job: a PR comment with `/bosun …` lines. 👀 on receipt, then each command in order,
 * authorized by the commenter's repository permission (collaborator-permission endpoint) against the
 * minimum the base branch's `.bosun.yaml` sets — never the PR's own copy, which its author controls.
 * 🚀 when every command went through, 😕 when one was refused or failed.
 */
import { isAllowed, parseComment, refusalMessage, requiredPermission, type CommandPermissions, type RepoPermission } from '../../../src/chatops/index.ts';
import { loadRepoConfig } from '../../../src/config/index.ts';
import { discoverEnvironments } from '../../../src/discover/index.ts';
import { chartDiscovery } from '../../../src/plan/chart-fetcher.ts';
import { addReaction, commandReplier, getPermission } from '../../../src/github/index.ts';
import type { CommandJob } from '../../../src/jobs.ts';
import { BosunError, formatProblem } from '../../../src/model/errors.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { Processor } from '../../contract.ts';
import type { BaseSettings, CommandOutcome, CommandProcessorDeps, CommandRun } from './command-run.ts';
import { runCommand } from './command-table.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';
import { renewPullRequestLocks } from '../../../src/locks/pr-locks.ts';
import { readPullRequest, type PullRequestInfo } from './pull-request.ts';

export type { BaseSettings, CommandOutcome, CommandProcessorDeps, CommandRun } from './command-run.ts';
export { planRequest } from './command-run.ts';

export function commandProcessor(deps: CommandProcessorDeps): Processor<CommandJob, CommandOutcome> {
  return async (job, ctx) => {
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const owner = job.repo.owner;
    const repo = job.repo.name;
    await addReaction(gh, owner, repo, job.commentId, 'eyes');

    const commands = parseComment(job.body, deps.prefix ? { prefix: deps.prefix } : {});
    const readAt = Date.now();
    const pr = await readPullRequest(gh, owner, repo, job.pr);
    // Any activity on an open PR keeps the environments it applied to locked (see pr-locks.ts).
    if (pr.state === 'open') await renewPullRequestLocks(deps.locks, job.repo, job.pr);
    let settings: Promise<BaseSettings> | undefined;
    let permission: Promise<RepoPermission> | undefined;
    const run: CommandRun = {
      job,
      gh,
      pr,
      readAt,
      token,
      base: () => (settings ??= baseSettings(deps, job, pr, token)),
      // A retried attempt re-runs the commands in order but does not post the replies an earlier one posted.
      reply: commandReplier(gh, { owner, repo, issue: job.pr, commentId: job.commentId, retry: ctx.job.attemptsMade > 0 }),
      jobId: ctx.job.id,
      log: ctx.log,
      applySlot: ctx.applySlot,
    };

    const results: CommandOutcome['results'] = [];
    for (const command of commands) {
      await ctx.progress(`running ${command.text}`);
      const { permissions } = await run.base();
      const required = requiredPermission(command, permissions);
      const actual = await (permission ??= getPermission(gh, owner, repo, job.user.login));
      if (!isAllowed(actual, required)) {
        await run.reply(refusalMessage(job.user.login, command, actual, required, deps.prefix ? { prefix: deps.prefix } : {}));
        results.push({ command: command.text, ok: false });
        continue;
      }
      let ok: boolean;
      try {
        ok = await runCommand(deps, run, command);
      } catch (err) {
        if (!(err instanceof BosunError)) throw err;
        await run.reply(`❌ \`${command.text}\` failed:\n\n\`\`\`\n${scrub(formatProblem(err.toProblem()))}\n\`\`\``);
        ok = false;
      }
      results.push({ command: command.text, ok });
    }
    const allOk = results.length > 0 && results.every((r) => r.ok);
    await addReaction(gh, owner, repo, job.commentId, allOk ? 'rocket' : 'confused');
    return { results };
  };
}

async function baseSettings(deps: Pick<CommandProcessorDeps, 'mirrors' | 'clusters' | 'charts'>, job: CommandJob, pr: PullRequestInfo, token: () => Promise<string>): Promise<BaseSettings> {
  const mirrors = deps.mirrors;
  const mirror = await mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, token, [pr.baseSha, pr.headSha]);
  return mirrors.withCheckout(mirror, pr.baseSha, async (co) => {
    const config = await loadRepoConfig(co.dir);
    // The base is trusted: with chart options, the children of an app of apps through a fetched chart are environments.
    const { environments } = await discoverEnvironments(co.dir, { ...discoveryScope(job.repo, deps.clusters), ...chartDiscovery(deps.charts, co.dir) });
    return {
      permissions: (config?.commands?.permissions ?? {}) as CommandPermissions,
      envs: new Map(environments.map((e) => [e.name, e])),
    };
  });
}
