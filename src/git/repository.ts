import { resolve } from 'node:path';
import { git } from './git.ts';
import { commitId } from './safe-args.ts';

/**
 * Facts about a repository folder the CLI asks before it reads commits: whether it is bare, where its
 * top level and its common git directory are, whether it is shallow and holds a commit; and fetching
 * commits it lacks from `origin`. Each is one `git` run; callers never build git command lines.
 */

/**
 * The work tree's top level, or undefined for a bare repository (a mirror), which has none. One git run
 * answers both questions in a work tree; elsewhere (a bare repository, a `.git` folder) that run fails and
 * they are asked one at a time.
 */
export async function repositoryTop(dir: string): Promise<string | undefined> {
  const both = await git(['rev-parse', '--is-bare-repository', '--show-toplevel'], { cwd: dir, timeoutMs: 30_000 }).catch(() => undefined);
  const firstLine = both?.indexOf('\n') ?? -1;
  if (both !== undefined && both.slice(0, firstLine) === 'false') return both.slice(firstLine + 1).trim();
  const bare = (await git(['rev-parse', '--is-bare-repository'], { cwd: dir, timeoutMs: 30_000 })).trim() === 'true';
  if (bare) return undefined;
  return (await git(['rev-parse', '--show-toplevel'], { cwd: dir, timeoutMs: 30_000 })).trim();
}

/** The repository's common git directory (shared by its linked worktrees), absolute. */
export async function gitCommonDir(repoDir: string): Promise<string> {
  return resolve(repoDir, (await git(['rev-parse', '--git-common-dir'], { cwd: repoDir })).trim());
}

/** Whether `sha` names a commit the repository has (a full id: it is never read as an option). */
export async function hasCommit(repoDir: string, sha: string): Promise<boolean> {
  return git(['cat-file', '-e', '--end-of-options', `${sha}^{commit}`], { cwd: repoDir }).then(() => true, () => false);
}

/** Whether the repository is a shallow clone; false when git cannot tell. */
export async function isShallow(repoDir: string): Promise<boolean> {
  return (await git(['rev-parse', '--is-shallow-repository'], { cwd: repoDir }).catch(() => 'false')).trim() === 'true';
}

/**
 * Fetches commits by full id from `origin` with the credentials in the repository's config (one commit
 * deep in a shallow clone, so it stays shallow). Throws git's error when they cannot be fetched.
 */
export async function fetchCommits(repoDir: string, shas: readonly string[]): Promise<void> {
  for (const sha of shas) commitId(sha);
  const depth = (await isShallow(repoDir)) ? ['--depth=1'] : [];
  await git(['fetch', '--no-tags', '--no-recurse-submodules', ...depth, 'origin', '--', ...shas], { cwd: repoDir, timeoutMs: 600_000 });
}
