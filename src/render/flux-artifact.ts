import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse, stringify } from 'yaml';
import type { FluxCopyOperation, FluxSourceSpec } from '../model/flux-source.ts';
import { resolveInRepo } from '../util/paths.ts';
import { readIgnorePatterns, segmentMatch, sourceIgnoreMatcher, type IgnorePattern } from './gitignore.ts';
import { RenderFailure } from './types.ts';
import { repoRegExp } from '../util/repo-regexp.ts';

/**
 * Assembles the folder Flux's kustomize-controller reads for an environment whose files are not simply
 * the checkout: the GitRepository artifact source-controller archives (its includes of this repository,
 * then `.sourceignore` and `.spec.ignore`), and on top of it the copy operations of an ArtifactGenerator
 * (source-watcher internal/builder: cp-like copies of globs, folders and files, `exclude`, the `Merge`
 * strategy). Every file of the result knows the repository file(s) it came from, so objects, findings and
 * inputs point at the repository.
 */
export interface ArtifactLayout {
  /** Artifact path → the repository file it is a copy of; a merged file lists every file merged, in order. */
  files: Map<string, string[]>;
  /** Artifact folder ↔ repository folder: where a file that appears later under the repository folder lands. */
  regions: Array<{ artifact: string; repo: string }>;
}

/** The artifact may not grow past this (source-controller has no limit; bosun copies it to disk per render). */
const maxArtifactBytes = 256 * 1024 * 1024;

/** Every file of the checkout (Git's own folder left out), repo-relative; symlinks inside the repository are followed. */
export function listCheckoutFiles(root: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string): void => {
    const abs = rel === '' ? root : join(root, rel);
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of readdirSync(abs).sort()) {
      if (rel === '' && name === '.git') continue;
      const path = rel === '' ? name : `${rel}/${name}`;
      const link = lstatSync(join(root, path));
      let info = link;
      if (link.isSymbolicLink()) {
        try {
          // source-controller resolves symlinks before archiving; one that leaves the repository is not followed.
          resolveInRepo(root, path);
          info = statSync(join(root, path));
        } catch {
          continue;
        }
      }
      if (info.isDirectory()) walk(path);
      else if (info.isFile()) out.push(path);
    }
  };
  walk('');
  return out;
}

function under(path: string, dir: string): boolean {
  return dir === '.' || dir === '' || path === dir || path.startsWith(`${dir}/`);
}

function rel(path: string, dir: string): string {
  if (dir === '.' || dir === '') return path;
  return path === dir ? '' : path.slice(dir.length + 1);
}

function joinPath(...parts: string[]): string {
  const joined = posix.normalize(parts.filter((p) => p !== '' && p !== '.').join('/'));
  return joined === '.' ? '' : joined.replace(/\/$/, '');
}

/** The GitRepository artifact: this repository's files, its includes of itself, less what source-controller ignores. */
function gitRepositoryLayout(root: string, spec: FluxSourceSpec): ArtifactLayout {
  const repoFiles = listCheckoutFiles(root);
  const files = new Map<string, string[]>(repoFiles.map((f) => [f, [f]]));
  const regions: ArtifactLayout['regions'] = [{ artifact: '', repo: '' }];
  for (const include of spec.includes ?? []) {
    // source-controller copies the included artifact's fromPath (all of it when unset) to toPath.
    const from = joinPath(include.fromPath);
    const to = joinPath(include.toPath);
    for (const f of repoFiles) if (under(f, from)) files.set(joinPath(to, rel(f, from)), [f]);
    regions.push({ artifact: to, repo: from });
  }
  const rules: IgnorePattern[] = [];
  // sourceignore.LoadIgnorePatterns: the root's file first, then each folder's, depth first in name order.
  const ignoreFiles = [...files.keys()].filter((f) => posix.basename(f) === '.sourceignore').sort(byDepthFirst);
  for (const file of ignoreFiles) {
    const source = files.get(file)![0];
    const dir = posix.dirname(file);
    rules.push(...readIgnorePatterns(readFileSync(join(root, source), 'utf8'), dir === '.' ? [] : dir.split('/')));
  }
  if (spec.ignore !== undefined) rules.push(...readIgnorePatterns(spec.ignore, []));
  const ignored = sourceIgnoreMatcher(rules);
  for (const f of [...files.keys()]) if (ignored(f)) files.delete(f);
  return { files, regions };
}

/** Depth-first in name order, a folder's own file before its sub-folders' (a walk of the tree). */
function byDepthFirst(a: string, b: string): number {
  const da = posix.dirname(a).split('/');
  const db = posix.dirname(b).split('/');
  for (let i = 0; i < Math.min(da.length, db.length); i++) if (da[i] !== db[i]) return da[i] < db[i] ? -1 : 1;
  return da.length - db.length;
}

/**
 * The layout of the environment's source: the GitRepository artifact, and the ArtifactGenerator's copies
 * of it when the environment reads an ExternalArtifact. A copy that Flux would refuse (no match, a path
 * that leaves the artifact) is a render failure naming the generator.
 */
