/**
 * How a merged pull request landed on the default branch decides how it is reverted:
 * - a merge commit (two parents): `git revert -m 1 <merge>` takes back everything the PR brought;
 * - a squash merge: one ordinary commit, reverted as it is;
 * - a rebase merge: the PR's commits were replayed one by one on top of the branch and
 *   `merge_commit_sha` is the last of them; all of them are reverted, newest first.
 * GitHub does not say which button was pressed. A squash and a rebase both leave single-parent commits;
 * a rebase keeps each commit's author, author date and subject, a squash makes one new commit.
 */

export interface CommitFacts {
  sha: string;
  parents: string[];
  authorEmail: string;
  /** Author date as git prints it (`%aI`), kept by rebase. */
  authorDate: string;
  subject: string;
}

export type RevertPlan =
  /** Revert one merge commit against its first parent. */
  | { mode: 'merge-commit'; commits: [string]; mainline: 1 }
  /** Revert one ordinary commit (a squash merge, or a rebase merge of a one-commit PR). */
  | { mode: 'squash'; commits: [string] }
  /** Revert several commits, newest first. */
  | { mode: 'rebase'; commits: string[] };

export interface RevertModeInput {
  /** The PR's `merge_commit_sha` on the default branch. */
  merged: CommitFacts;
  /** The PR's own commits, oldest first (`base..head`). */
  prCommits: readonly CommitFacts[];
  /** The default branch's first-parent history from `merged` backwards (newest first), at least as long as `prCommits` when it can be. */
  mainline: readonly CommitFacts[];
}

const sameChange = (a: CommitFacts, b: CommitFacts): boolean =>
  a.authorEmail === b.authorEmail && a.authorDate === b.authorDate && a.subject === b.subject && a.parents.length <= 1 && b.parents.length <= 1;

export function chooseRevertMode(input: RevertModeInput): RevertPlan {
  const { merged, prCommits, mainline } = input;
  if (merged.parents.length >= 2) return { mode: 'merge-commit', commits: [merged.sha], mainline: 1 };
  const n = prCommits.length;
  if (n > 1 && mainline.length >= n && mainline[0]?.sha === merged.sha) {
    const replayed = mainline.slice(0, n).reverse();
    if (replayed.every((c, i) => sameChange(c, prCommits[i]!))) {
      return { mode: 'rebase', commits: mainline.slice(0, n).map((c) => c.sha) };
    }
  }
  return { mode: 'squash', commits: [merged.sha] };
}

/** The oldest commit the PR put on the default branch; its first parent is the branch before the PR. */
export function oldestCommit(plan: RevertPlan): string {
  return plan.commits[plan.commits.length - 1]!;
}

export function describeMode(plan: RevertPlan): string {
  switch (plan.mode) {
    case 'merge-commit':
      return `reverts merge commit ${plan.commits[0].slice(0, 7)} (against its first parent)`;
    case 'squash':
      return `reverts commit ${plan.commits[0].slice(0, 7)}`;
    case 'rebase':
      return `reverts the ${plan.commits.length} rebased commits ${plan.commits.at(-1)!.slice(0, 7)}..${plan.commits[0]!.slice(0, 7)}`;
  }
}
