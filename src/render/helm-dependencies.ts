import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { parse } from 'yaml';
import { ChartFetchError, chartNotPreviewed, type ChartFetcher, type ChartRequest } from '../charts/index.ts';
import { checkChartFolder } from './chart-checks.ts';
import { inRepo } from './files.ts';
import { lockOutOfSync } from './helm-lock-digest.ts';
import { RenderFailure } from './types.ts';

const chartNameRule = /^[A-Za-z0-9._-]+$/;

/** A dependency of a chart (Chart.yaml `dependencies`, or requirements.yaml of an apiVersion v1 chart). */
export interface ChartDependency {
  name: string;
  repository?: string;
  version?: string;
}

export interface DependencyList {
  /** The file that declares them (Chart.yaml or requirements.yaml), a repository path. */
  declaredIn: string;
  dependencies: ChartDependency[];
}

/** The chart's dependencies that are not vendored under charts/ (a folder or a `<name>-<version>.tgz`). */
export function missingDependencies(root: string, chartRepo: string, chartFile: string, chart: { apiVersion?: string; dependencies?: unknown }): DependencyList {
  let deps: unknown = chart.dependencies;
  let declaredIn = chartFile;
  if (!deps && chart.apiVersion === 'v1') {
    const requirements = posix.join(chartRepo, 'requirements.yaml');
    if (existsSync(inRepo(root, requirements))) {
      try {
        deps = (parse(readFileSync(inRepo(root, requirements), 'utf8')) as { dependencies?: unknown } | null)?.dependencies;
        declaredIn = requirements;
      } catch {
        return { declaredIn, dependencies: [] }; // helm reports a broken requirements.yaml itself
      }
    }
  }
  if (!Array.isArray(deps)) return { declaredIn, dependencies: [] };
  const chartsDir = inRepo(root, posix.join(chartRepo, 'charts'));
  const vendored = existsSync(chartsDir) ? readdirSync(chartsDir) : [];
  const dependencies: ChartDependency[] = [];
  for (const d of deps as unknown[]) {
    if (typeof d !== 'object' || d === null) continue;
    const { name, repository, version } = d as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') continue;
    if (vendored.some((entry) => entry === name || (entry.startsWith(`${name}-`) && entry.endsWith('.tgz')))) continue;
    dependencies.push({ name, ...(typeof repository === 'string' && repository !== '' ? { repository } : {}), ...(typeof version === 'string' || typeof version === 'number' ? { version: String(version) } : {}) });
  }
  return { declaredIn, dependencies };
}

/**
 * What `helm dependency build` does for Argo CD's repo server when a chart's dependencies are not vendored
 * (reposerver/repository/repository.go helmTemplate: a missing-dependency error → runHelmBuild; the
 * dependencies' https and oci repositories are added from Chart.yaml, getHelmDependencyRepos): each one is
 * put under charts/ of a copy of the chart in `tmp`, at the version Chart.lock pins (else the highest the
 * version range allows, as `helm dependency build` without a lock resolves it) — fetched by bosun's chart
 * fetcher (only from a source the operator allows or the base branch declares), or, for `file://`, copied
 * from the repository. Returns the copy's folder. A repository Argo CD resolves from its own configuration
 * (`@name`, `alias:name`, none) or a fetch that could not be judged leaves the render not previewed.
 */
