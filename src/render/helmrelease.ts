import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ChartFetchError, chartNotPreviewed, type ChartFetcher, type ChartRequest } from '../charts/index.ts';
import type { HelmReleaseTarget } from '../model/environment.ts';
import { crdsPolicyOf, type HelmCrdsPolicies } from '../model/helm-crds.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import { helmHookAnnotation } from '../model/sync.ts';
import { namespaceProblem, releaseNameProblem } from '../util/argument-rules.ts';
import { resolveInRepo } from '../util/paths.ts';
import { helmPath } from '../util/tools.ts';
import { checkChartFolder } from './chart-checks.ts';
import { mergeMaps, setTargetPath, TargetPathError, type Values } from './helm-values.ts';
import { postRenderKustomize, type KustomizePostRenderer } from './helm-postrender.ts';
import { runTool } from './process.ts';
import { renderTempDir } from './temp-dir.ts';
import { abnormalEnd, quoteToolOutput } from './tool-error.ts';
import { toolEnv } from './tool-env.ts';
import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';
import { ToolDocuments } from './tool-documents.ts';
import { helmTemplateParser } from './helm-output.ts';
import { leavesRoot } from '../util/paths.ts';

const defaultTimeoutMs = 120_000;
const group = 'helm.toolkit.fluxcd.io';

/**
 * A Flux HelmRelease rendered as helm-controller installs it (fluxcd/helm-controller: api/v2
 * helmrelease_types.go, internal/action/install.go, internal/chartutil/values.go, internal/postrender):
 *
 * 1. the HelmRelease is taken from the render of the Kustomization that applies it, so that
 *    Kustomization's patches, targetNamespace and substitutions are in it;
 * 2. the chart: a folder of this repository (GitRepository source) or, through the chart fetcher, a chart
 *    from a Helm repository or OCI registry; `valuesFiles` replace the chart's values.yaml, merged in order
 *    (source-controller's HelmChart build);
 * 3. values: `valuesFrom` ConfigMaps/Secrets (from the parent's render, else from this repository's
 *    files), in order, `targetPath` through Helm's --set parser, then `spec.values`;
 * 4. `helm template` in the render sandbox: release name `[targetNamespace-]name` (or `releaseName`),
 *    shortened past 53 characters as helm-controller does; namespace `targetNamespace` or the
 *    HelmRelease's; no tests; the chart's crds/ unless both `install.crds` and `upgrade.crds` skip
 *    them, each CRD marked with both policies (`helmCrds`): whether it is applied depends on the release
 *    being installed or upgraded, which the plan and the apply decide (model/helm-crds.ts);
 * 5. post-renderers: each `kustomize` one in order (patches, images), then `commonMetadata` and the origin
 *    labels `helm.toolkit.fluxcd.io/name` / `namespace` on every object (CRDs get the origin labels only),
 *    hooks included (helm-controller's default `postRenderStrategy`, Helm 4's `combined`; `nohooks` leaves
 *    the hooks as the chart renders them); each template marked with the operations
 *    `install.disableHooks` / `upgrade.disableHooks` turn hooks off for.
 */
export const helmReleaseRenderer: Renderer = {
  name: 'helm-release',
  async render(req: RenderRequest): Promise<RenderOutcome> {
    return renderHelmRelease(req);
  },
};

