/**
 * `/bosun drift <env>` on any pull request: the environment's drift check, now. It queues the same
 * reconcile job the schedule runs (reconcile.ts), so it compares with the same commit (the default
 * branch's tip, a rollback pin, or the last applied commit when autoApply is off), reports through the
 * same drift issue, and heals only where the environment's own `selfHeal` says so. The reply says what
 * will be compared and where the result appears; nothing else is decided here.
 */
import type { DriftCommand } from '../../../src/chatops/index.ts';
import { clusterNameOf } from '../../../src/model/environment.ts';
import { chooseBaseline, driftIssueTitle } from '../../../src/drift/index.ts';
import type { CommandProcessorDeps, CommandRun } from './command-run.ts';
import { commandEnvironment, defaultBranchState } from './sync-command.ts';

const short = (sha: string): string => sha.slice(0, 7);

export async function driftForPullRequest(deps: CommandProcessorDeps, run: CommandRun, command: DriftCommand): Promise<boolean> {
  const { job } = run;
  const name = command.env;
  const branch = job.repo.defaultBranch;
  const state = await defaultBranchState(deps, run);
  const env = await commandEnvironment(deps, run, name, state);
  if (!env) return false;
  const cluster = clusterNameOf(env);
  const repoName = job.repo.fullName;
  const pin = await deps.status?.pin(repoName, name);
  const lastApplied = (await deps.status?.history(repoName, name))?.[0]?.sha;
  // What the reconcile job will choose (it looks again when it runs; this is for the reply).
  const baseline = chooseBaseline({ tip: state.tip, defaultBranch: branch, autoApply: env.autoApply, ...(pin ? { pin } : {}), ...(lastApplied ? { lastApplied } : {}) });
  if ('skip' in baseline) {
    await run.reply(`\`${name}\` is not checked for drift: ${baseline.skip}.`);
    return false;
  }
  await deps.producers.enqueueReconcile({ installationId: job.installationId, repo: job.repo, env: name });

  const against = baseline.note ? `\`${short(baseline.sha)}\` (${baseline.note})` : `\`${branch}\` at \`${short(baseline.sha)}\``;
  const drift = await deps.status?.drift(repoName, name);
  const issue = drift?.issueUrl && drift.state === 'drifted' ? `the open issue “${driftIssueTitle(name)}” (${drift.issueUrl})` : `the issue “${driftIssueTitle(name)}”`;
  const heal = env.selfHeal
    ? '`selfHeal` is on for this environment: drift found is healed by re-applying that commit (a GitHub Deployment records it), as the scheduled check would.'
    : '`selfHeal` is off for this environment: nothing on the cluster is changed.';
  await run.reply([
    `🔍 Checking \`${name}\` (cluster \`${cluster}\`) for drift now, against ${against}.`,
    '',
    `The result goes to ${issue}: opened or updated when something drifted, closed with a comment when the cluster is in sync. ${heal} A check that cannot compare (render error, cluster unreachable) opens no issue; the environment's drift state on the dashboard shows it.`,
  ].join('\n'));
  return true;
}
