import { realpathSync } from 'node:fs';
import { isAbsolute, join, normalize, posix, relative, sep } from 'node:path';
import { BosunError } from '../model/errors.ts';

/** Repo-relative POSIX path for an absolute path inside `root`. */
export function toRepoPath(root: string, abs: string): string {
  const rel = relative(root, abs);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * Whether a relative POSIX path (a repository, chart or archive path written in a file) leaves the folder
 * it is relative to: absolute, or `..` first once normalized. The lexical check; resolveInRepo also sees
 * through symlinks.
 */
export function leavesRoot(relPath: string): boolean {
  const normal = posix.normalize(relPath);
  return posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../');
}

/** Whether `path` is `dir` or lies under it (both absolute, compared as given: pass real paths to see through symlinks). */
export function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

const realRoots = new Map<string, string>();
function realRootOf(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpathSync.native(root);
    if (realRoots.size > 256) realRoots.clear();
    realRoots.set(root, real);
  }
  return real;
}

/**
 * Resolves a repo-relative path and refuses anything that escapes the repository, by `..` or by a
 * symlink pointing outside. `from` names the file that referenced it, for the error message.
 */
export function resolveInRepo(root: string, repoPath: string, from?: { file?: string; line?: number; field?: string }): string {
  if (isAbsolute(repoPath)) {
    throw new BosunError({ kind: 'path', message: `absolute path "${repoPath}" is not allowed; paths are relative to the repository root`, ...from });
  }
  const abs = normalize(join(root, repoPath));
  if (!isWithin(root, abs)) {
    throw new BosunError({ kind: 'path', message: `path "${repoPath}" escapes the repository`, ...from });
  }
  let real: string;
  try {
    real = realpathSync.native(abs);
  } catch {
    return abs; // does not exist (yet): callers report missing files themselves
  }
  if (!isWithin(realRootOf(root), real)) {
    throw new BosunError({ kind: 'path', message: `path "${repoPath}" is a symlink that points outside the repository`, ...from });
  }
  return abs;
}
