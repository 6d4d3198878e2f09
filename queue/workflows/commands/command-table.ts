/**
 * The `/bosun` commands and their handlers, one entry per command the grammar knows (src/chatops): the
 * command processor looks a parsed command up here (as Atlantis' command runner map does). A handler
 * replies on the pull request and says whether the command went through.
 */
import { helpText, type ParsedCommand } from '../../../src/chatops/index.ts';
import { lockKey } from '../../../src/locks/index.ts';
import { applyForPullRequest } from './apply-command.ts';
import { planRequest, type CommandProcessorDeps, type CommandRun } from './command-run.ts';
import { driftForPullRequest } from './drift-command.ts';
import { rollbackForPullRequest } from './rollback-command.ts';
import { syncForPullRequest } from './sync-command.ts';

type Handler<K extends ParsedCommand['kind']> = (deps: CommandProcessorDeps, run: CommandRun, command: Extract<ParsedCommand, { kind: K }>) => Promise<boolean>;

export const commandHandlers: { [K in ParsedCommand['kind']]: Handler<K> } = {
  help: async (deps, run) => {
    await run.reply(helpText(deps.prefix, { permissions: (await run.base()).permissions }));
    return true;
  },
  invalid: async (deps, run, command) => {
    await run.reply(`\`${command.text}\`: ${command.reason}\n\n${helpText(deps.prefix, { permissions: (await run.base()).permissions })}`);
    return false;
  },
  plan: async (deps, run, command) => {
    const { job, pr } = run;
    if (pr.state !== 'open') {
      await run.reply(`#${job.pr} is ${pr.state}: there is nothing to plan.`);
      return false;
    }
    await deps.producers.enqueuePlan(planRequest(run, job.deliveryId, command.envs));
    return true;
  },
  apply: applyForPullRequest,
  unlock: async (deps, run, command) => {
    const { job } = run;
    const held = await deps.locks.forceUnlock(lockKey(job.repo.fullName, command.env));
    await run.reply(held
      ? `🔓 \`${command.env}\` unlocked (it was locked by #${held.holder.pr}, ${held.holder.url}).`
      : `\`${command.env}\` was not locked.`);
    // Every PR whose comment showed the lock (the holder's included) is planned again to show it gone.
    if (held) await deps.lockViewers?.refresh({ repo: job.repo.fullName, envs: [command.env], deliveryId: job.deliveryId });
    return true;
  },
  rollback: rollbackForPullRequest,
  sync: syncForPullRequest,
  drift: driftForPullRequest,
};

/** Runs a parsed command through its handler. */
export function runCommand(deps: CommandProcessorDeps, run: CommandRun, command: ParsedCommand): Promise<boolean> {
  const handler = commandHandlers[command.kind] as Handler<ParsedCommand['kind']>;
  return handler(deps, run, command);
}
