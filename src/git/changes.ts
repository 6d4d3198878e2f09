import { CommitAnswers, isFullId } from './commit-answers.ts';
import { git } from './git.ts';

/** Changed-path lists of commit pairs, up to 200,000 paths in all. */
const diffs = new CommitAnswers<readonly string[]>(200_000, (paths) => paths.length);

/**
 * Every path that differs between two commits: added, modified, deleted, type-changed, and both the old
 * and the new side of a rename (rename detection is off, so a rename shows up as delete + add).
 * Two commits given by their full ids are diffed once per process (commit-answers.ts); each caller gets its own list.
 */
export async function changedFiles(repoDir: string, baseSha: string, headSha: string): Promise<string[]> {
  const paths = isFullId(baseSha) && isFullId(headSha)
    ? await diffs.get(`${repoDir}\0${baseSha}\0${headSha}`, () => diffPaths(repoDir, baseSha, headSha))
    : await diffPaths(repoDir, baseSha, headSha);
  return [...paths];
}

async function diffPaths(repoDir: string, baseSha: string, headSha: string): Promise<string[]> {
  const out = await git(
    ['diff', '--name-status', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', '--end-of-options', baseSha, headSha, '--'],
    { cwd: repoDir },
  );
  // -z output: STATUS NUL PATH NUL, repeated; paths are raw (no quoting) and may contain anything but NUL.
  const fields = out.split('\0');
  const paths = new Set<string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === '') break;
    paths.add(fields[i + 1]);
  }
  return [...paths].sort();
}
