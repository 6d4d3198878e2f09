import { git } from './git.ts';
import { branchName, commitId } from './safe-args.ts';

/** A full commit id, or a branch as `refs/heads/<name>`: what may name a side of a merge base. */
function revision(value: string): string {
  return value.startsWith('refs/heads/') ? `refs/heads/${branchName(value.slice('refs/heads/'.length))}` : commitId(value);
}

/**
 * The best common ancestor of two commits (`git merge-base`): where a pull request's head left its base.
 * Each side is a full commit id or `refs/heads/<branch>` (merge-base resolves the branch itself: one git
 * process less). Throws when the two share no history or a side is not in the repository.
 */
export async function mergeBase(repoDir: string, a: string, b: string): Promise<string> {
  return (await git(['merge-base', '--end-of-options', revision(a), revision(b)], { cwd: repoDir })).trim();
}
