/**
 * Git work of a rollback: read the commits a merged PR put on the default branch, revert them in a
 * throw-away scratch repository on top of the branch's tip, and push the result to a new branch. The token
 * travels as in mirror-remote.ts (an HTTP header through GIT_CONFIG_* variables), never in a URL or an
 * argument; the branch is only ever created, never moved.
 */
import { BosunError } from '../model/errors.ts';
import type { CommitFacts, RevertPlan } from '../rollback/revert-mode.ts';
import { git } from './git.ts';
import { runRemoteGit } from './mirror-remote.ts';
import { branchName, commitId } from './safe-args.ts';
import type { ScratchRepo } from './scratch-repo.ts';
import { isolatedGitConfig, isolatedGitEnv } from './worktree.ts';

const factsFormat = '%H%x00%P%x00%ae%x00%aI%x00%s%x1e';

function parseFacts(out: string): CommitFacts[] {
  return out
    .split('\x1e')
    .map((chunk) => chunk.replace(/^\n+/, ''))
    .filter(Boolean)
    .map((chunk) => {
      const [sha, parents, authorEmail, authorDate, subject] = chunk.split('\0');
      return { sha: sha!, parents: parents ? parents.split(' ') : [], authorEmail: authorEmail!, authorDate: authorDate!, subject: subject ?? '' };
    });
}

export async function commitFacts(repoDir: string, sha: string): Promise<CommitFacts> {
  const [facts] = parseFacts(await git(['show', '-s', `--format=${factsFormat}`, '--end-of-options', commitId(sha), '--'], { cwd: repoDir }));
  if (!facts) throw new BosunError({ kind: 'git', message: `commit ${sha.slice(0, 12)} is not in the mirror` });
  return facts;
}

/** Commits on `head` that `base` does not have, oldest first: a pull request's own commits. */
export async function rangeFacts(repoDir: string, base: string, head: string): Promise<CommitFacts[]> {
  return parseFacts(await git(['log', '--reverse', `--format=${factsFormat}`, '--end-of-options', `${commitId(base)}..${commitId(head)}`, '--'], { cwd: repoDir }));
}

/** `sha` and its first-parent ancestors, newest first, at most `count`. */
export async function mainlineFacts(repoDir: string, sha: string, count: number): Promise<CommitFacts[]> {
  return parseFacts(await git(['log', '--first-parent', `--max-count=${Math.max(1, Math.floor(count))}`, `--format=${factsFormat}`, '--end-of-options', commitId(sha), '--'], { cwd: repoDir }));
}

export async function isAncestor(repoDir: string, ancestor: string, descendant: string): Promise<boolean> {
  const args = ['merge-base', '--is-ancestor', '--end-of-options', commitId(ancestor), commitId(descendant)];
  return git(args, { cwd: repoDir }).then(() => true, () => false);
}

export interface Identity {
  name: string;
  email: string;
}

export type RevertResult =
  | { status: 'committed'; sha: string; files: string[] }
  /** The revert does not apply cleanly: nothing was committed. */
  | { status: 'conflict'; files: string[] }
  /** The default branch already lacks every change of the PR (reverted before). */
  | { status: 'empty' };

/**
 * Reverts `plan` in `repo`, a scratch repository at the default branch's tip, as one commit by `author`,
 * and keeps that commit in the source repository (the mirror), from where it is pushed. Hooks, filters
 * and signing are off: the scratch repository holds repository content, and the bot has no signing key.
 */
export async function revertInScratchRepo(repo: ScratchRepo, plan: RevertPlan, author: Identity, message: string): Promise<RevertResult> {
  const opts = { cwd: repo.dir, env: isolatedGitEnv };
  const base = [...isolatedGitConfig, '-c', 'commit.gpgsign=false', '-c', `user.name=${author.name}`, '-c', `user.email=${author.email}`];
  const args = [...base, 'revert', '--no-commit', '--no-edit'];
  if (plan.mode === 'merge-commit') args.push('-m', String(plan.mainline));
  try {
    await git([...args, '--end-of-options', ...plan.commits.map((c) => commitId(c))], opts);
  } catch (err) {
    if (!(err instanceof BosunError)) throw err;
    const unmerged = (await git(['diff', '--name-only', '--diff-filter=U'], opts).catch(() => '')).split('\n').filter(Boolean);
    await git([...isolatedGitConfig, 'revert', '--abort'], opts).catch(() => undefined);
    if (unmerged.length === 0 && !/conflict/i.test(err.message)) throw err;
    return { status: 'conflict', files: [...new Set(unmerged)].sort() };
  }
  const files = (await git(['diff', '--cached', '--name-only'], opts)).split('\n').filter(Boolean);
  if (files.length === 0) return { status: 'empty' };
  await git([...base, 'commit', '--quiet', '--no-verify', '-m', message], opts);
  const sha = (await git(['rev-parse', 'HEAD'], opts)).trim();
  await repo.keep(sha);
  return { status: 'committed', sha, files };
}

/** The diff of a commit (what a reviewer of the revert PR sees), for tests and logs. */
export async function showPatch(repoDir: string, sha: string): Promise<string> {
  return git(['show', '--format=', '--end-of-options', commitId(sha), '--'], { cwd: repoDir });
}

export interface PushBranchOptions {
  /** A repository (the mirror) whose `origin` is the repository on GitHub and that holds `sha`. */
  cwd: string;
  sha: string;
  branch: string;
  token: string;
  repoName: string;
  timeoutMs?: number;
}

export type PushResult = { status: 'pushed' } | { status: 'exists' };

/**
 * Creates `refs/heads/<branch>` at `sha` on origin. `--force-with-lease=<ref>:` with an empty expected
 * value means "only if the branch does not exist", so an existing branch (someone else's, or a revert
 * pushed before) is never moved.
 */
export async function pushNewBranch(opts: PushBranchOptions): Promise<PushResult> {
  const ref = `refs/heads/${branchName(opts.branch)}`;
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const args = ['push', '--porcelain', '--no-verify', `--force-with-lease=${ref}:`, '--end-of-options', 'origin', `${commitId(opts.sha)}:${ref}`];
  const run = await runRemoteGit(args, { cwd: opts.cwd, token: opts.token, timeoutMs });
  if (run.timedOut) throw new BosunError({ kind: 'git', message: `cannot push ${opts.branch} to ${opts.repoName}: no answer within ${Math.round(timeoutMs / 1000)} s` });
  if (run.code === 0) return { status: 'pushed' };
  if (/^!\s.*\[rejected\].*(stale info|already exists|fetch first)/m.test(run.stdout)) return { status: 'exists' };
  const detail = `${run.stdout}\n${run.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' / ');
  const hint = /403|denied|not allowed/i.test(detail) ? '; the GitHub App needs "Contents: write" on the repository to push a revert branch' : '';
  throw new BosunError({ kind: 'git', message: `cannot push ${opts.branch} to ${opts.repoName}: ${detail || `git push failed (exit ${run.code})`}${hint}` });
}
