import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { inRepo, listFiles } from './files.ts';
import { repoRegExp } from '../util/repo-regexp.ts';

/**
 * The files of a Rancher Fleet bundle, as Fleet's bundle reader collects them
 * (rancher/fleet internal/bundlereader/loaddirectory.go `GetContent`): every file below the bundle folder
 * but hidden files and folders (a name starting with `.`), what `.fleetignore` files exclude, fleet.yaml
 * itself and the `helm.valuesFiles` (their content became values; also by base name at the top). Names are relative to the bundle
 * folder, as in the Bundle's resources.
 *
 * `.fleetignore` (https://fleet.rancher.io/gitrepo-content#excluding-files-and-directories-from-bundles):
 * one Go filepath.Match glob per line, matched against a file's or folder's base name, in the folder of
 * the `.fleetignore` and every folder below it; `name/*` ignores a folder called `name`; blank lines and
 * `#` comments skipped, trailing spaces trimmed unless escaped. `**` and `!` are not supported (as in Fleet).
 */
export interface BundleFiles {
  /** Bundle-relative name → repo path. */
  files: Map<string, string>;
}

export async function bundleFiles(root: string, bundleDir: string, exclude: readonly string[]): Promise<BundleFiles> {
  const ignores = new Map<string, string[]>();
  // Each values file is left out by its path and by its base name alone (rancher/fleet bundlereader
  // resources.go `ignoreApplyConfigs`, since rancher/fleet#3956): `valuesFiles: [../shared/values.yaml]`
  // also keeps the bundle's own top-level `values.yaml` out of its resources.
  const excluded = new Set(['fleet.yaml', 'fleet.yml', ...exclude.flatMap((e) => [posix.normalize(e), posix.basename(e)])]);
  const rel = (repoPath: string) => (bundleDir === '.' ? repoPath : repoPath.slice(bundleDir.length + 1));
  // The patterns in force in a folder: the .fleetignore files of the bundle folder and of every folder
  // from there down to it (Fleet's ignore tree starts at the bundle; sibling folders do not share theirs).
  const patternsFor = async (dirRepoPath: string): Promise<string[]> => {
    const dirs = [bundleDir];
    let current = bundleDir;
    const below = dirRepoPath === bundleDir ? '' : rel(dirRepoPath);
    for (const segment of below.split('/').filter(Boolean)) {
      current = current === '.' ? segment : `${current}/${segment}`;
      dirs.push(current);
    }
    return (await Promise.all(dirs.map((d) => ignoreFile(root, d, ignores)))).flat();
  };
  const ignored = async (repoPath: string, name: string, isDir: boolean): Promise<boolean> => {
    for (const pattern of await patternsFor(posix.dirname(repoPath))) {
      const dirPattern = /^.+\/\*$/.test(pattern);
      if (dirPattern) {
        if (isDir && pattern.slice(0, -2) === name) return true;
      } else if (goMatch(pattern, name)) return true;
    }
    return false;
  };
  const { files } = await listFiles(root, bundleDir, () => true, (_abs, _repoPath, name) => (name.startsWith('.') ? 'skip' : 'descend'));
  const out = new Map<string, string>();
  for (const file of files) {
    const name = rel(file);
    const base = posix.basename(file);
    if (base.startsWith('.')) continue;
    if (excluded.has(name)) continue;
    // A folder on the way that .fleetignore excludes takes its files with it.
    let skip = false;
    const parts = name.split('/');
    for (let i = 0; i < parts.length; i++) {
      const repoPath = bundleDir === '.' ? parts.slice(0, i + 1).join('/') : `${bundleDir}/${parts.slice(0, i + 1).join('/')}`;
      if (await ignored(repoPath, parts[i], i < parts.length - 1)) {
        skip = true;
        break;
      }
    }
    if (!skip) out.set(name, file);
  }
  return { files: out };
}

async function ignoreFile(root: string, dir: string, cache: Map<string, string[]>): Promise<string[]> {
  const cached = cache.get(dir);
  if (cached) return cached;
  let text: string;
  try {
    text = await readFile(inRepo(root, dir === '.' ? '.fleetignore' : `${dir}/.fleetignore`), 'utf8');
  } catch {
    text = ''; // no .fleetignore here
  }
  const patterns = text.split('\n').map((line) => line.replace(/([^\\])\s+$/, '$1')).filter((line) => line !== '' && !line.startsWith('#'));
  cache.set(dir, patterns);
  return patterns;
}

/** Go's filepath.Match on one name (no separators): `*`, `?`, `[…]` with `^` negation, `\\` escapes. */
export function goMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escape(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else re += escape(c);
  }
  try {
    return repoRegExp(`^${re}$`).test(name);
  } catch {
    return false;
  }
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
