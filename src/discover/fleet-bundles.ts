import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { byteOrder } from '../render/files.ts';
import { resolveInRepo } from '../util/paths.ts';
import { repoRegExp } from '../util/repo-regexp.ts';

/**
 * Which folders of the repository Rancher Fleet turns into bundles for a GitRepo's `paths`, as `fleet
 * apply` (run by the GitRepo's job on the cloned repository) finds them — rancher/fleet
 * internal/cmd/cli/apply/apply.go `CreateBundles`: each path is a glob (Go's filepath.Glob, leading `/`
 * dropped) over folders; each matched folder is walked; the folder itself is a bundle when it has a
 * fleet.yaml, or when it or a sub-folder without fleet.yaml holds a `.yaml`/`.yml` file
 * (`shouldCreateBundleForThisPath`); every sub-folder with a fleet.yaml is a bundle of its own.
 */
export interface FleetBundleSite {
  /** Repo-relative folder, `.` for the repository root. */
  dir: string;
  /** Its fleet.yaml (or fleet.yml), repo-relative, when it has one. */
  fleetYaml?: string;
}

const fleetYamlNames = ['fleet.yaml', 'fleet.yml'];

/**
 * fleet.yaml first, then fleet.yml (rancher/fleet internal/fleetyaml: the documented name wins). A symlink
 * that leaves the repository is still the folder's fleet.yaml (Fleet would follow it): reading it is refused.
 */
export function fleetYamlIn(root: string, dir: string): string | undefined {
  for (const name of fleetYamlNames) {
    const file = dir === '.' ? name : `${dir}/${name}`;
    let abs: string;
    try {
      abs = resolveInRepo(root, file);
    } catch {
      if (lstatSync(join(root, file), { throwIfNoEntry: false })?.isSymbolicLink()) return file;
      continue;
    }
    if (statSync(abs, { throwIfNoEntry: false })?.isFile()) return file;
  }
  return undefined;
}

export function bundleSitesForPaths(root: string, paths: readonly string[]): { sites: FleetBundleSite[]; unmatched: string[] } {
  const sites = new Map<string, FleetBundleSite>();
  const unmatched: string[] = [];
  for (const pattern of paths.length > 0 ? paths : ['.']) {
    const dirs = globDirs(root, pattern);
    if (dirs.length === 0) unmatched.push(pattern);
    for (const base of dirs) {
      walkDirs(root, base, (dir) => {
        if (sites.has(dir)) return;
        const fleetYaml = fleetYamlIn(root, dir);
        const isBase = dir === base;
        if (fleetYaml) sites.set(dir, { dir, fleetYaml });
        else if (isBase && hasResourcesOutsideBundles(root, dir)) sites.set(dir, { dir });
      });
    }
  }
  return { sites: [...sites.values()].sort((a, b) => byteOrder(a.dir, b.dir)), unmatched };
}

/** Go's filepath.Glob of `pattern` (after Fleet drops leading `/`), folders only, repo-relative. */
export function globDirs(root: string, pattern: string): string[] {
  const cleaned = posix.normalize(pattern.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  if (cleaned === '..' || cleaned.startsWith('../')) return [];
  const segments = cleaned === '.' ? [] : cleaned.split('/');
  let current = ['.'];
  for (const segment of segments) {
    const next: string[] = [];
    for (const dir of current) {
      if (segment === '.' || !/[*?[\\]/.test(segment)) {
        next.push(dir === '.' ? segment : `${dir}/${segment}`);
        continue;
      }
      const re = goPatternRegExp(segment);
      if (!re) continue;
      for (const name of safeReaddir(root, dir)) if (re.test(name)) next.push(dir === '.' ? name : `${dir}/${name}`);
    }
    current = next;
  }
  return current.filter((dir) => isDir(root, dir)).sort(byteOrder);
}

/**
 * One path segment of Go's filepath.Match as a RegExp: `*` (any run of non-separators), `?`, `[…]`
 * classes (`^` negates, ranges), `\\` escapes. Undefined for a malformed pattern (Go's ErrBadPattern:
 * Glob then matches nothing).
 */
export function goPatternRegExp(segment: string): RegExp | undefined {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      i++;
      if (i >= segment.length) return undefined;
      out += escapeRe(segment[i]);
    } else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else out += escapeRe(c);
  }
  try {
    return repoRegExp(`^${out}$`);
  } catch {
    return undefined;
  }
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** filepath.Walk order (lexical), folders only, symlinks not followed, `.git` never entered. */
function walkDirs(root: string, dir: string, visit: (dir: string) => void): void {
  visit(dir);
  for (const name of safeReaddir(root, dir)) {
    if (name === '.git') continue;
    const child = dir === '.' ? name : `${dir}/${name}`;
    const info = lstatSync(join(root, child), { throwIfNoEntry: false });
    if (info?.isDirectory()) walkDirs(root, child, visit);
  }
}

/** hasSubDirectoryWithResourcesAndWithoutFleetYaml: a YAML file here or in a sub-folder that is not a bundle itself. */
function hasResourcesOutsideBundles(root: string, dir: string): boolean {
  if (fleetYamlIn(root, dir)) return false;
  for (const name of safeReaddir(root, dir)) {
    if (name === '.git') continue;
    const child = dir === '.' ? name : `${dir}/${name}`;
    const info = lstatSync(join(root, child), { throwIfNoEntry: false });
    if (info?.isDirectory()) {
      if (hasResourcesOutsideBundles(root, child)) return true;
    } else if (/\.ya?ml$/.test(name)) return true;
  }
  return false;
}

function safeReaddir(root: string, dir: string): string[] {
  try {
    return readdirSync(join(resolveInRepo(root, dir))).sort(byteOrder);
  } catch {
    return [];
  }
}

function isDir(root: string, dir: string): boolean {
  try {
    return statSync(resolveInRepo(root, dir)).isDirectory();
  } catch {
    return false;
  }
}
