import { lstatSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { kustomizationFileNames } from './render-kind.ts';

/**
 * What makes a file "GitOps content" for coverage (see docs/gitops-sources.md, "Coverage"):
 * - `manifest`: a `.yaml`/`.yml`/`.json` file with a top-level `apiVersion` and `kind` (any document);
 * - `kustomization`: `kustomization.yaml`, `kustomization.yml`, `Kustomization`;
 * - `chart`: every file of a Helm chart folder (the folder holding `Chart.yaml`, nested charts included);
 * - `values`: Helm values files outside charts (`values.yaml`, `values-prod.yaml`, `prod-values.yaml`…);
 * - `fleet`: Rancher Fleet's `fleet.yaml`;
 * - `sops`: `.sops.yaml` (SOPS creation rules);
 * - `jsonnet`: `*.jsonnet` anywhere, `*.libsonnet` outside `vendor/` folders (jsonnet-bundler's);
 * - `data`: any other `.yaml`/`.yml`/`.json` file in a folder an object bosun saw reads (a discovery
 *   note's `reads`: a Fleet bundle's overlay patches, an ApplicationSet's files-generator parameters).
 * Never: anything under `.git/`, `node_modules/`, and the top-level CI, editor and documentation
 * folders in `ignoredTopFolders`.
 */
export type GitOpsFileKind = 'manifest' | 'kustomization' | 'chart' | 'values' | 'fleet' | 'sops' | 'jsonnet' | 'data';

export interface GitOpsFile {
  /** Repo-relative POSIX path. */
  file: string;
  kind: GitOpsFileKind;
  /** For `chart` files: the chart folder. */
  chart?: string;
}

/** Top-level folders that hold CI configuration, editor settings or documentation, never deployed content. */
export const ignoredTopFolders: ReadonlySet<string> = new Set(['.github', '.gitlab', '.circleci', '.buildkite', '.tekton', '.vscode', '.idea', '.devcontainer', 'docs', 'doc']);
const ignoredSegments = new Set(['.git', 'node_modules']);
const kustomizationNames: ReadonlySet<string> = new Set(kustomizationFileNames);
const valuesName = /(^|[-_.])values([-_.][\w.-]*)?\.ya?ml$/i;
const manifestName = /\.(ya?ml|json)$/i;

/** Folders holding a `Chart.yaml`, from a file listing. */
export function chartFoldersOf(paths: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const path of paths) if (posix.basename(path) === 'Chart.yaml') out.add(posix.dirname(path));
  return out;
}

/** The innermost chart folder `path` is in, if any. */
function chartOf(path: string, charts: ReadonlySet<string>): string | undefined {
  if (charts.size === 0) return undefined;
  let dir = posix.dirname(path);
  for (;;) {
    if (charts.has(dir)) return dir;
    if (dir === '.' || dir === '') return undefined;
    dir = posix.dirname(dir);
  }
}

/** Whether a path is outside what coverage looks at (CI, docs, .git, node_modules). */
export function isIgnoredPath(path: string): boolean {
  // Asked for every file of both commits on each plan: no splitting into segments.
  const slash = path.indexOf('/');
  if (ignoredTopFolders.has(slash < 0 ? path : path.slice(0, slash))) return true;
  const wrapped = `/${path}/`;
  for (const segment of ignoredSegments) if (wrapped.includes(`/${segment}/`)) return true;
  return false;
}

/**
 * The GitOps kind of a path by its name alone; `'content'` when only the file's text can tell (a YAML
 * or JSON file that is a manifest when it has `apiVersion` and `kind`); undefined when it is not GitOps content.
 */
export function kindByName(path: string, charts: ReadonlySet<string>): GitOpsFileKind | 'content' | undefined {
  if (isIgnoredPath(path)) return undefined;
  const base = posix.basename(path);
  if (chartOf(path, charts) !== undefined) return 'chart';
  if (kustomizationNames.has(base)) return 'kustomization';
  if (base === 'fleet.yaml' || base === 'fleet.yml') return 'fleet';
  if (base === '.sops.yaml' || base === '.sops.yml') return 'sops';
  if (base.endsWith('.jsonnet')) return 'jsonnet';
  if (base.endsWith('.libsonnet')) return path.split('/').includes('vendor') ? undefined : 'jsonnet';
  if (valuesName.test(base)) return 'values';
  if (manifestName.test(base)) return 'content';
  return undefined;
}