async function renderHelmRelease({ root, env, opts, renderEnvironment }: RenderRequest): Promise<RenderOutcome> {
  const target = env.helmRelease!;
  const at = { file: target.file, line: target.line };
  if (target.refused) throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: target.refused });
  // The parent is rendered the way any environment is (handed down: render-environment selects this renderer).
  const parent = await renderEnvironment(root, target.parent, opts);
  if (!parent.ok) {
    throw new RenderFailure({ ...parent.error, message: `the Flux Kustomization ${target.parent.name}, which applies this HelmRelease, does not render: ${parent.error.message}` });
  }
  const hr = findRelease(parent.objects, target);
  // Not in the Kustomization's output (a patch or a component removed it): helm-controller installs nothing.
  if (!hr) return { ok: true, objects: [] };
  const spec = (hr.spec ?? {}) as Record<string, unknown>;
  const name = String(hr.metadata?.name ?? target.name);
  const hrNamespace = hr.metadata?.namespace ?? target.namespace ?? 'default';
  const targetNamespace = str(spec.targetNamespace);
  const releaseNamespace = targetNamespace ?? hrNamespace;
  const release = shortenReleaseName(str(spec.releaseName) ?? (targetNamespace ? `${targetNamespace}-${name}` : name));
  const nsProblem = namespaceProblem(releaseNamespace);
  if (nsProblem) throw new RenderFailure({ kind: 'config', tool: 'helm', ...at, field: targetNamespace ? 'spec.targetNamespace' : 'metadata.namespace', message: nsProblem });
  const releaseProblem = releaseNameProblem(release);
  if (releaseProblem) throw new RenderFailure({ kind: 'config', tool: 'helm', ...at, field: 'spec.releaseName', message: releaseProblem });

  const chartSpec = target.helmChart ?? chartSpecOf(spec);
  const temp = await renderTempDir('bosun-helmrelease-');
  const tmp = temp.dir;
  try {
    const chart = await chartFolder(root, target, chartSpec, opts.charts, opts.signal);
    let chartDir = chart.dir;
    if ((chartSpec.valuesFiles ?? []).length > 0) chartDir = await withValuesFiles(root, chart, chartSpec, tmp, at);

    const values = mergeMaps(resolveValuesFrom(root, target, spec, parent.objects, hrNamespace), isMap(spec.values) ? spec.values : {});
    const valuesFile = join(tmp, 'values.json');
    await writeFile(valuesFile, JSON.stringify(values)); // JSON: no YAML 1.1 re-reading of strings

    const crdsPolicies = crdsPoliciesOf(spec);
    const hooksDisabled = (['install', 'upgrade'] as const).filter((a) => isMap(spec[a]) && (spec[a] as Record<string, unknown>).disableHooks === true);
    const skipCrds = crdsPolicies.install === 'Skip' && crdsPolicies.upgrade === 'Skip';
    // Options only as `--name=value`, positionals after `--`: nothing from the repository reads as an option.
    const args = ['template', `--namespace=${releaseNamespace}`, skipCrds ? '--skip-crds' : '--include-crds', '--skip-tests', `--values=${valuesFile}`, '--', release, chartDir];
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const readOnly = [root, tmp, ...(chart.remote ? [dirname(chart.dir)] : [])];
    // Read as it streams (tool-documents.ts); never stopped for its count here: post-renderers may change it.
    const output = new ToolDocuments(env, undefined, outputParser(root, chart, target));
    const result = await runTool({
      command: helmPath(), args, cwd: tmp, env: toolEnv(tmp), limiter: opts.limiter, signal: opts.signal, timeoutMs,
      sandbox: { readOnly, tools: [helmPath()] }, onDocument: output.onDocument,
    });
    if (result.status === 'failed') {
      const quoted = quoteToolOutput(result.stderr || result.stdout, { root, temp: [tmp] }, chart.remote ? {} : { dirs: [chart.repoPath!] });
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `helm template of HelmRelease ${hrNamespace}/${name} (chart ${chart.label}) failed: ${quoted}` });
    }
    if (result.status !== 'ok') throw new RenderFailure(abnormalEnd('helm', result, timeoutMs, target.file, env.name));

    const rendered = output.result();
    const crds = rendered.filter((r) => r.crd);
    // `postRenderStrategy: nohooks` (Helm 3's way, helm-controller's default under its UseHelm3Defaults gate):
    // Helm splits the hooks off before the post-renderers, which never see them (no patch, no commonMetadata,
    // no origin labels). The default `combined` post-renders them with the other templates.
    const hooks = spec.postRenderStrategy === 'nohooks' ? rendered.filter((r) => !r.crd && typeof r.object.metadata?.annotations?.[helmHookAnnotation] === 'string') : [];
    let objects = rendered.filter((r) => !r.crd && !hooks.includes(r)).map((r) => r.object);
    const postRenderers = list(spec.postRenderers).flatMap((pr, i) => (isMap(pr) && isMap(pr.kustomize) ? [{ i, kustomize: pr.kustomize as KustomizePostRenderer }] : []));
    for (const [n, { i, kustomize }] of postRenderers.entries()) {
      // The last one's output is the release: it is stopped past the environment's object limit.
      const last = n === postRenderers.length - 1 ? { counted: crds.length + hooks.length } : {};
      objects = await postRenderKustomize(objects, kustomize, { tmp, index: i, opts, at, env, ...last });
    }
    const common = isMap(spec.commonMetadata) ? spec.commonMetadata : {};
    const origin = { [`${group}/name`]: name, [`${group}/namespace`]: hrNamespace };
    const labelled = objects.map((o) => withMetadata(o, { ...stringMap(common.labels), ...origin }, stringMap(common.annotations)));
    const sources = new Map(rendered.map((r) => [identity(r.object), r.source]));
    const out: RenderedObject[] = [
      // Applied by their crds policy, apart from the release (model/helm-crds.ts).
      ...crds.map((c) => ({ object: withMetadata(c.object, origin, {}), source: c.source, helmCrds: crdsPolicies })),
      // The chart's templates: their hooks run unless `disableHooks` turns them off (model/helm-hooks.ts).
      ...[...labelled, ...hooks.map((h) => h.object)].map((object) => ({ object, source: sources.get(identity(object)) ?? { file: target.file }, ...(hooksDisabled.length > 0 ? { helmHooksDisabled: hooksDisabled } : {}) })),
    ];
    return { ok: true, objects: out };
  } finally {
    await temp.dispose();
  }
}

