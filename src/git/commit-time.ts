import { git } from './git.ts';

/**
 * When a commit was committed, in milliseconds since the epoch (its committer date, whole seconds): what
 * orders the applies of one environment (a later commit is never overtaken by an earlier one).
 */
export async function commitTime(repoDir: string, sha: string): Promise<number> {
  return Number((await git(['show', '-s', '--format=%ct', '--end-of-options', sha], { cwd: repoDir })).trim()) * 1000;
}
