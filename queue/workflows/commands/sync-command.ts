/**
 * `/bosun sync <env>` on any pull request: disaster recovery. Re-applies the full desired state of the
 * default branch's tip to the environment (the apply processor runs the cluster engine's sync mode for
 * `trigger: 'sync'`: terminating Namespaces waited out, owned objects found by label as well as by
 * inventory, prune as the environment says). The operator asked for Git's state, so a rollback pin on the
 * environment ends. `--prune` prunes this once even with the environment's prune off, as `argocd app sync
 * --prune` (the operation's own prune, argo-cd cmd/argocd/commands/app.go NewApplicationSyncCommand): what
 * releases an Argo CD RollingSync step held because its rollout sync does not prune (apply/hold.ts).
 */
import type { SyncCommand } from '../../../src/chatops/index.ts';
import { clusterNameOf } from '../../../src/model/environment.ts';
import { discoverEnvironments } from '../../../src/discover/index.ts';
import { branchTip, commitTime } from '../../../src/git/index.ts';
import { isAncestor } from '../../../src/git/revert.ts';
import type { ApplyRequest, EnqueueResult } from '../../../src/jobs.ts';
import type { Environment } from '../../../src/model/environment.ts';
import { BosunError } from '../../../src/model/errors.ts';
import { applyCheckRunName } from '../../../src/github/names.ts';
import type { CommandProcessorDeps, CommandRun } from './command-run.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';
import { chartDiscovery } from '../../../src/plan/chart-fetcher.ts';

const short = (sha: string): string => sha.slice(0, 7);

export interface DefaultBranchState {
  mirrorDir: string;
  tip: string;
  envs: Map<string, Environment>;
}

/** The default branch as GitHub has it now (a fresh fetch), and the environments it defines. */
export async function defaultBranchState(deps: Pick<CommandProcessorDeps, 'mirrors' | 'clusters' | 'charts'>, run: CommandRun, wantShas: string[] = []): Promise<DefaultBranchState> {
  const { job } = run;
  const repoRef = { fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl };
  // No wanted commits: fetch, so the tip is the branch's tip now and not the mirror's last look.
  const mirror = await deps.mirrors.ensure(repoRef, run.token);
  if (wantShas.length) await deps.mirrors.ensure(repoRef, run.token, wantShas);
  const branch = job.repo.defaultBranch;
  const tip = await branchTip(mirror.dir, branch);
  if (!tip) throw new BosunError({ kind: 'git', message: `${job.repo.fullName} has no branch \`${branch}\` (its default branch); nothing to apply` });
  const envs = await deps.mirrors.withCheckout(mirror, tip, async (co) => {
    const { environments } = await discoverEnvironments(co.dir, { ...discoveryScope(job.repo, deps.clusters), ...chartDiscovery(deps.charts, co.dir) });
    return new Map(environments.map((e) => [e.name, e]));
  });
  return { mirrorDir: mirror.dir, tip, envs };
}

export function unknownEnvironment(name: string, branch: string, envs: Map<string, Environment>): string {
  return `\`${name}\` is not an environment on \`${branch}\`; known: ${[...envs.keys()].map((n) => `\`${n}\``).join(', ') || '(none)'}.`;
}

export function unregisteredCluster(env: Environment): string {
  return `\`${env.name}\` targets cluster \`${clusterNameOf(env)}\`, which this bosun installation has no credentials for (BOSUN_CLUSTERS); ask its operator to register it.`;
}

export type QueuedApply = { status: 'queued' | 'duplicate'; seq: number } | { status: 'superseded-by-newer'; by: { sha: string; seq: number } };

/**
 * Enqueues an apply that must be the newest request for its environment. `seq` orders applies; when an
 * earlier rollback or sync already holds a higher one for an older or the same commit, the request is
 * re-sent just above it. A commit that contains `containing` (a newer merge) is left to win.
 */