/** Whether a YAML or JSON text holds a Kubernetes-style object: a top-level `apiVersion` and `kind`. */
export function looksLikeManifest(text: string, path: string): boolean {
  if (/\.json$/i.test(path)) return /"apiVersion"\s*:/.test(text) && /"kind"\s*:/.test(text);
  return /^["']?apiVersion["']?[ \t]*:[ \t]*\S/m.test(text) && /^["']?kind["']?[ \t]*:[ \t]*\S/m.test(text);
}

/**
 * What a YAML or JSON file's text says for coverage: a `manifest`, other readable `text`, or `unreadable`
 * (not a regular file, too large). A pure function of the file's content and name, so a plan keeps it per
 * path and commit and asks again only for the files a change touches (plan/content-verdicts.ts).
 */
export type ContentVerdict = 'manifest' | 'text' | 'unreadable';

export function contentVerdict(text: string | undefined, path: string): ContentVerdict {
  if (text === undefined) return 'unreadable';
  return looksLikeManifest(text, path) ? 'manifest' : 'text';
}

export interface ClassifyOptions {
  /** Only these paths are classified (all of `paths` still tell which folders are charts). */
  only?: ReadonlySet<string>;
  /** Folders discovery notes say an object reads (for `data` files). */
  readFolders?: readonly string[];
  /** A known verdict for a path whose kind only its text tells (undefined: read it). */
  known?: (path: string) => ContentVerdict | undefined;
  /** Told every verdict that was read, not known. */
  onVerdict?: (path: string, verdict: ContentVerdict) => void;
}

/**
 * The GitOps files among `paths` (a commit's file list). `read` gives a file's text, or undefined when
 * it cannot be read as a regular file (a symlink, a submodule, too large): such a YAML/JSON file is not
 * counted as a manifest (a symlink's target is counted where it is).
 */
export function classifyGitOpsFiles(paths: readonly string[], read: (path: string) => string | undefined, opts: ClassifyOptions = {}): GitOpsFile[] {
  const charts = chartFoldersOf(paths);
  // The whole repository ('.') says nothing about which of its YAML files are GitOps content.
  const folders = new Set((opts.readFolders ?? []).filter((f) => f !== '.' && f !== ''));
  const underRead = (file: string): boolean => {
    if (folders.size === 0) return false;
    if (folders.has(file)) return true;
    for (let dir = posix.dirname(file); dir !== '.' && dir !== ''; dir = posix.dirname(dir)) if (folders.has(dir)) return true;
    return false;
  };
  const out: GitOpsFile[] = [];
  for (const file of [...paths].sort()) {
    if (opts.only && !opts.only.has(file)) continue;
    const kind = kindByName(file, charts);
    if (kind === undefined) continue;
    if (kind === 'content') {
      let verdict = opts.known?.(file);
      if (verdict === undefined) {
        verdict = contentVerdict(read(file), file);
        opts.onVerdict?.(file, verdict);
      }
      if (verdict === 'manifest') out.push({ file, kind: 'manifest' });
      else if (verdict === 'text' && underRead(file)) out.push({ file, kind: 'data' });
      continue;
    }
    const chart = kind === 'chart' ? chartOf(file, charts) : undefined;
    out.push({ file, kind, ...(chart !== undefined ? { chart } : {}) });
  }
  return out;
}

const maxBytes = 10 * 1024 * 1024;

/** Reads files of a checkout for `classifyGitOpsFiles`: regular files only (never through a symlink), at most 10 MB. */
export function checkoutReader(root: string): (path: string) => string | undefined {
  return (path) => {
    const abs = join(root, path);
    const stat = lstatSync(abs, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > maxBytes) return undefined;
    try {
      return readFileSync(abs, 'utf8');
    } catch {
      return undefined;
    }
  };
}
