import { git } from './git.ts';

/**
 * The first-parent ancestors of `commit`, newest first, at most `count` of them (the commit itself left out);
 * empty when git cannot list them (a shallow history ends the list where it ends).
 */
export async function firstParentAncestors(repoDir: string, commit: string, count: number): Promise<string[]> {
  const out = await git(['rev-list', '--first-parent', `--max-count=${count + 1}`, '--end-of-options', commit], { cwd: repoDir }).catch(() => '');
  return out.split('\n').map((s) => s.trim()).filter(Boolean).slice(1);
}