/**
 * `spec.install.crds` (default Create; the deprecated `install.skipCRDs: true` is Skip) and
 * `spec.upgrade.crds` (default Skip), as helm-controller's API defines them.
 */
function crdsPoliciesOf(spec: Record<string, unknown>): HelmCrdsPolicies {
  const install = isMap(spec.install) ? spec.install : {};
  const upgrade = isMap(spec.upgrade) ? spec.upgrade : {};
  return {
    install: crdsPolicyOf(install.crds, install.skipCRDs === true ? 'Skip' : 'Create'),
    upgrade: crdsPolicyOf(upgrade.crds, 'Skip'),
  };
}

/** The HelmRelease in the parent's render: by the document it came from, else by name (and namespace). */
function findRelease(objects: readonly RenderedObject[], target: HelmReleaseTarget): KubeObject | undefined {
  const releases = objects.filter((o) => o.object.kind === 'HelmRelease' && o.object.apiVersion?.startsWith(`${group}/`));
  return (releases.find((o) => o.source?.file === target.file && o.source?.line === target.line)
    ?? releases.find((o) => o.source?.file === target.file && o.object.metadata?.name === target.name)
    ?? releases.find((o) => o.object.metadata?.name === target.name && (target.namespace === undefined || o.object.metadata?.namespace === target.namespace)))?.object;
}

interface ChartSpec {
  chart: string;
  version?: string;
  valuesFiles?: string[];
  ignoreMissingValuesFiles?: boolean;
}

function chartSpecOf(spec: Record<string, unknown>): ChartSpec {
  const cs = isMap(spec.chart) && isMap(spec.chart.spec) ? spec.chart.spec : {};
  const valuesFiles = [str(cs.valuesFile), ...list(cs.valuesFiles).map(str)].filter((v): v is string => v !== undefined);
  return {
    chart: str(cs.chart) ?? '',
    ...(str(cs.version) ? { version: str(cs.version) } : {}),
    ...(valuesFiles.length > 0 ? { valuesFiles } : {}),
    ...(cs.ignoreMissingValuesFiles === true ? { ignoreMissingValuesFiles: true } : {}),
  };
}

