import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { BosunError } from '../model/errors.ts';
import { resolveInRepo } from '../util/paths.ts';
import { RenderFailure } from './types.ts';

/** No manifest is this big; refusing before reading keeps a stray dump from exhausting memory. */
export const maxManifestBytes = 10 * 1024 * 1024;

/**
 * Repo paths of the files below `dirRepoPath` whose names pass `accept`, recursively, in the order of a
 * depth-first walk with sorted names (Go's filepath.Walk order, which Flux uses too).
 * Symlinks are followed only while they stay inside the repository; `.git` is never entered.
 * `enter` lets a caller skip a sub-folder or take it as a unit instead of descending (Flux: nested
 * kustomizations are added as folders).
 */
export async function listFiles(
  root: string,
  dirRepoPath: string,
  accept: (name: string, repoPath: string) => boolean,
  enter?: (absDir: string, repoPath: string, name: string) => 'descend' | 'unit' | 'skip',
): Promise<{ files: string[]; dirs: string[]; ordered: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  const ordered: string[] = [];
  const seen = new Set<string>();
  const walk = async (repoDir: string): Promise<void> => {
    const absDir = inRepo(root, repoDir);
    const real = await realpath(absDir);
    if (seen.has(real)) return; // a symlink loop, or two links to one folder: render it once
    seen.add(real);
    const entries = (await readdir(absDir)).sort(byteOrder);
    for (const name of entries) {
      if (name === '.git') continue;
      const repoPath = repoDir === '.' ? name : posix.join(repoDir, name);
      const abs = inRepo(root, repoPath);
      const link = await lstat(abs);
      const info = link.isSymbolicLink() ? await stat(abs).catch(() => undefined) : link;
      if (!info) continue; // dangling symlink: nothing to read
      if (info.isDirectory()) {
        const how = enter?.(abs, repoPath, name) ?? 'descend';
        if (how === 'unit') {
          dirs.push(repoPath);
          ordered.push(repoPath);
        }
        else if (how === 'descend') await walk(repoPath);
      } else if (info.isFile() && accept(name, repoPath)) {
        files.push(repoPath);
        ordered.push(repoPath);
      }
    }
  };
  await walk(dirRepoPath);
  return { files, dirs, ordered };
}

/** Reads a repo file after the size check; too large → a problem naming the file. */
export async function readManifest(root: string, repoPath: string): Promise<string> {
  const abs = inRepo(root, repoPath);
  const info = await stat(abs);
  if (info.size > maxManifestBytes) {
    throw new RenderFailure({
      kind: 'render',
      tool: 'yaml',
      file: repoPath,
      message: `file is ${(info.size / 1024 / 1024).toFixed(1)} MB, over the 10 MB limit for a manifest; split it or move it out of the environment's folder`,
    });
  }
  return readFile(abs, 'utf8');
}

/** resolveInRepo with its path error turned into a render problem. */
export function inRepo(root: string, repoPath: string, from?: { file?: string; line?: number; field?: string }): string {
  try {
    return resolveInRepo(root, repoPath, from);
  } catch (e) {
    if (e instanceof BosunError) throw new RenderFailure({ ...e.toProblem(), file: e.file ?? repoPath });
    throw e;
  }
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