export function artifactLayout(root: string, spec: FluxSourceSpec): ArtifactLayout {
  const git = gitRepositoryLayout(root, spec);
  if (!spec.copy) return git;
  const files = new Map<string, string[]>();
  const regions: ArtifactLayout['regions'] = [];
  const dirs = folderSet(git.files);
  for (const op of spec.copy) applyCopy(op, git, dirs, files, regions, spec);
  // Regions of the generator's copies are in the GitRepository artifact's terms: map them to the repository.
  return { files, regions: regions.flatMap((r) => git.regions.flatMap((g) => compose(r, g))) };
}

function compose(outer: { artifact: string; repo: string }, inner: { artifact: string; repo: string }): Array<{ artifact: string; repo: string }> {
  if (under(outer.repo, inner.artifact)) return [{ artifact: outer.artifact, repo: joinPath(inner.repo, rel(outer.repo, inner.artifact)) }];
  if (under(inner.artifact, outer.repo)) return [{ artifact: joinPath(outer.artifact, rel(inner.artifact, outer.repo)), repo: inner.repo }];
  return [];
}

function folderSet(files: Map<string, string[]>): Set<string> {
  const dirs = new Set<string>();
  for (const f of files.keys()) {
    let dir = posix.dirname(f);
    while (dir !== '.' && !dirs.has(dir)) {
      dirs.add(dir);
      dir = posix.dirname(dir);
    }
  }
  return dirs;
}

const globChars = /[*?[\]]/;

function applyCopy(op: FluxCopyOperation, source: ArtifactLayout, dirs: Set<string>, out: Map<string, string[]>, regions: ArtifactLayout['regions'], spec: FluxSourceSpec): void {
  const fail = (why: string): never => {
    throw new RenderFailure({ kind: 'render', file: spec.files[spec.files.length - 1], message: `${spec.label}: copy from \`${op.from}\` to \`@artifact/${op.to}\` ${why} (source-watcher fails the artifact the same way)` });
  };
  const dest = joinPath(op.to);
  if (dest.split('/').includes('..')) fail('leaves the artifact');
  const destIsDir = op.to === '' || op.to.endsWith('/');
  const exists = (p: string) => source.files.has(p);
  const isDir = (p: string) => p === '' || dirs.has(p);
  const excludes = op.exclude ?? [];

  const copyFile = (from: string, to: string): void => {
    const previous = out.get(to);
    out.set(to, op.strategy === 'Merge' && previous ? [...previous, ...source.files.get(from)!] : [...source.files.get(from)!]);
  };
  const copyDir = (from: string, to: string, excludeBase: string): void => {
    for (const f of source.files.keys()) {
      if (!under(f, from) || f === from) continue;
      const relPath = rel(f, from);
      // A folder on the way that an exclude matches is skipped whole (fs.WalkDir SkipDir).
      const segments = relPath.split('/');
      let skip = false;
      for (let i = 1; i <= segments.length && !skip; i++) skip = excluded(joinPath(from, segments.slice(0, i).join('/')), excludeBase, excludes);
      if (!skip) copyFile(f, joinPath(to, relPath));
    }
  };

  const pattern = posix.normalize(op.from).replace(/\/$/, '');
  if (!globChars.test(pattern)) {
    const src = pattern === '.' ? '' : pattern;
    if (isDir(src) && (src === '' || dirs.has(src))) {
      const target = joinPath(dest, posix.basename(src));
      copyDir(src, target, src);
      regions.push({ artifact: target, repo: src });
      return;
    }
    if (!exists(src)) {
      if (op.optional) return;
      fail('reads a path that is not in the artifact of the source');
    }
    if (excluded(src, '.', excludes)) return;
    const target = destIsDir || dirs.has(dest) || [...out.keys()].some((k) => k.startsWith(`${dest}/`)) ? joinPath(dest, posix.basename(src)) : dest;
    copyFile(src, target);
    regions.push({ artifact: target, repo: src });
    return;
  }
  // Go's fs.Glob: element by element, `**` is `*` (one element); files and folders both match.
  const matches = globAll(pattern, source.files, dirs);
  const selectionRoot = pattern.split('/').filter((s, i, all) => !all.slice(0, i + 1).some((x) => globChars.test(x))).join('/');
  const kept = matches.filter((m) => !excluded(m, selectionRoot, excludes));
  if (kept.length === 0) {
    if (op.optional) return;
    fail(matches.length === 0 ? 'matches no file' : 'matches only excluded files');
  }
  const dirPrefix = pattern.endsWith('/**') ? pattern.slice(0, -3) : undefined;
  for (const match of kept) {
    // calculateGlobDestination: `dir/**` keeps the path below dir, any other pattern the whole match path.
    const target = dirPrefix !== undefined && match.startsWith(`${dirPrefix}/`) ? joinPath(dest, match.slice(dirPrefix.length + 1)) : joinPath(dest, match);
    if (dirs.has(match)) copyDir(match, target, selectionRoot);
    else copyFile(match, target);
  }
  regions.push(dirPrefix !== undefined ? { artifact: dest, repo: dirPrefix } : { artifact: joinPath(dest, selectionRoot), repo: selectionRoot });
}