interface Chart {
  dir: string;
  /** Repo path of an in-repository chart. */
  repoPath?: string;
  remote: boolean;
  /** For messages: `charts/web` or `podinfo 6.5.0 from https://…`. */
  label: string;
}

async function chartFolder(root: string, target: HelmReleaseTarget, cs: ChartSpec, charts: ChartFetcher | undefined, signal: AbortSignal | undefined): Promise<Chart> {
  const at = { file: target.file, line: target.line };
  if (target.chart.kind === 'repository') {
    const repoPath = posix.normalize(cs.chart.replace(/^\/+/, '')).replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
    const dir = inRepoOr(root, repoPath, { ...at, field: 'spec.chart.spec.chart' });
    if (!existsSync(join(dir, 'Chart.yaml'))) {
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, field: 'spec.chart.spec.chart', message: `chart path "${cs.chart}" has no Chart.yaml in this repository (source-controller builds the chart from that folder of the GitRepository)` });
    }
    checkChartFolder(root, repoPath, 'helm');
    return { dir, repoPath, remote: false, label: repoPath };
  }
  if (!charts) throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: 'chart not fetched: bosun runs without a chart fetcher here', notPreviewed: true });
  const source = target.chart;
  const request: ChartRequest = source.kind === 'helm-repository'
    ? { kind: 'repo', repoUrl: source.url, chart: cs.chart, ...(cs.version ? { version: cs.version } : {}), ...(source.plainHttp ? { plainHttp: true } : {}) }
    : {
      kind: 'oci',
      ref: source.url,
      ...(source.digest ? { digest: source.digest } : source.semver ? { version: source.semver } : { tag: source.tag ?? 'latest' }),
      ...(source.plainHttp ? { plainHttp: true } : {}),
    };
  try {
    const fetched = await charts.fetch(request, signal ? { signal } : {});
    checkChartFolder(dirname(fetched.dir), basename(fetched.dir), 'helm');
    return { dir: fetched.dir, remote: true, label: `${fetched.name} ${fetched.version} (${fetched.digest.slice(0, 19)}) from ${source.url}` };
  } catch (e) {
    if (!(e instanceof ChartFetchError)) throw e;
    // Unreachable, timed out, HTTP 5xx…: what the chart renders is unknown (not previewed). A source it may
    // not fetch, or a chart or version the source says it does not have, is this HelmRelease's error.
    if (chartNotPreviewed(e)) throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `chart not fetched: ${e.message}`, notPreviewed: true });
    if (e.reason === 'refused') throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, message: `chart not fetched: ${e.message}` });
    const field = source.kind === 'helm-repository' ? (/^chart "[^"]*" is not in /.test(e.message) ? 'spec.chart.spec.chart' : 'spec.chart.spec.version') : 'spec.chartRef';
    throw new RenderFailure({ kind: 'render', tool: 'helm', ...at, field, message: `chart not found: ${e.message}` });
  }
}

/**
 * `valuesFiles` replace the chart's values.yaml with their merge (source-controller's HelmChart build:
 * mergeFileValues for a GitRepository chart, paths from the source's root; mergeChartValues for a chart
 * from a repository, paths inside the chart, `values.yaml` being its own). The chart is copied so that the
 * repository and the cache stay untouched.
 */
