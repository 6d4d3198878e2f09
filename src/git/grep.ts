import { git } from './git.ts';

/**
 * The files of commit `sha` whose path ends in one of `extensions` (case-insensitive) and whose content
 * holds `text` (a fixed string), with each file's size in bytes. Read from git's object store by
 * `git grep`: no checkout is needed, and one process reads every candidate (a scan of 10,000 small files
 * through the file system took seconds of a plan; git grep takes a fraction of one).
 */
export async function filesContaining(repoDir: string, sha: string, text: string, extensions: readonly string[]): Promise<Array<{ path: string; size: number }>> {
  // git grep knows no --end-of-options (git 2.39): the revision must be a resolved object id.
  if (!/^[0-9a-f]{40,64}$/.test(sha)) throw new Error(`filesContaining: "${sha}" is not a resolved commit id`);
  const pathspecs = extensions.map((ext) => `:(icase)*.${ext}`);
  let out: string;
  try {
    out = await git(['grep', '-l', '-z', '-F', '--no-color', '-e', text, sha, '--', ...pathspecs], { cwd: repoDir });
  } catch (e) {
    // git grep exits 1 when nothing matches (and prints nothing).
    if (e instanceof Error && /exit 1\)/.test(e.message)) return [];
    throw e;
  }
  // Each name is "<sha>:<path>".
  const paths = out.split('\0').filter(Boolean).map((name) => name.slice(sha.length + 1));
  if (paths.length === 0) return [];
  const sizes = await git(['cat-file', '--batch-check=%(objectsize)'], { cwd: repoDir, input: paths.map((p) => `${sha}:${p}\n`).join('') });
  const sized = sizes.split('\n');
  return paths.map((path, i) => ({ path, size: Number(sized[i]) }));
}
