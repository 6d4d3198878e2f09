import { lstatSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseDuration } from '../config/duration.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import { discoveredEnvironmentBase, type Environment, type HelmReleaseTarget } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { collectInputs, isInput } from './collect-inputs.ts';
import type { InputsCache } from './input-walker.ts';
import { assignUniqueNames } from './naming.ts';
import { environmentNote, objectNote, readsFrom } from './notes.ts';
import { bool, field, list, str } from './object-fields.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import type { DiscoveryContext } from './types.ts';
import { leavesRoot } from '../util/paths.ts';

const helmApi = /^helm\.toolkit\.fluxcd\.io\//;
const sourceApi = /^source\.toolkit\.fluxcd\.io\//;

/** Whether a GitRepository reference is this repository at the planned branch (source-flux.ts decides). */
export type GitRepositoryHere = (name: string | undefined, namespace: string | undefined, fromFile: string) => { here: true } | { here: false; reason: string };

export interface HelmReleaseDiscovery {
  environments: Environment[];
  notes: DiscoveryNote[];
}

function is(doc: YamlObjectDoc, api: RegExp, kind: string): boolean {
  const apiVersion = doc.object.apiVersion;
  return doc.object.kind === kind && typeof apiVersion === 'string' && api.test(apiVersion);
}

/**
 * Flux HelmReleases as environments, rendered as helm-controller would (render/helmrelease.ts).
 *
 * A HelmRelease is an object a Flux Kustomization applies; helm-controller then installs its chart. So each
 * HelmRelease document that a Kustomization environment's render reads becomes an environment of its own,
 * `<cluster>/<name>` (or `<name>` outside `clusters/<c>/`), that depends on that Kustomization: its render
 * takes the HelmRelease from the Kustomization's render (its patches, targetNamespace and substitutions
 * apply), so the HelmRelease object itself stays a change of the Kustomization's environment, and the
 * objects its chart creates are the changes of its own. One read by the Kustomizations of two clusters is
 * two environments.
 *
 * Its chart must be renderable: from a GitRepository that is this repository (a folder here), or from a
 * HelmRepository / OCIRepository the chart fetcher may fetch from (charts/policy.ts). Otherwise it stays a
 * note ("chart podinfo 6.6.0 not fetched: …", or why the source is not followed) and its object is diffed as an object.
 */
