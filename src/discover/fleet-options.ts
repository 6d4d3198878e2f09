import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { parse } from 'yaml';
import { BosunError } from '../model/errors.ts';
import { resolveInRepo } from '../util/paths.ts';
import { fieldName, type FleetComparePatch, type FleetHelmOptions, type FleetOptions } from './fleet-yaml.ts';

/**
 * A bundle's deployment options once a cluster's customizations are merged in, as rancher/fleet
 * internal/cmd/controller/options/calculate.go `Merge` does it: a customization's non-empty strings
 * replace the bundle's, helm values merge key by key (wrangler data.MergeMaps: the customization wins,
 * maps merge recursively), valuesFrom and comparePatches are merged by identity, overlays are appended,
 * booleans are or-ed.
 */
export interface MergedOptions {
  defaultNamespace?: string;
  namespace?: string;
  helm?: MergedHelm;
  kustomizeDir?: string;
  overlays: string[];
  comparePatches: FleetComparePatch[];
  keepResources: boolean;
  correctDrift?: boolean;
  namespaceLabels: Record<string, string>;
  namespaceAnnotations: Record<string, string>;
}

export interface MergedHelm {
  chart?: string;
  repo?: string;
  version?: string;
  releaseName?: string;
  values: Record<string, unknown>;
  valuesFrom: FleetHelmOptions['valuesFrom'];
  takeOwnership: boolean;
  disablePreProcess: boolean;
  templateValues?: Record<string, string>;
}

/** The bundle's own options, with each options block's `valuesFiles` merged into its values (done when Fleet builds the bundle). */
export function baseOptions(options: FleetOptions, values: (helm: FleetHelmOptions, at: FleetOptions) => Record<string, unknown>): MergedOptions {
  return mergeOptions(emptyOptions(), options, values);
}

function emptyOptions(): MergedOptions {
  return { overlays: [], comparePatches: [], keepResources: false, namespaceLabels: {}, namespaceAnnotations: {} };
}

export function mergeOptions(base: MergedOptions, custom: FleetOptions, values: (helm: FleetHelmOptions, at: FleetOptions) => Record<string, unknown>): MergedOptions {
  const out: MergedOptions = structuredClone(base);
  if (custom.defaultNamespace) out.defaultNamespace = custom.defaultNamespace;
  if (custom.namespace) out.namespace = custom.namespace;
  if (custom.helm) {
    const h = custom.helm;
    const helm: MergedHelm = out.helm ?? { values: {}, valuesFrom: [], takeOwnership: false, disablePreProcess: false };
    helm.values = mergeMaps(helm.values, values(h, custom));
    for (const ref of h.valuesFrom) {
      const key = `${ref.kind}|${ref.namespace ?? ''}|${ref.name ?? ''}|${ref.key ?? ''}`;
      const at = helm.valuesFrom.findIndex((r) => `${r.kind}|${r.namespace ?? ''}|${r.name ?? ''}|${r.key ?? ''}` === key);
      if (at >= 0) helm.valuesFrom[at] = ref;
      else helm.valuesFrom.push(ref);
    }
    if (h.templateValues) helm.templateValues = { ...helm.templateValues, ...h.templateValues };
    if (h.repo) helm.repo = h.repo;
    if (h.chart) helm.chart = h.chart;
    if (h.version) helm.version = h.version;
    if (h.releaseName) helm.releaseName = h.releaseName;
    helm.takeOwnership ||= h.takeOwnership === true;
    helm.disablePreProcess ||= h.disablePreProcess === true;
    out.helm = helm;
  }
  if (custom.kustomizeDir) out.kustomizeDir = custom.kustomizeDir;
  for (const patch of custom.comparePatches ?? []) {
    const key = `${patch.apiVersion ?? ''}|${patch.kind ?? ''}|${patch.namespace ?? ''}|${patch.name ?? ''}`;
    const at = out.comparePatches.findIndex((p) => `${p.apiVersion ?? ''}|${p.kind ?? ''}|${p.namespace ?? ''}|${p.name ?? ''}` === key);
    if (at >= 0) out.comparePatches[at] = patch;
    else out.comparePatches.push(patch);
  }
  out.overlays.push(...(custom.overlays ?? []));
  out.keepResources ||= custom.keepResources === true;
  if (custom.correctDrift !== undefined) out.correctDrift = custom.correctDrift;
  Object.assign(out.namespaceLabels, custom.namespaceLabels ?? {});
  Object.assign(out.namespaceAnnotations, custom.namespaceAnnotations ?? {});
  return out;
}

