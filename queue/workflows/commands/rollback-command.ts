/**
 * `/bosun rollback <env> [--now]` on a merged pull request. Git stays the source of truth: bosun opens
 * a pull request that reverts the PR on top of the default branch, and merging it applies the revert
 * like any merge. With `--now` the environment also goes back at once to its last successful state from
 * before the PR (an apply of that older commit, recorded as a deployment), and is pinned there so drift
 * detection does not undo the rollback while the revert waits for review.
 */
import { formatCommand, type RollbackCommand } from '../../../src/chatops/index.ts';
import { clusterNameOf } from '../../../src/model/environment.ts';
import { branchTip } from '../../../src/git/index.ts';
import { commitFacts, isAncestor, mainlineFacts, pushNewBranch, rangeFacts, revertInScratchRepo, type Identity } from '../../../src/git/revert.ts';
import { call } from '../../../src/github/call.ts';
import type { ApplyRecord, PinRecord } from '../../../src/jobs.ts';
import { BosunError } from '../../../src/model/errors.ts';
import { affectedEnvironments } from '../../../src/plan/affected.ts';
import {
  alsoUndoneLine,
  chooseRevertMode,
  chooseSnapshot,
  conflictReply,
  oldestCommit,
  revertBody,
  revertBranchName,
  revertTitle,
  seqAfter,
  type RevertPlan,
} from '../../../src/rollback/index.ts';
import { applyCheckRunName } from '../../../src/github/names.ts';
import { defaultBranchApplies } from '../apply/history.ts';
import type { CommandProcessorDeps, CommandRun } from './command-run.ts';
import { defaultBranchState, enqueueNewest, unknownEnvironment, unregisteredCluster } from './sync-command.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';

const short = (sha: string): string => sha.slice(0, 7);

/** The merge facts of a pull request, which the command's PullRequestInfo does not carry. */
interface MergeFacts {
  merged: boolean;
  mergeCommitSha: string | null;
  title: string;
  baseRef: string;
  baseSha: string;
  headSha: string;
  url: string;
}