export async function enqueueNewest(
  deps: Pick<CommandProcessorDeps, 'producers' | 'mirrors'>,
  run: CommandRun,
  request: ApplyRequest & { seq: number },
  containing?: string,
): Promise<QueuedApply> {
  let seq = request.seq;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const deliveryId = attempt === 1 ? request.deliveryId : `${request.deliveryId}-${attempt}`;
    const result: EnqueueResult = await deps.producers.enqueueApply({ ...request, deliveryId, seq });
    if (result.status !== 'superseded') return { status: result.status, seq };
    const by = result.by;
    if (containing && by.sha !== containing) {
      const repoRef = { fullName: run.job.repo.fullName, cloneUrl: run.job.repo.cloneUrl };
      const mirror = await deps.mirrors.ensure(repoRef, run.token, [by.sha]).catch(() => undefined);
      if (mirror && (await isAncestor(mirror.dir, containing, by.sha))) return { status: 'superseded-by-newer', by };
    }
    seq = by.seq + 1;
  }
  throw new BosunError({ kind: 'internal', message: `could not queue the apply of ${short(request.sha)} to ${request.env}: newer requests kept arriving; try again` });
}

/**
 * The environment a command names, as the default branch defines it, when bosun holds credentials for
 * its cluster; otherwise the reply says why (unknown environment, unregistered cluster) and it is undefined.
 */
export async function commandEnvironment(deps: Pick<CommandProcessorDeps, 'clusters'>, run: CommandRun, name: string, state: DefaultBranchState): Promise<Environment | undefined> {
  const env = state.envs.get(name);
  if (!env) {
    await run.reply(unknownEnvironment(name, run.job.repo.defaultBranch, state.envs));
    return undefined;
  }
  if (!deps.clusters?.clusters.has(clusterNameOf(env))) {
    await run.reply(unregisteredCluster(env));
    return undefined;
  }
  return env;
}

/** What the sync does with what bosun applied before but Git no longer has. */
function pruneLine(env: Environment, forced: boolean): string {
  if (forced) return `what bosun applied before but Git no longer has is pruned (\`--prune\`${env.prune ? '' : ', although the environment\'s prune is off'}; objects a rule keeps stay)`;
  if (env.prune) return 'what bosun applied before but Git no longer has is pruned';
  return 'what Git no longer has stays (the environment\'s prune is off; `--prune` deletes it this once)';
}

export async function syncForPullRequest(deps: CommandProcessorDeps, run: CommandRun, command: SyncCommand): Promise<boolean> {
  const { job } = run;
  const name = command.env;
  const branch = job.repo.defaultBranch;
  const state = await defaultBranchState(deps, run);
  const env = await commandEnvironment(deps, run, name, state);
  if (!env) return false;
  // Same order as a merge of this commit (push.ts): an apply of the same commit is not stale against it.
  const committed = await commitTime(state.mirrorDir, state.tip);
  const queued = await enqueueNewest(deps, run, {
    deliveryId: `${job.deliveryId}+sync`,
    installationId: job.installationId,
    repo: job.repo,
    env: name,
    sha: state.tip,
    trigger: 'sync',
    pr: job.pr,
    requestedBy: job.user.login,
    seq: committed,
    cluster: clusterNameOf(env),
    ...(command.prune ? { prune: true } : {}),
  }, state.tip);
  if (queued.status === 'superseded-by-newer') {
    await run.reply(`\`${name}\` is already getting \`${short(queued.by.sha)}\`, which is newer than \`${branch}\` was a moment ago (\`${short(state.tip)}\`); nothing more was queued. Its \`${applyCheckRunName(name)}\` check shows the outcome.${command.prune ? ` That apply prunes only as the environment says: run \`/bosun sync ${name} --prune\` again once it is done.` : ''}`);
    return true;
  }
  const pin = await deps.status?.clearPin(job.repo.fullName, name);
  const lines = [
    `🔁 Syncing \`${name}\` with \`${branch}\` at \`${short(state.tip)}\`: the full desired state is applied again and ${pruneLine(env, command.prune)}. Follow the \`${applyCheckRunName(name)}\` check on \`${short(state.tip)}\` and its deployment.`,
  ];
  if (queued.status === 'duplicate') lines[0] = `🔁 The sync of \`${name}\` at \`${short(state.tip)}\` was already queued by this comment.`;
  if (pin) {
    lines.push('', `📌 \`${name}\` was pinned to \`${short(pin.sha)}\` (${pin.reason}${pin.by ? `, by @${pin.by}` : ''}); the pin is removed, so drift detection compares it with \`${branch}\` again.${pin.revertPrUrl ? ` Its revert pull request (${pin.revertPrUrl}) is not affected.` : ''}`);
  }
  await run.reply(lines.join('\n'));
  return true;
}
