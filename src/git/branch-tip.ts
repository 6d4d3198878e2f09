import { git } from './git.ts';

/**
 * The commit branch `branch` of the repository points at (`refs/heads/<branch>`, never a tag or another ref
 * of that name), or undefined when there is no such branch.
 */
export async function branchTip(repoDir: string, branch: string): Promise<string | undefined> {
  const out = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${branch}^{commit}`], { cwd: repoDir }).catch(() => '');
  return out.trim() || undefined;
}