export async function withDependencies(args: {
  root: string;
  chartRepo: string;
  missing: DependencyList;
  charts: ChartFetcher | undefined;
  tmp: string;
  signal?: AbortSignal;
  limits?: DependencyLimits;
}): Promise<string> {
  const { root, chartRepo, missing } = args;
  const at = { file: missing.declaredIn, field: 'dependencies' };
  const limits = args.limits ?? dependencyLimits;
  // Each is copied by bosun's own process, outside the sandbox's limits: a Chart.yaml listing the same
  // file:// folder 10,000 times would fill the worker's disk.
  if (missing.dependencies.length > limits.count) {
    throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `the chart has ${missing.dependencies.length} dependencies that are not vendored, more than the ${limits.count} bosun builds for one render; vendor them (\`helm dependency build ${chartRepo}\`, commit charts/)` });
  }
  // `helm dependency build` checks the lock before it fetches anything (helm-lock-digest.ts).
  const outOfSync = lockOutOfSync(root, chartRepo, missing.declaredIn);
  if (outOfSync) throw outOfSync;
  const locked = lockedVersions(root, chartRepo, missing.declaredIn);
  const sources: Array<{ dep: ChartDependency; dir: string }> = [];
  for (const dep of missing.dependencies) {
    // The name becomes a folder of the copy below, written by bosun's own process, outside the sandbox: a name
    // like `../../../x` would write a chart of the pull request's choosing anywhere bosun may write (a mirror's
    // git hooks, the chart cache). helm's own rule for chart names (pkg/chartutil/create.go chartName).
    if (!chartNameRule.test(dep.name) || dep.name === '.' || dep.name === '..') {
      throw new RenderFailure({ kind: 'config', tool: 'helm', ...at, field: 'dependencies[].name', message: `chart dependency name "${dep.name}" is not a chart name (letters, digits, ".", "_" and "-" only)` });
    }
    const repo = dep.repository ?? '';
    const what = `chart dependency "${dep.name}"${dep.version ? ` ${dep.version}` : ''}${repo ? ` from ${repo}` : ''}`;
    if (repo.startsWith('file://')) {
      const local = posix.normalize(posix.join(chartRepo, repo.slice('file://'.length)));
      const abs = inRepo(root, local, at);
      if (!existsSync(join(abs, 'Chart.yaml'))) throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `${what}: ${local} is not a chart folder of this repository` });
      checkChartFolder(root, local, 'helm');
      sources.push({ dep, dir: abs });
      continue;
    }
    const request = requestOf(dep, locked.get(`${dep.name} ${repo}`));
    if (!request) {
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, notPreviewed: true, message: `${what} not fetched: Argo CD finds ${repo ? `repository ${repo}` : 'a dependency without repository'} in its own repository configuration, which bosun cannot see; vendor it (\`helm dependency build ${chartRepo}\`, commit charts/) to have it previewed` });
    }
    if (!args.charts) {
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, notPreviewed: true, message: `${what} not fetched: bosun runs without a chart fetcher here` });
    }
    try {
      const fetched = await args.charts.fetch(request, args.signal ? { signal: args.signal } : {});
      sources.push({ dep, dir: fetched.dir });
    } catch (e) {
      if (!(e instanceof ChartFetchError)) throw e;
      if (chartNotPreviewed(e)) throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, notPreviewed: true, message: `${what} not fetched: ${e.message}` });
      if (e.reason === 'refused') throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `${what} is not vendored; a remote dependency is fetched only from an allowed chart source: ${e.message}` });
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `chart dependency not found: ${e.message}` });
    }
  }
  let bytes = folderBytes(inRepo(root, chartRepo), limits.bytes);
  for (const { dir } of sources) bytes += folderBytes(dir, limits.bytes - bytes);
  if (bytes > limits.bytes) {
    throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `the chart and the dependencies bosun would build for it hold more than ${limits.bytes / (1024 * 1024)} MiB; vendor them (\`helm dependency build ${chartRepo}\`, commit charts/)` });
  }
  const copy = join(args.tmp, 'chart', basename(chartRepo === '.' ? 'chart' : chartRepo));
  await cp(inRepo(root, chartRepo), copy, { recursive: true, dereference: true });
  for (const { dep, dir } of sources) {
    const dest = join(copy, 'charts', dep.name);
    await mkdir(join(copy, 'charts'), { recursive: true });
    await cp(dir, dest, { recursive: true, dereference: true, force: true });
  }
  return copy;
}

export interface DependencyLimits {
  /** Dependencies built for one render. */
  count: number;
  /** The chart and its built dependencies together, as copied (symlinks followed). */
  bytes: number;
}

/** Generous for umbrella charts (dozens of dependencies, a few MiB), small for a worker's disk. */
export const dependencyLimits: DependencyLimits = { count: 100, bytes: 256 * 1024 * 1024 };

/** The bytes of the files under `dir` (symlinks followed, as the copy follows them), counting stops past `limit`. */
function folderBytes(dir: string, limit: number): number {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= limit) {
    const current = pending.pop()!;
    for (const name of readdirSync(current)) {
      const info = statSync(join(current, name), { throwIfNoEntry: false });
      if (info?.isDirectory()) pending.push(join(current, name));
      else if (info?.isFile()) total += info.size;
      if (total > limit) break;
    }
  }
  return total;
}

/** A dependency's fetch request: Helm repository or OCI registry; undefined for a repository only Argo CD's configuration names. */
function requestOf(dep: ChartDependency, lockedVersion: string | undefined): ChartRequest | undefined {
  const repo = dep.repository ?? '';
  const version = lockedVersion ?? dep.version;
  const versioned = version ? { version } : {};
  if (/^oci:\/\//.test(repo)) return { kind: 'oci', ref: `${repo.replace(/\/+$/, '')}/${dep.name}`, ...versioned };
  if (/^https?:\/\//.test(repo)) return { kind: 'repo', repoUrl: repo, chart: dep.name, ...versioned };
  return undefined;
}

/** Chart.lock (requirements.lock beside requirements.yaml): `<name> <repository>` → the version it pins. */
function lockedVersions(root: string, chartRepo: string, declaredIn: string): Map<string, string> {
  const lock = posix.join(chartRepo, declaredIn.endsWith('requirements.yaml') ? 'requirements.lock' : 'Chart.lock');
  const out = new Map<string, string>();
  let abs: string;
  try {
    abs = inRepo(root, lock);
  } catch {
    return out;
  }
  if (!statSync(abs, { throwIfNoEntry: false })?.isFile()) return out;
  try {
    const parsed = parse(readFileSync(abs, 'utf8')) as { dependencies?: unknown } | null;
    for (const d of Array.isArray(parsed?.dependencies) ? parsed.dependencies : []) {
      const { name, repository, version } = (d ?? {}) as Record<string, unknown>;
      if (typeof name === 'string' && typeof version === 'string') out.set(`${name} ${typeof repository === 'string' ? repository : ''}`, version);
    }
  } catch {
    // helm reports a broken lock file itself
  }
  return out;
}