async function readMergeFacts(run: CommandRun): Promise<MergeFacts> {
  const { job, gh } = run;
  const res = await call(gh, `reading pull request #${job.pr}`, 'GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: job.repo.owner, repo: job.repo.name, pull_number: job.pr });
  const d = res.data as { merged?: boolean; merged_at?: string | null; merge_commit_sha?: string | null; title: string; html_url: string; base: { ref: string; sha: string }; head: { sha: string } };
  return {
    merged: d.merged ?? Boolean(d.merged_at),
    mergeCommitSha: d.merge_commit_sha ?? null,
    title: d.title,
    baseRef: d.base.ref,
    baseSha: d.base.sha,
    headSha: d.head.sha,
    url: d.html_url,
  };
}

/** GitHub's no-reply address for an App's bot account. */
function botIdentity(login: string): Identity {
  return { name: login, email: `${login}@users.noreply.github.com` };
}

interface OpenedRevert {
  number: number;
  url: string;
  branch: string;
  reused: boolean;
}

type RevertOutcome = { status: 'opened'; pr: OpenedRevert } | { status: 'conflict'; files: string[] } | { status: 'empty' };

export async function rollbackForPullRequest(deps: CommandProcessorDeps, run: CommandRun, command: RollbackCommand): Promise<boolean> {
  const { job } = run;
  const name = command.env;
  const branch = job.repo.defaultBranch;
  const facts = await readMergeFacts(run);

  if (!facts.merged) {
    await run.reply(run.pr.state === 'open'
      ? `#${job.pr} is not merged yet: only a merged pull request can be rolled back. Close it to drop the change, or use \`${prefixOf(deps)} sync ${name}\` to re-apply \`${branch}\` over a pre-merge \`apply\`.`
      : `#${job.pr} was closed without being merged: none of it reached \`${branch}\`, so there is nothing to roll back.`);
    return false;
  }
  if (facts.baseRef !== branch || !facts.mergeCommitSha) {
    await run.reply(facts.baseRef !== branch
      ? `#${job.pr} was merged into \`${facts.baseRef}\`, not \`${branch}\`; bosun applies only the default branch, so there is nothing of it to roll back.`
      : `GitHub reports no merge commit for #${job.pr}, so bosun cannot tell what to revert.`);
    return false;
  }
  const mergeSha = facts.mergeCommitSha;
  const state = await defaultBranchState(deps, run, [mergeSha, facts.headSha]);
  const env = state.envs.get(name);
  if (!env) {
    await run.reply(unknownEnvironment(name, branch, state.envs));
    return false;
  }
  if (!(await isAncestor(state.mirrorDir, mergeSha, state.tip))) {
    await run.reply(`The merge commit of #${job.pr} (\`${short(mergeSha)}\`) is no longer on \`${branch}\` (force-pushed away?), so there is nothing to revert.`);
    return false;
  }

  const plan = await revertPlan(state.mirrorDir, mergeSha, facts);
  const oldest = await commitFacts(state.mirrorDir, oldestCommit(plan));
  const before = oldest.parents[0];
  if (before === undefined) throw new BosunError({ kind: 'git', message: `${short(oldest.sha)}, the first commit #${job.pr} brought, is the repository's first commit: there is no state before it to roll back to` });
  const touched = await affectedEnvironments({ repoDir: state.mirrorDir, base: before, head: mergeSha, ...discoveryScope(job.repo, deps.clusters), ...(deps.charts ? { charts: deps.charts } : {}) });
  if (!touched.some((t) => t.name === name)) {
    const names = touched.map((t) => `\`${t.name}\``).join(', ');
    await run.reply(`#${job.pr} did not change \`${name}\`${names ? ` (it changed ${names})` : ' (it changed no environment)'}, so there is nothing to roll back there.`);
    return false;
  }

  // --now needs a state to go back to; find it before anything is pushed, so a refusal changes nothing.
  let snapshot: { target: ApplyRecord; alsoUndone: ApplyRecord[]; seq: number } | undefined;
  if (command.now) {
    if (!deps.status) throw new Error('rollback --now needs the environment status store (CommandProcessorDeps.status)');
    if (!deps.clusters?.clusters.has(clusterNameOf(env))) {
      await run.reply(unregisteredCluster(env));
      return false;
    }
    const [history, last] = await Promise.all([deps.status.history(job.repo.fullName, name), deps.status.lastApply(job.repo.fullName, name)]);
    // A pre-merge `/bosun apply` recorded a pull request's head, not a state of the default branch to go back to.
    const choice = chooseSnapshot(defaultBranchApplies(history), mergeSha, name);
    if (!choice.ok) {
      await run.reply(`Cannot roll \`${name}\` back at once: ${choice.message}. Nothing was changed; \`${prefixOf(deps)} rollback ${name}\` without \`--now\` still opens the revert pull request.`);
      return false;
    }
    snapshot = { target: choice.target, alsoUndone: choice.alsoUndone, seq: seqAfter(last?.seq, ...history.map((r) => r.seq)) };
  }

  const reverted = await openRevert(deps, run, { command, facts, mergeSha, tip: state.tip, mirrorDir: state.mirrorDir, plan, snapshot });
  const lines: string[] = [];
  if (reverted.status === 'conflict') {
    lines.push(conflictReply({ pr: job.pr, env: name, mergeSha, defaultBranch: branch, files: reverted.files, plan }));
  } else if (reverted.status === 'empty') {
    lines.push(`\`${branch}\` already lacks every change of #${job.pr} (reverted before?): no revert pull request is needed.`);
  } else {
    const { pr } = reverted;
    lines.push(`↩️ ${pr.reused ? 'The revert pull request of' : 'Opened a pull request that reverts'} #${job.pr}: #${pr.number} (${pr.url}). Merging it applies the revert to \`${name}\` (and to any other environment #${job.pr} changed).`);
  }

  if (snapshot) {
    const queued = await enqueueNewest(deps, run, {
      deliveryId: `${job.deliveryId}+rollback`,
      installationId: job.installationId,
      repo: job.repo,
      env: name,
      sha: snapshot.target.sha,
      trigger: 'rollback',
      pr: job.pr,
      requestedBy: job.user.login,
      seq: snapshot.seq,
      cluster: clusterNameOf(env),
    });
    if (queued.status === 'superseded-by-newer') throw new Error('unreachable: a rollback is never left to a newer commit');
    const pin: PinRecord = {
      sha: snapshot.target.sha,
      reason: `rollback of #${job.pr}`,
      by: job.user.login,
      at: Date.now(),
      ...(reverted.status === 'opened' ? { revertPr: reverted.pr.number, revertPrUrl: reverted.pr.url } : {}),
    };
    await deps.status!.setPin(job.repo.fullName, name, pin);
    lines.push(
      '',
      `⏪ \`${name}\` is being rolled back now to \`${short(snapshot.target.sha)}\`, its last successful state from before #${job.pr}${snapshot.target.pr ? ` (applied for #${snapshot.target.pr})` : ''}: follow the \`${applyCheckRunName(name)}\` check on \`${short(snapshot.target.sha)}\` and its deployment.`,
      `📌 \`${name}\` stays pinned to \`${short(snapshot.target.sha)}\`: drift detection compares it with that commit until the next merge to \`${branch}\` is applied${reverted.status === 'opened' ? ' (merging the revert does that)' : ''}, or \`${prefixOf(deps)} sync ${name}\` re-applies \`${branch}\`.`,
    );
    const undone = alsoUndoneLine(name, snapshot.alsoUndone);
    if (undone) lines.push(undone);
  }
  await run.reply(lines.join('\n'));
  // A conflict is a failure even when --now went through: the revert still has to be done by hand.
  return reverted.status !== 'conflict';
}

function prefixOf(deps: Pick<CommandProcessorDeps, 'prefix'>): string {
  return deps.prefix ?? '/bosun';
}

async function revertPlan(mirrorDir: string, mergeSha: string, facts: MergeFacts): Promise<RevertPlan> {
  const merged = await commitFacts(mirrorDir, mergeSha);
  if (merged.parents.length >= 2) return chooseRevertMode({ merged, prCommits: [], mainline: [] });
  const prCommits = await rangeFacts(mirrorDir, facts.baseSha, facts.headSha).catch(() => []);
  const mainline = prCommits.length > 1 ? await mainlineFacts(mirrorDir, mergeSha, prCommits.length) : [];
  return chooseRevertMode({ merged, prCommits, mainline });
}

interface RevertInput {
  command: RollbackCommand;
  facts: MergeFacts;
  mergeSha: string;
  tip: string;
  mirrorDir: string;
  plan: RevertPlan;
  snapshot?: { target: ApplyRecord };
}

/**
 * Reuses the open revert pull request of an earlier rollback of the same PR and environment; otherwise
 * reverts on top of the tip in a throw-away scratch repository and pushes a new branch. A branch left by an
 * earlier attempt that got as far as the push (its commit is the bot's, on top of today's tip) is
 * reused; any other existing branch of that name is skipped.
 */
async function openRevert(deps: CommandProcessorDeps, run: CommandRun, input: RevertInput): Promise<RevertOutcome> {
  const { job, gh } = run;
  const owner = job.repo.owner;
  const repo = job.repo.name;
  const env = input.command.env;
  const commandText = formatCommand(input.command, prefixOf(deps));
  const author = botIdentity(await deps.auth.botLogin());

  let branch: string | undefined;
  let reuseSha: string | undefined;
  for (let attempt = 1; attempt <= 20 && !branch; attempt++) {
    const candidate = revertBranchName(job.pr, env, attempt);
    const existing = await branchTip(input.mirrorDir, candidate);
    if (!existing) {
      branch = candidate;
      break;
    }
    const open = await call(gh, `looking for the revert pull request from ${candidate}`, 'GET /repos/{owner}/{repo}/pulls', { owner, repo, state: 'open', head: `${owner}:${candidate}`, per_page: 1 });
    const found = (open.data as Array<{ number: number; html_url: string }>)[0];
    if (found) return { status: 'opened', pr: { number: found.number, url: found.html_url, branch: candidate, reused: true } };
    const facts = await commitFacts(input.mirrorDir, existing);
    if (facts.parents.length === 1 && facts.parents[0] === input.tip && facts.authorEmail === author.email) {
      branch = candidate;
      reuseSha = existing;
    }
  }
  if (!branch) throw new BosunError({ kind: 'git', message: `twenty revert branches of #${job.pr} for ${env} exist already (${revertBranchName(job.pr, env)}…); delete the stale ones and run the command again` });

  let sha = reuseSha;
  if (!sha) {
    const message = `Revert #${job.pr}: ${input.facts.title}\n\nThis reverts #${job.pr} (${input.mergeSha}).\nRequested by @${job.user.login} with ${commandText} for ${env}.`;
    const result = await deps.mirrors.withScratchRepo({ dir: input.mirrorDir }, input.tip, (repo) => revertInScratchRepo(repo, input.plan, author, message));
    if (result.status !== 'committed') return result;
    sha = result.sha;
    const pushed = await pushNewBranch({ cwd: input.mirrorDir, sha, branch, token: await run.token(), repoName: job.repo.fullName });
    if (pushed.status === 'exists') throw new BosunError({ kind: 'git', message: `the branch ${branch} appeared on GitHub while bosun was pushing it; run the command again` });
  }
  const body = revertBody({
    pr: job.pr,
    prUrl: input.facts.url,
    prTitle: input.facts.title,
    env,
    requestedBy: job.user.login,
    command: commandText,
    prefix: prefixOf(deps),
    defaultBranch: job.repo.defaultBranch,
    plan: input.plan,
    ...(input.snapshot ? { now: { target: input.snapshot.target } } : {}),
  });
  const created = await call(gh, `opening the revert pull request of #${job.pr}`, 'POST /repos/{owner}/{repo}/pulls', {
    owner,
    repo,
    title: revertTitle(job.pr, input.facts.title),
    head: branch,
    base: job.repo.defaultBranch,
    body,
  });
  const pr = created.data as { number: number; html_url: string };
  return { status: 'opened', pr: { number: pr.number, url: pr.html_url, branch, reused: false } };
}
