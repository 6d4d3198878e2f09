/**
 * The command job: a PR comment with `/bosun …` lines. 👀 on receipt, then each command in order,
 * authorized by the commenter's repository permission (collaborator-permission endpoint) against the
 * minimum the base branch's `.bosun.yaml` sets — never the PR's own copy, which its author controls.
 * 🚀 when every command went through, 😕 when one was refused or failed.
 */
import { helpText, isAllowed, parseComment, refusalMessage, requiredPermission, type CommandPermissions, type ParsedCommand, type RepoPermission } from '../../src/chatops/index.ts';
import type { ClusterRegistry } from '../../src/cluster/index.ts';
import { loadRepoConfig } from '../../src/config/index.ts';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { MirrorCache } from '../../src/git/mirror.ts';
import { addReaction, commandReplier, getPermission, type GitHubClient } from '../../src/github/index.ts';
import type { Redis } from 'ioredis';
import type { CommandJob, EnvStatusStore, LockViewers, PlanJob, Producers, StateKeys } from '../../src/jobs.ts';
import { lockKey, type LockManager } from '../../src/locks/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import { BosunError, formatProblem } from '../../src/model/errors.ts';
import { scrub } from '../../src/util/scrub.ts';
import type { Processor } from '../types.ts';
import { applyForPullRequest } from './apply-command.ts';
import { renewPullRequestLocks } from './pr-locks.ts';
import { rollbackForPullRequest } from './rollback-command.ts';
import { syncForPullRequest } from './sync-command.ts';
import { driftForPullRequest } from './drift-command.ts';
import type { GitHubAppAuth } from './installation-octokit.ts';
import { readPullRequest, type PullRequestInfo } from './pull-request.ts';
import { discoveryScope } from './discovery-scope.ts';

export interface CommandProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  producers: Pick<Producers, 'enqueuePlan' | 'enqueueApply' | 'enqueueReconcile'>;
  /** The job layer's Redis state: a pre-merge `/bosun apply` takes the environment lease like an apply job. */
  jobState?: { redis: Redis; keys: StateKeys };
  locks: LockManager;
  clusters?: ClusterRegistry;
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
  token: () => Promise<string>;
  base: () => Promise<BaseSettings>;
  reply: (body: string) => Promise<void>;
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
    ...(envs.length ? { envs } : {}),
    reason: 'command',
    commentId: job.commentId,
  };
}

export function commandProcessor(deps: CommandProcessorDeps): Processor<CommandJob, CommandOutcome> {
  return async (job, ctx) => {
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const owner = job.repo.owner;
    const repo = job.repo.name;
    await addReaction(gh, owner, repo, job.commentId, 'eyes');

    const commands = parseComment(job.body, deps.prefix ? { prefix: deps.prefix } : {});
    const pr = await readPullRequest(gh, owner, repo, job.pr);
    // Any activity on an open PR keeps the environments it applied to locked (see pr-locks.ts).
    if (pr.state === 'open') await renewPullRequestLocks(deps.locks, job.repo, job.pr);
    let settings: Promise<BaseSettings> | undefined;
    let permission: Promise<RepoPermission> | undefined;
    const run: CommandRun = {
      job,
      gh,
      pr,
      token,
      base: () => (settings ??= baseSettings(deps, job, pr, token)),
      // A retried attempt re-runs the commands in order but does not post the replies an earlier one posted.
      reply: commandReplier(gh, { owner, repo, issue: job.pr, commentId: job.commentId, retry: ctx.job.attemptsMade > 0 }),
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
        ok = await dispatch(deps, run, command);
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

async function dispatch(deps: CommandProcessorDeps, run: CommandRun, command: ParsedCommand): Promise<boolean> {
  const { job, pr } = run;
  switch (command.kind) {
    case 'help':
      await run.reply(helpText(deps.prefix, { permissions: (await run.base()).permissions }));
      return true;
    case 'invalid':
      await run.reply(`\`${command.text}\`: ${command.reason}\n\n${helpText(deps.prefix, { permissions: (await run.base()).permissions })}`);
      return false;
    case 'plan': {
      if (pr.state !== 'open') {
        await run.reply(`#${job.pr} is ${pr.state}: there is nothing to plan.`);
        return false;
      }
      await deps.producers.enqueuePlan(planRequest(run, job.deliveryId, command.envs));
      return true;
    }
    case 'apply':
      return applyForPullRequest(deps, run, command);
    case 'unlock': {
      const held = await deps.locks.forceUnlock(lockKey(job.repo.fullName, command.env));
      await run.reply(held
        ? `🔓 \`${command.env}\` unlocked (it was locked by #${held.holder.pr}, ${held.holder.url}).`
        : `\`${command.env}\` was not locked.`);
      // Every PR whose comment showed the lock (the holder's included) is planned again to show it gone.
      if (held) await deps.lockViewers?.refresh({ repo: job.repo.fullName, envs: [command.env], deliveryId: job.deliveryId });
      return true;
    }
    case 'rollback':
      return rollbackForPullRequest(deps, run, command);
    case 'sync':
      return syncForPullRequest(deps, run, command);
    case 'drift':
      return driftForPullRequest(deps, run, command);
  }
}

async function baseSettings(deps: Pick<CommandProcessorDeps, 'mirrors' | 'clusters'>, job: CommandJob, pr: PullRequestInfo, token: () => Promise<string>): Promise<BaseSettings> {
  const mirrors = deps.mirrors;
  const mirror = await mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, token, [pr.baseSha, pr.headSha]);
  return mirrors.withCheckout(mirror, pr.baseSha, async (co) => {
    const config = await loadRepoConfig(co.dir);
    const { environments } = await discoverEnvironments(co.dir, discoveryScope(job.repo, deps.clusters));
    return {
      permissions: (config?.commands?.permissions ?? {}) as CommandPermissions,
      envs: new Map(environments.map((e) => [e.name, e])),
    };
  });
}