async function withValuesFiles(root: string, chart: Chart, cs: ChartSpec, tmp: string, at: { file: string; line: number }): Promise<string> {
  let merged: Values = {};
  for (const [i, file] of (cs.valuesFiles ?? []).entries()) {
    const where = { ...at, field: `spec.chart.spec.valuesFiles[${i}]` };
    const path = chart.remote ? join(chart.dir, posix.normalize(file)) : inRepoOr(root, posix.normalize(file.replace(/^\/+/, '')), where);
    if (chart.remote && leavesRoot(file)) throw new RenderFailure({ kind: 'path', tool: 'helm', ...where, message: `values file "${file}" leaves the chart` });
    if (!existsSync(path) || !statSync(path).isFile()) {
      if (cs.ignoreMissingValuesFiles) continue;
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `no values file found at path '${file}' (${chart.remote ? 'relative to the chart' : 'relative to the repository root, as source-controller reads a GitRepository'})` });
    }
    let parsed: unknown;
    try {
      parsed = parse(readFileSync(path, 'utf8'), { maxAliasCount: 1000 });
    } catch (e) {
      throw new RenderFailure({ kind: 'yaml', tool: 'helm', ...where, message: `values file '${file}' is not valid YAML: ${(e as Error).message.split('\n')[0]}` });
    }
    merged = mergeMaps(merged, isMap(parsed) ? parsed : {});
  }
  const copy = join(tmp, 'chart', basename(chart.dir));
  await mkdir(dirname(copy), { recursive: true });
  await cp(chart.dir, copy, { recursive: true, dereference: true });
  await writeFile(join(copy, 'values.yaml'), JSON.stringify(merged));
  return copy;
}

/** `spec.valuesFrom` as helm-controller's ChartValuesFromReferences resolves it, from what this repository puts in the cluster. */
function resolveValuesFrom(root: string, target: HelmReleaseTarget, spec: Record<string, unknown>, parentObjects: readonly RenderedObject[], namespace: string): Values {
  let result: Values = {};
  for (const [i, ref] of list(spec.valuesFrom).entries()) {
    if (!isMap(ref)) continue;
    const where = { file: target.file, line: target.line, field: `spec.valuesFrom[${i}]` };
    const kind = str(ref.kind);
    const name = str(ref.name) ?? '';
    const key = str(ref.valuesKey) ?? 'values.yaml';
    const optional = ref.optional === true;
    if (kind !== 'ConfigMap' && kind !== 'Secret') {
      throw new RenderFailure({ kind: 'config', ...where, message: `could not resolve ${kind ?? ''} chart values reference '${namespace}/${name}': unsupported values reference kind (ConfigMap or Secret)` });
    }
    const object = findValuesObject(root, kind, name, namespace, parentObjects, target.valuesFromFiles[`${kind}/${name}`] ?? []);
    const what = `${optional ? 'optional ' : ''}${kind} chart values reference '${namespace}/${name}' with key '${key}'`;
    if (!object) {
      if (optional) continue;
      throw new RenderFailure({ kind: 'render', ...where, message: `could not resolve ${what}: resource not found (bosun looks for it in the render of ${target.parent.name} and in this repository's files)` });
    }
    if (object.sops !== undefined) {
      throw new RenderFailure({ kind: 'render', ...where, message: `${kind} ${name} is SOPS-encrypted: bosun does not decrypt it for the values of this HelmRelease, so the release is not previewed` });
    }
    const data = valuesData(object, kind, key);
    if (data === undefined) {
      if (optional) continue;
      throw new RenderFailure({ kind: 'render', ...where, message: `could not resolve ${what}: key not found` });
    }
    const targetPath = str(ref.targetPath);
    if (targetPath) {
      try {
        setTargetPath(result, targetPath, data);
      } catch (e) {
        if (e instanceof TargetPathError) throw new RenderFailure({ kind: 'config', ...where, message: `could not resolve ${what}: ${e.message}` });
        throw e;
      }
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parse(data, { maxAliasCount: 1000 });
    } catch (e) {
      throw new RenderFailure({ kind: 'yaml', ...where, message: `could not resolve ${what}: the values are not valid YAML (${(e as Error).message.split('\n')[0]})` });
    }
    if (parsed !== null && parsed !== undefined && !isMap(parsed)) throw new RenderFailure({ kind: 'yaml', ...where, message: `could not resolve ${what}: the values are not a YAML mapping` });
    result = mergeMaps(result, (parsed ?? {}) as Values);
  }
  return result;
}