export async function helmReleaseEnvironments(
  ctx: DiscoveryContext,
  docs: readonly YamlObjectDoc[],
  files: readonly string[],
  parents: readonly Environment[],
  gitRepositoryHere: GitRepositoryHere,
): Promise<HelmReleaseDiscovery> {
  const all = docs.filter((d) => is(d, helmApi, 'HelmRelease'));
  const out: HelmReleaseDiscovery = { environments: [], notes: [] };
  if (all.length === 0) return out;
  // A HelmRelease document without spec.chartRef and without the two fields the CRD requires of
  // spec.chart.spec (`chart` and `sourceRef`, helm-controller api/v2 HelmChartTemplateSpec) is not a release
  // helm-controller would accept: it is a kustomize patch of one defined elsewhere (an overlay's values, or
  // its `chart.spec.version` / `valuesFiles`, as fluxcd/flux2-kustomize-helm-example's
  // apps/staging/podinfo-values.yaml). It is an input of the release it patches, in the Kustomizations that
  // read it, never a release of its own.
  const isPatch = (d: YamlObjectDoc): boolean => field(d.object, 'spec', 'chartRef') === undefined
    && (field(d.object, 'spec', 'chart', 'spec', 'chart') === undefined || field(d.object, 'spec', 'chart', 'spec', 'sourceRef') === undefined);
  const releases = all.filter((d) => !isPatch(d));
  const patches = all.filter(isPatch);

  // Which Kustomization environments read which file: their static inputs (shared parse cache).
  const cache: InputsCache = new Map();
  const inputs = new Map<Environment, Awaited<ReturnType<typeof collectInputs>>>();
  for (const env of parents) {
    try {
      inputs.set(env, await collectInputs(ctx.root, env, cache));
    } catch (e) {
      if (!(e instanceof BosunError)) throw e; // the environment reports its own problem when rendered
    }
  }
  const sourcesOf = (kind: string, name: string | undefined, namespace: string | undefined) =>
    docs.filter((d) => is(d, sourceApi, kind) && str(field(d.object, 'metadata', 'name')) === name
      && (namespace === undefined || str(field(d.object, 'metadata', 'namespace')) === undefined || str(field(d.object, 'metadata', 'namespace')) === namespace));

  const candidates: Array<{ doc: YamlObjectDoc; parent: Environment; target: HelmReleaseTarget; name: string; namespace?: string; cluster?: string; chartPath?: string }> = [];
  const seen = new Set<string>();
  for (const doc of releases) {
    const name = str(field(doc.object, 'metadata', 'name'));
    const namespace = str(field(doc.object, 'metadata', 'namespace'));
    const spec = field(doc.object, 'spec');
    if (!name) {
      out.notes.push(objectNote(doc, 'not-an-environment', 'not an environment: metadata.name is not set'));
      continue;
    }
    const remote = str(field(spec, 'kubeConfig', 'secretRef', 'name')) ?? (field(spec, 'kubeConfig') !== undefined ? '?' : undefined);
    const resolved = resolveChart(doc, spec, namespace, sourcesOf, gitRepositoryHere);
    // On another cluster, what it installs is not previewed; a change to its chart folder, values files or
    // source objects here is one bosun cannot judge, even when another release here reads them (issue #11).
    const chart: ChartResolution = remote
      ? { kind: 'refused', reason: `spec.kubeConfig: helm-controller installs this release on another cluster (the kubeconfig in Secret ${remote}), which bosun does not know`, reads: resolved.kind === 'refused' ? resolved.reads : [...(resolved.kind === 'repository' ? [resolved.path] : []), ...resolved.valuesFiles, ...resolved.sourceFiles], valuesFiles: [], sourceFiles: [] }
      : resolved;
    const applying = parents.filter((p) => {
      const ins = inputs.get(p);
      return ins !== undefined && isInput(ins, doc.file);
    });
    // A Kustomization whose path waits for the plan's substitution (flux-child-fields.ts) reads, until then,
    // the whole folder its path starts with: which of its folders' releases it applies is not known here.
    const readers = applying.filter((p) => !p.fluxPending);
    const chartPath = chart.kind === 'repository' ? chart.path : undefined;
    const reads = readsFrom(ctx.root, [doc.file, chartPath, ...chart.valuesFiles]);
    if (readers.length === 0 && applying.length > 0) {
      out.notes.push(objectNote(doc, 'not-previewed', `may be applied by ${applying.map((p) => p.name).join(', ')}, whose ${applying[0].fluxPending!.fields.join(', ')} takes postBuild values bosun reads only when it plans: its object is diffed there, what helm-controller would install from it is not previewed`, { reads, environments: applying.map((p) => p.name).sort() }));
      continue;
    }
    if (readers.length === 0) {
      out.notes.push(objectNote(doc, 'not-an-environment', 'not applied by any Flux Kustomization bosun found: what helm-controller would install from it is not previewed', { reads }));
      continue;
    }
    let refused: string | undefined;
    if (chart.kind === 'refused') {
      refused = chart.reason;
      out.notes.push(objectNote(doc, 'not-previewed', `${chart.reason}; its object is diffed in ${readers.map((r) => r.name).join(', ')}, what helm-controller would install is not previewed`, {
        reads: readsFrom(ctx.root, [doc.file, ...chart.reads]),
        environments: readers.map((r) => r.name).sort(),
      }));
    }
    let source: HelmReleaseTarget['chart'] = { kind: 'repository' };
    if (chart.kind === 'remote') {
      const decision = ctx.charts ? await ctx.charts.decide(chart.url) : { allowed: false as const, reason: 'bosun runs without a chart fetcher here' };
      if (!decision.allowed) {
        refused = `chart ${chart.label} not fetched: ${decision.reason}`;
        out.notes.push(objectNote(doc, 'not-previewed', `${refused}; the HelmRelease is diffed as an object in ${readers.map((r) => r.name).join(', ')}`, {
          reads: [doc.file],
          environments: readers.map((r) => r.name).sort(),
        }));
      }
      source = chart.source;
    }
    const valuesFromFiles = valuesFromDefinitions(ctx.root, files, spec);
    const ownInputs = {
      files: [...new Set([doc.file, ...chart.sourceFiles, ...(chart.kind === 'repository' ? chart.valuesFiles.map((v) => posix.normalize(v.replace(/^\/+/, ''))) : []), ...Object.values(valuesFromFiles).flat()])].sort(),
      dirs: chartPath ? [chartPath] : [],
    };
    for (const parent of readers) {
      // The same HelmRelease applied twice to one cluster is one release.
      const key = `${parent.cluster ?? ''}\0${doc.file}\0${doc.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const patchFiles = patches
        .filter((p) => str(field(p.object, 'metadata', 'name')) === name && isInput(inputs.get(parent)!, p.file))
        .filter((p) => namespace === undefined || str(field(p.object, 'metadata', 'namespace')) === undefined || str(field(p.object, 'metadata', 'namespace')) === namespace);
      // What a patch adds is read like the release's own: its chart.spec.valuesFiles (paths from the
      // repository root for a chart of this repository) and the ConfigMaps/Secrets of its valuesFrom.
      const patchValuesFrom = patchFiles.map((p) => valuesFromDefinitions(ctx.root, files, field(p.object, 'spec')));
      const patchValuesFiles = chart.kind === 'repository'
        ? patchFiles.flatMap((p) => helmChartSpec(field(p.object, 'spec', 'chart', 'spec')).valuesFiles ?? []).map((v) => posix.normalize(v.replace(/^\/+/, '')))
        : [];
      const inputsHere = patchFiles.length > 0
        ? { ...ownInputs, files: [...new Set([...ownInputs.files, ...patchFiles.map((p) => p.file), ...patchValuesFiles, ...patchValuesFrom.flatMap((v) => Object.values(v).flat())])].sort() }
        : ownInputs;
      const valuesFromHere = patchValuesFrom.reduce<Record<string, string[]>>((all, v) => {
        for (const [key, defs] of Object.entries(v)) all[key] = [...new Set([...(all[key] ?? []), ...defs])];
        return all;
      }, { ...valuesFromFiles });
      const target: HelmReleaseTarget = {
        parent,
        name,
        ...(namespace ? { namespace } : {}),
        file: doc.file,
        line: doc.line,
        chart: source,
        ...(chart.kind !== 'refused' && chart.helmChart && isChartRef(doc) ? { helmChart: chart.helmChart } : {}),
        valuesFromFiles: valuesFromHere,
        ...(chart.kind === 'repository' ? {
          reconcileStrategy: reconcileStrategyOf(doc, sourcesOf, namespace),
          chartValuesFiles: [...new Set([...chart.valuesFiles.map((v) => posix.normalize(v.replace(/^\/+/, ''))), ...patchValuesFiles])].sort(),
        } : {}),
        inputs: inputsHere,
        ...(refused ? { refused } : {}),
      };
      candidates.push({ doc, parent, target, name, ...(namespace ? { namespace } : {}), ...(parent.cluster ? { cluster: parent.cluster } : {}), ...(chartPath ? { chartPath } : {}) });
    }
  }

  const taken = new Set(parents.map((p) => p.name));
  const names = assignUniqueNames(
    candidates.map((c) => {
      const plain = c.cluster ? `${c.cluster}/${c.name}` : c.name;
      const qualified = [c.cluster ?? c.parent.name, c.namespace ?? c.parent.namespace, c.name].filter(Boolean).join('/');
      // A Kustomization of the same name in the same cluster keeps its name; the release takes the qualified one.
      return { name: taken.has(plain) ? qualified : plain, qualified };
    }),
    out.notes,
    'Flux HelmRelease',
  );
  candidates.forEach((c, i) => out.environments.push(toEnvironment(ctx, c.doc, c.target, names[i], c.chartPath, out.notes)));
  // dependsOn: the Kustomization that applies it, and the HelmReleases it names (helm-controller waits for them).
  candidates.forEach((c, i) => {
    const env = out.environments[i];
    const deps = [c.parent.name];
    for (const dep of list(field(c.doc.object, 'spec', 'dependsOn'))) {
      const depName = str(field(dep, 'name'));
      const depNamespace = str(field(dep, 'namespace')) ?? c.namespace;
      if (!depName) continue;
      const j = candidates.findIndex((o) => o.cluster === c.cluster && o.name === depName && (depNamespace === undefined || o.namespace === undefined || o.namespace === depNamespace));
      if (j >= 0 && j !== i) deps.push(names[j]);
      else out.notes.push(environmentNote(names[i], `depends on HelmRelease ${depNamespace ? `${depNamespace}/` : ''}${depName}, which is not an environment in this repository; the dependency is ignored`, { file: c.doc.file, line: c.doc.line }));
    }
    env.dependsOn = [...new Set(deps)];
  });
  return out;
}

/**
 * source-controller's reconcileStrategy for the release's chart: `spec.chart.spec.reconcileStrategy`, or the
 * chartRef HelmChart's `spec.reconcileStrategy`; `ChartVersion` when unset (source-controller
 * docs/spec/v1/helmcharts.md "Reconcile strategy").
 */
function reconcileStrategyOf(doc: YamlObjectDoc, sourcesOf: (kind: string, name: string | undefined, namespace: string | undefined) => YamlObjectDoc[], namespace: string | undefined): 'ChartVersion' | 'Revision' {
  const chartRef = field(doc.object, 'spec', 'chartRef');
  const written = chartRef !== undefined
    ? sourcesOf('HelmChart', str(field(chartRef, 'name')), str(field(chartRef, 'namespace')) ?? namespace).map((hc) => str(field(hc.object, 'spec', 'reconcileStrategy')))[0]
    : str(field(doc.object, 'spec', 'chart', 'spec', 'reconcileStrategy'));
  return written === 'Revision' ? 'Revision' : 'ChartVersion';
}

/** A HelmRelease whose chart comes from a HelmChart object (`spec.chartRef`): that object's chart spec stands in for `spec.chart.spec`. */
function isChartRef(doc: YamlObjectDoc): boolean {
  return field(doc.object, 'spec', 'chartRef') !== undefined;
}

type ChartResolution =
  | { kind: 'repository'; path: string; valuesFiles: string[]; helmChart?: HelmReleaseTarget['helmChart']; sourceFiles: string[] }
  | { kind: 'remote'; url: string; source: Exclude<HelmReleaseTarget['chart'], { kind: 'repository' }>; valuesFiles: string[]; helmChart?: HelmReleaseTarget['helmChart']; sourceFiles: string[]; label: string }
  | { kind: 'refused'; reason: string; reads: string[]; valuesFiles: string[]; sourceFiles: string[] };

/**
 * Where helm-controller would get the chart: `spec.chart.spec.sourceRef` (a HelmChart made from the
 * template: GitRepository, HelmRepository or Bucket) or `spec.chartRef` (an existing HelmChart or an
 * OCIRepository), as helmrelease_types.go defines them. A sourceRef without a namespace is in the
 * HelmRelease's namespace (HelmChartTemplate.GetNamespace).
 */
function resolveChart(
  doc: YamlObjectDoc,
  spec: unknown,
  namespace: string | undefined,
  sourcesOf: (kind: string, name: string | undefined, namespace: string | undefined) => YamlObjectDoc[],
  gitRepositoryHere: GitRepositoryHere,
): ChartResolution {
  const chartRef = field(spec, 'chartRef');
  if (chartRef !== undefined) {
    const kind = str(field(chartRef, 'kind'));
    const name = str(field(chartRef, 'name'));
    const ns = str(field(chartRef, 'namespace')) ?? namespace;
    if (kind === 'OCIRepository') {
      const found = sourcesOf('OCIRepository', name, ns);
      if (found.length !== 1) return { kind: 'refused', reason: `chart not fetched: its OCIRepository ${name ?? '?'} is ${found.length === 0 ? 'not in this repository' : 'defined more than once here'}, so bosun does not know its URL`, reads: [], valuesFiles: [], sourceFiles: [] };
      const o = found[0].object;
      const url = str(field(o, 'spec', 'url')) ?? '';
      const ref = field(o, 'spec', 'ref');
      const source: HelmReleaseTarget['chart'] = {
        kind: 'oci-repository',
        url,
        ...(str(field(ref, 'tag')) ? { tag: str(field(ref, 'tag')) } : {}),
        ...(str(field(ref, 'semver')) ? { semver: str(field(ref, 'semver')) } : {}),
        ...(str(field(ref, 'digest')) ? { digest: str(field(ref, 'digest')) } : {}),
        ...(bool(field(o, 'spec', 'insecure')) ? { plainHttp: true } : {}),
      };
      const version = str(field(ref, 'digest')) ?? str(field(ref, 'tag')) ?? str(field(ref, 'semver'));
      return { kind: 'remote', url, source, valuesFiles: [], sourceFiles: [found[0].file], label: chartLabel(url, version) };
    }
    if (kind === 'HelmChart') {
      const found = sourcesOf('HelmChart', name, ns);
      if (found.length !== 1) return { kind: 'refused', reason: `its HelmChart ${name ?? '?'} is ${found.length === 0 ? 'not in this repository' : 'defined more than once here'}: what helm-controller would install is not previewed`, reads: [], valuesFiles: [], sourceFiles: [] };
      const hc = found[0];
      const helmChart = helmChartSpec(field(hc.object, 'spec'));
      const resolved = fromSourceRef(field(hc.object, 'spec', 'sourceRef'), str(field(hc.object, 'metadata', 'namespace')) ?? ns, helmChart, hc.file, sourcesOf, gitRepositoryHere);
      return { ...resolved, sourceFiles: [...resolved.sourceFiles, hc.file] };
    }
    return { kind: 'refused', reason: `chart from a ${kind ?? 'chartRef without a kind'} ${name ?? ''}, which bosun does not fetch`.replace(/\s+$/, ''), reads: [], valuesFiles: [], sourceFiles: [] };
  }
  const chartSpec = field(spec, 'chart', 'spec');
  return fromSourceRef(field(chartSpec, 'sourceRef'), namespace, helmChartSpec(chartSpec), doc.file, sourcesOf, gitRepositoryHere);
}

function helmChartSpec(spec: unknown): NonNullable<HelmReleaseTarget['helmChart']> {
  const valuesFiles = [str(field(spec, 'valuesFile')), ...list(field(spec, 'valuesFiles')).map(str)].filter((v): v is string => v !== undefined);
  return {
    chart: str(field(spec, 'chart')) ?? '',
    ...(str(field(spec, 'version')) ? { version: str(field(spec, 'version')) } : {}),
    ...(valuesFiles.length > 0 ? { valuesFiles } : {}),
    ...(bool(field(spec, 'ignoreMissingValuesFiles')) ? { ignoreMissingValuesFiles: true } : {}),
  };
}

function fromSourceRef(
  ref: unknown,
  namespace: string | undefined,
  helmChart: NonNullable<HelmReleaseTarget['helmChart']>,
  fromFile: string,
  sourcesOf: (kind: string, name: string | undefined, namespace: string | undefined) => YamlObjectDoc[],
  gitRepositoryHere: GitRepositoryHere,
): ChartResolution {
  const kind = str(field(ref, 'kind'));
  const name = str(field(ref, 'name'));
  const ns = str(field(ref, 'namespace')) ?? namespace;
  const chart = helmChart.chart;
  const valuesFiles = helmChart.valuesFiles ?? [];
  if (kind === 'GitRepository') {
    const here = gitRepositoryHere(name, ns, fromFile);
    const path = posix.normalize(chart.replace(/^\/+/, '')).replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
    // In a GitRepository's artifact, valuesFiles are paths from its root, like the chart (builder_local.go).
    if (!here.here) return { kind: 'refused', reason: `chart \`${chart}\` from GitRepository ${name ?? '?'}: ${here.reason}`, reads: [path, ...valuesFiles], valuesFiles, sourceFiles: [] };
    if (leavesRoot(path)) return { kind: 'refused', reason: `chart path \`${chart}\` leaves the repository`, reads: [], valuesFiles, sourceFiles: [] };
    return { kind: 'repository', path, valuesFiles, helmChart, sourceFiles: [] };
  }
  if (kind === 'HelmRepository') {
    const found = sourcesOf('HelmRepository', name, ns);
    const label = chartLabel(chart, helmChart.version);
    if (found.length !== 1) {
      return { kind: 'refused', reason: `chart ${label} not fetched: it comes from HelmRepository ${name ?? '?'}, which is ${found.length === 0 ? 'not in this repository' : 'defined more than once here'}, so bosun does not know its URL`, reads: [], valuesFiles: [], sourceFiles: [] };
    }
    const o = found[0].object;
    const url = str(field(o, 'spec', 'url')) ?? '';
    const oci = str(field(o, 'spec', 'type')) === 'oci' || url.startsWith('oci://');
    const source: HelmReleaseTarget['chart'] = { kind: 'helm-repository', url, ...(oci && bool(field(o, 'spec', 'insecure')) ? { plainHttp: true } : {}) };
    return { kind: 'remote', url, source, valuesFiles: [], helmChart, sourceFiles: [found[0].file], label };
  }
  return { kind: 'refused', reason: `chart \`${chart}\` from ${kind ?? 'an unnamed source kind'}${name ? ` ${name}` : ''}, which bosun does not fetch`, reads: [], valuesFiles: [], sourceFiles: [] };
}