function globAll(pattern: string, files: Map<string, string[]>, dirs: Set<string>): string[] {
  let current = [''];
  for (const segment of pattern.split('/')) {
    const next: string[] = [];
    for (const base of current) {
      const children = childrenOf(base, files, dirs);
      for (const child of children) if (globChars.test(segment) ? segmentMatch(segment === '**' ? '*' : segment, child) : child === segment) next.push(joinPath(base, child));
    }
    current = next;
  }
  return [...new Set(current)].sort();
}

function childrenOf(dir: string, files: Map<string, string[]>, dirs: Set<string>): string[] {
  const out = new Set<string>();
  for (const p of [...files.keys(), ...dirs]) {
    if (dir !== '' && !p.startsWith(`${dir}/`)) continue;
    const restPath = dir === '' ? p : p.slice(dir.length + 1);
    if (restPath === '') continue;
    out.add(restPath.split('/')[0]);
  }
  return [...out].sort();
}

/** source-watcher's shouldExcludePath: doublestar patterns on the path and on its path below the selection root; a pattern without `/` also on the name. */
function excluded(path: string, base: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  const test = (p: string) => patterns.some((pattern) => doublestarMatch(pattern, p) || (!pattern.includes('/') && doublestarMatch(pattern, posix.basename(p))));
  if (test(path)) return true;
  if (base === '' || base === '.') return false;
  if (!under(path, base) || path === base) return false;
  return test(rel(path, base));
}

const doublestarCache = new Map<string, RegExp>();

/** doublestar.Match: `**` any number of folders, `*` and `?` within one element, `[...]` classes, `{a,b}` alternatives. */
export function doublestarMatch(pattern: string, path: string): boolean {
  let re = doublestarCache.get(pattern);
  if (!re) {
    let out = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '*' && pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else if (c === '*') out += '[^/]*';
      else if (c === '?') out += '[^/]';
      else if (c === '{') out += '(?:';
      else if (c === '}') out += ')';
      else if (c === ',') out += '|';
      else if (c === '[') {
        const end = pattern.indexOf(']', i + 1);
        if (end < 0) out += '\\[';
        else {
          out += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
          i = end;
        }
      } else if (c === '\\' && i + 1 < pattern.length) out += `\\${pattern[++i]}`;
      else out += c.replace(/[.+^$()|\\/]/g, '\\$&');
    }
    try {
      re = repoRegExp(`^${out}$`, 's');
    } catch {
      re = /(?!)/;
    }
    if (doublestarCache.size > 4096) doublestarCache.clear();
    doublestarCache.set(pattern, re);
  }
  return re.test(path);
}

/**
 * Writes the artifact into `dir`: copied files as they are, merged files (the `Merge` strategy, Helm's
 * values merge: later maps win key by key) as YAML.
 */
export async function materializeArtifact(root: string, layout: ArtifactLayout, dir: string): Promise<void> {
  let bytes = 0;
  for (const [path, sources] of [...layout.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const target = join(dir, path);
    await mkdir(posix.dirname(target) === '.' ? dir : join(dir, posix.dirname(path)), { recursive: true });
    const content = sources.length === 1 ? await readFile(join(root, sources[0])) : Buffer.from(await mergedYaml(root, sources));
    bytes += content.length;
    if (bytes > maxArtifactBytes) {
      throw new RenderFailure({ kind: 'render', message: `the artifact is larger than ${maxArtifactBytes / 1024 / 1024} MB; bosun does not assemble it (exclude what the environment does not read, with .sourceignore or the GitRepository's spec.ignore)` });
    }
    await writeFile(target, content);
  }
}

async function mergedYaml(root: string, sources: string[]): Promise<string> {
  let merged: unknown = {};
  for (const source of sources) {
    let value: unknown;
    try {
      value = parse(await readFile(join(root, source), 'utf8'));
    } catch (error) {
      throw new RenderFailure({ kind: 'render', file: source, message: `the ArtifactGenerator's Merge strategy needs YAML: ${(error as Error).message.split('\n')[0]}` });
    }
    merged = mergeValues(merged, value);
  }
  return stringify(merged);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mergeValues(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over ?? base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
  return out;
}

/** The repository file(s) an artifact path comes from; a path that is not (yet) in the artifact maps through its region. */
export function repoPathsOf(layout: ArtifactLayout, artifactPath: string): string[] {
  const normal = joinPath(artifactPath);
  const copied = layout.files.get(normal);
  if (copied) return copied;
  return repoFoldersOf(layout, normal);
}

/** The repository folders whose files land in (or below) an artifact folder. */
export function repoFoldersOf(layout: ArtifactLayout, artifactDir: string): string[] {
  const dir = joinPath(artifactDir);
  const out = new Set<string>();
  for (const region of layout.regions) {
    if (under(dir, region.artifact)) out.add(joinPath(region.repo, rel(dir, region.artifact)) || '.');
    else if (under(region.artifact, dir)) out.add(region.repo || '.');
  }
  return [...out].sort();
}