function findValuesObject(root: string, kind: string, name: string, namespace: string, parentObjects: readonly RenderedObject[], files: readonly string[]): Record<string, unknown> | undefined {
  const matches = (o: Record<string, unknown>) => {
    const meta = isMap(o.metadata) ? o.metadata : {};
    return o.kind === kind && o.apiVersion === 'v1' && meta.name === name && (meta.namespace === undefined || meta.namespace === namespace);
  };
  const rendered = parentObjects.find((o) => matches(o.object as unknown as Record<string, unknown>));
  if (rendered) return rendered.object as unknown as Record<string, unknown>;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(resolveInRepo(root, file), 'utf8');
    } catch {
      continue;
    }
    for (const doc of parseAllDocuments(text)) {
      if ('errors' in doc && doc.errors.length > 0) continue;
      const value = (doc as { toJS(): unknown }).toJS();
      if (isMap(value) && matches(value)) return value;
    }
  }
  return undefined;
}

/** A key of a ConfigMap's `data`, or of a Secret's `data` (base64) / `stringData` (as the API server merges them). */
function valuesData(object: Record<string, unknown>, kind: string, key: string): string | undefined {
  const data = isMap(object.data) ? object.data : {};
  if (kind === 'Secret') {
    const stringData = isMap(object.stringData) ? object.stringData : {};
    if (typeof stringData[key] === 'string') return stringData[key] as string;
    return typeof data[key] === 'string' ? Buffer.from(data[key] as string, 'base64').toString('utf8') : undefined;
  }
  return typeof data[key] === 'string' ? (data[key] as string) : data[key] !== undefined && data[key] !== null ? String(data[key]) : undefined;
}

interface Parsed {
  object: KubeObject;
  source: { file: string };
  crd: boolean;
}

/** The `# Source:` header of each document says the template (or `crds/` file) it came from. */
function outputParser(root: string, chart: Chart, target: HelmReleaseTarget): (chunk: string, push: (parsed: Parsed) => void) => void {
  return helmTemplateParser((template) => sourceFile(root, chart, template ?? '', target), (object, file, template) => ({
    object, source: { file }, crd: /^[^/]+\/(?:charts\/[^/]+\/)*crds\//.test(template ?? ''),
  }));
}

/** The template's file in this repository (an in-repository chart), else the HelmRelease's file. */
function sourceFile(root: string, chart: Chart, source: string, target: HelmReleaseTarget): string {
  if (chart.remote || !chart.repoPath || !source.includes('/')) return target.file;
  const repoPath = posix.join(chart.repoPath, source.slice(source.indexOf('/') + 1));
  try {
    return existsSync(resolveInRepo(root, repoPath)) ? repoPath : target.file;
  } catch {
    return target.file;
  }
}

function withMetadata(o: KubeObject, labels: Record<string, string>, annotations: Record<string, string>): KubeObject {
  const meta = { ...(o.metadata ?? {}) } as NonNullable<KubeObject['metadata']>;
  if (Object.keys(labels).length > 0) meta.labels = { ...(meta.labels ?? {}), ...labels };
  if (Object.keys(annotations).length > 0) meta.annotations = { ...(meta.annotations ?? {}), ...annotations };
  return { ...o, metadata: meta };
}

function identity(o: KubeObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/**
 * helm-controller's release.ShortenName: a name over 53 characters becomes its first 40 characters, a
 * hyphen and the first 12 hex digits of its sha256.
 */
export function shortenReleaseName(name: string): string {
  if (name.length <= 53) return name;
  return `${name.slice(0, 40)}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

function inRepoOr(root: string, repoPath: string, where: { file: string; line: number; field: string }): string {
  try {
    return resolveInRepo(root, repoPath, where);
  } catch (e) {
    throw new RenderFailure({ kind: 'path', tool: 'helm', ...where, message: `${(e as Error).message}; the chart must be a folder of this repository` });
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function stringMap(v: unknown): Record<string, string> {
  if (!isMap(v)) return {};
  return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').map(([k, x]) => [k, String(x)]));
}