/**
 * How a "not fetched" note names the chart: `podinfo 6.6.0` (its version or range as written, when there
 * is one), so that the plan can spell out a version change (plan/helmrelease-sides.ts chartVersionChanges).
 */
function chartLabel(chart: string, version: string | undefined): string {
  return version ? `${chart || '?'} ${version}` : chart || '?';
}

/**
 * Files of this repository that define the ConfigMaps and Secrets `spec.valuesFrom` names (a line scan
 * by kind and name, as for substituteFrom): helm-controller reads them from the cluster, where a
 * Kustomization of this repository puts them; the render looks in the parent's render first, these after.
 */
function valuesFromDefinitions(root: string, files: readonly string[], spec: unknown): Record<string, string[]> {
  const wanted = list(field(spec, 'valuesFrom'))
    .map((r) => ({ kind: str(field(r, 'kind')), name: str(field(r, 'name')) }))
    .filter((r): r is { kind: 'ConfigMap' | 'Secret'; name: string } => (r.kind === 'ConfigMap' || r.kind === 'Secret') && r.name !== undefined);
  const out: Record<string, string[]> = {};
  if (wanted.length === 0) return out;
  for (const r of wanted) out[`${r.kind}/${r.name}`] = [];
  for (const file of files) {
    const stat = lstatSync(join(root, file), { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > 1024 * 1024) continue;
    const text = readFileSync(join(root, file), 'utf8');
    for (const r of wanted) if (defines(text, r.kind, r.name)) out[`${r.kind}/${r.name}`].push(file);
  }
  return out;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function defines(text: string, kind: string, name: string): boolean {
  return new RegExp(`^kind:\\s*["']?${escapeRegExp(kind)}["']?\\s*$`, 'm').test(text) && new RegExp(`^\\s+name:\\s*["']?${escapeRegExp(name)}["']?\\s*$`, 'm').test(text);
}

function toEnvironment(ctx: DiscoveryContext, doc: YamlObjectDoc, target: HelmReleaseTarget, name: string, chartDir: string | undefined, notes: DiscoveryNote[]): Environment {
  const spec = field(doc.object, 'spec');
  const at = { file: doc.file, line: doc.line };
  const suspended = bool(field(spec, 'suspend')) === true;
  if (suspended) notes.push(environmentNote(name, 'the HelmRelease is suspended: it is planned but never applied', at));
  const storage = str(field(spec, 'storageNamespace'));
  if (storage) {
    notes.push(environmentNote(name, `storageNamespace ${storage}: only where helm-controller keeps the release's Secret, no object changes with it; but a change of it (as of releaseName, targetNamespace or the chart's name) makes helm-controller uninstall the release and install it anew, which the diff does not show`, at));
  }
  const parent = target.parent;
  // helm-controller installs into targetNamespace, else the HelmRelease's namespace, which the parent's
  // targetNamespace sets when it has one (GetReleaseNamespace); the render reads the rendered object again.
  const namespace = str(field(spec, 'targetNamespace')) ?? parent.namespace ?? target.namespace ?? 'default';
  const env: Environment = {
    ...discoveredEnvironmentBase(ctx.defaults),
    name,
    source: 'flux',
    path: chartDir ?? (posix.dirname(doc.file) || '.'),
    definedIn: at,
    render: 'auto',
    namespace,
    // helm upgrade removes what the chart no longer renders.
    prune: true,
    autoApply: !suspended && parent.autoApply,
    helmRelease: target,
  };
  if (parent.cluster) env.cluster = parent.cluster;
  if (parent.kubernetesVersion) env.kubernetesVersion = parent.kubernetesVersion;
  const timeout = parseDuration(str(field(spec, 'timeout')) ?? '');
  if (timeout !== undefined) env.healthTimeoutSeconds = timeout;
  const interval = parseDuration(str(field(spec, 'interval')) ?? '');
  if (interval !== undefined) env.reconcileIntervalSeconds = interval;
  return env;
}