/** wrangler data.MergeMaps: a copy of `base` with `overlay`'s keys set over it, maps merged recursively. */
export function mergeMaps(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? mergeMaps(current, value) : value;
  }
  return out;
}

/**
 * The repository path of a `helm.valuesFiles` entry of the bundle in `bundleDir`. Fleet's bundle reader
 * reads `<bundle folder> + "/" + <entry>` (rancher/fleet internal/bundlereader/resources.go
 * `generateValues`, a plain string join with no check): `../shared/values.yaml` climbs out of the bundle
 * folder (anywhere in the GitRepo's checkout, or beyond it), and an absolute entry is NOT absolute — `/x`
 * reads `<bundle>//x`, the bundle's own `x`. The result may start with `..` (it leaves the repository):
 * callers refuse that.
 */
export function fleetValuesPath(bundleDir: string, entry: string): string {
  return posix.normalize(`${bundleDir}/${entry}`).replace(/^\.\//, '').replace(/\/+$/, '');
}

/**
 * Whether Fleet can find a local `helm.chart` among the bundle's resources. Fleet's bundle holds the files
 * of the bundle folder only: a chart path that exists on disk is not loaded as a directory of its own
 * (rancher/fleet internal/bundlereader/resources.go `addRemoteCharts` loads only charts that are not on
 * disk, or have helm.repo), and the agent takes the bundle for a chart when a resource is named
 * `filepath.Join(helm.chart, "Chart.yaml")` with the leading `/` trimmed (internal/bundlereader/style.go
 * `chartPath`, `joinAndClean`, `DetermineStyle`). Resource names never start with `..`, so a chart reached
 * by `..` — `../../charts/web`, even `../web/chart` from `web` — is never the bundle's chart: the agent
 * deploys the folder's own files as kustomize or raw YAML, and `fleet apply` makes no bundle of a folder
 * with nothing else ("no resources found to deploy"; rancher/fleet#270, #4693).
 */
export function fleetChartInBundle(chart: string): boolean {
  const rel = posix.normalize(chart).replace(/^\/+/, '');
  return rel !== '..' && !rel.startsWith('../');
}

/** Whether a repository path from fleetValuesPath leaves the repository. */
export function leavesRepo(repoPath: string): boolean {
  return repoPath === '..' || repoPath.startsWith('../');
}

/**
 * `helm.values` with `helm.valuesFiles` (relative to the bundle folder, see fleetValuesPath) merged over
 * them in order, as Fleet's bundle reader does when it builds the bundle (`generateValues`). A file that
 * is missing, leaves the repository (by `..` or a symlink: Fleet would read it, bosun reads nothing
 * outside the repository) or is not a YAML mapping is an error at the field that names it.
 */
export function valuesWithFiles(root: string, bundleDir: string, helm: FleetHelmOptions, at: FleetOptions, file: string): Record<string, unknown> {
  let values = helm.values ?? {};
  helm.valuesFiles.forEach((name, i) => {
    const path = [...at.at.path, 'helm', 'valuesFiles', i];
    const where = { kind: 'config' as const, file, line: at.at.line(path), field: fieldName(path) };
    const repoPath = fleetValuesPath(bundleDir, name);
    if (leavesRepo(repoPath)) {
      throw new BosunError({ ...where, kind: 'path', message: `values file "${name}" leaves the repository: Fleet reads valuesFiles relative to the bundle folder (${bundleDir}), and bosun reads no file outside the repository` });
    }
    let text: string;
    try {
      text = readFileSync(resolveInRepo(root, repoPath), 'utf8');
    } catch (error) {
      if (error instanceof BosunError) throw new BosunError({ ...where, kind: 'path', message: `values file "${name}" (${repoPath}) is a symlink that points outside the repository; bosun reads no file outside the repository` });
      throw new BosunError({ ...where, message: `values file "${name}" (${repoPath}) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); valuesFiles are relative to the bundle folder` });
    }
    let data: unknown;
    try {
      data = parse(text, { maxAliasCount: 1000 }) ?? {};
    } catch (error) {
      throw new BosunError({ ...where, message: `values file ${repoPath} is not valid YAML: ${(error as Error).message.split('\n')[0]}` });
    }
    if (!isRecord(data)) throw new BosunError({ ...where, message: `values file ${repoPath} must hold a YAML mapping of values` });
    values = mergeMaps(values, data);
  });
  return values;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
