import { posix } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { formatPath, lineAt, type DataPath } from '../../config/yaml-location.ts';
import { isRecord, list, str } from './data.ts';
import { apiVersionProblem, chartVersionProblem, kubeVersionProblem, namespaceProblem, releaseNameProblem, valueFileProblem } from '../../util/argument-rules.ts';

/**
 * Every field of a kustomization that names a file, a folder or a URL, with where it was written — the one
 * place that knows kustomize's fields (api/types/kustomization.go, helmchartargs.go, the builtin plugin
 * configs). The kustomize model (model.ts) follows them for both the renderer and affected detection.
 * Inline `generators:` / `transformers:` / `validators:` entries are YAML documents inside the
 * kustomization: they are parsed and their file fields listed too.
 *
 * Also the values kustomize hands to helm on its command line (`helmCharts[].releaseName` becomes a bare
 * argument): invalid ones are problems here, before any tool runs.
 */

/** How kustomize uses what a reference names. */
export type RefRole =
  /** `resources` / `bases`: a manifest file or a folder with a kustomization. */
  | 'resource'
  /** `components`: a folder with a Component. */
  | 'component'
  /** A file kustomize reads (patches, crds, configurations, openapi, env files, helm values). */
  | 'file'
  /** Generator `files`: a file, or a folder whose files all become keys. */
  | 'data'
  /** `generators` / `transformers` / `validators` by path: a file of plugin configs, or a folder with a kustomization producing them. */
  | 'plugin'
  /** `chartHome`: a folder of vendored charts. */
  | 'folder';

/** Where a value was written: a path into the kustomization's data, and for inline plugin configs the line inside that text. */
export interface RefSpot {
  at: DataPath;
  /** For messages: `configMapGenerator[0].files[1]`, `generators[0].files[0]` (inside an inline config). */
  field: string;
  /** 1-based line inside an inline plugin config (or inside a plugin config file, whose `at` is empty). */
  inlineLine?: number;
}

export interface KustomizeRef extends RefSpot {
  value: string;
  role: RefRole;
}

export interface KustomizeProblem extends RefSpot {
  message: string;
}

/** A chart kustomize inflates: found under `chartHome` (relative to the kustomization), pulled from `repo` otherwise. */
export interface ChartUse extends RefSpot {
  name: string;
  version?: string;
  repo?: string;
  chartHome: string;
  /** The rest of the entry, as data for whoever inflates or fetches the chart (the values files are also refs). */
  releaseName?: string;
  namespace?: string;
  valuesFile?: string;
  additionalValuesFiles?: string[];
}

export interface KustomizationRefs {
  refs: KustomizeRef[];
  problems: KustomizeProblem[];
  charts: ChartUse[];
}

/** Kustomization fields that never name a file. A field in neither list is unknown to bosun. */
export const fieldsWithoutFiles: ReadonlySet<string> = new Set([
  'apiVersion', 'kind', 'metadata', 'namespace', 'namePrefix', 'nameSuffix', 'commonLabels', 'labels', 'commonAnnotations',
  'images', 'imageTags', 'replicas', 'vars', 'sortOptions', 'buildMetadata', 'generatorOptions', 'inventory',
]);

/** Kustomization fields whose references this module lists. */
export const fieldsWithFiles: ReadonlySet<string> = new Set([
  'resources', 'bases', 'components', 'crds', 'configurations', 'openapi', 'patches', 'patchesStrategicMerge', 'patchesJson6902',
  'replacements', 'configMapGenerator', 'secretGenerator', 'helmGlobals', 'helmCharts', 'helmChartInflationGenerator',
  'generators', 'transformers', 'validators',
]);

const configHomeRefusal = 'bosun runs helm with its own configuration (no plugins, repositories or registries from the repository); remove it';

/** The references and helm argument problems of one parsed kustomization. */
export function kustomizationRefs(data: Record<string, unknown>): KustomizationRefs {
  const out: KustomizationRefs = { refs: [], problems: [], charts: [] };
  const spot = (at: DataPath): RefSpot => ({ at, field: formatPath(at) });
  const ref = (at: DataPath, value: unknown, role: RefRole) => {
    if (typeof value === 'string' && value !== '') out.refs.push({ ...spot(at), value, role });
  };
  const each = (key: string, fn: (item: unknown, at: DataPath) => void) => list(data[key]).forEach((item, i) => fn(item, [key, i]));

  for (const key of ['resources', 'bases']) each(key, (v, at) => ref(at, v, 'resource'));
  each('components', (v, at) => ref(at, v, 'component'));
  for (const key of ['crds', 'configurations']) each(key, (v, at) => ref(at, v, 'file'));
  if (isRecord(data.openapi)) ref(['openapi', 'path'], data.openapi.path, 'file');
  for (const key of ['patches', 'patchesJson6902', 'replacements']) each(key, (p, at) => isRecord(p) && ref([...at, 'path'], p.path, 'file'));
  // An entry is a file path or an inline patch; kustomize decides by trying to read the file.
  each('patchesStrategicMerge', (v, at) => typeof v === 'string' && !looksInlinePatch(v) && ref(at, v, 'file'));
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    each(key, (g, at) => {
      if (!isRecord(g)) return;
      // `key=path` names the data key; the path is what is read.
      list(g.files).forEach((f, j) => typeof f === 'string' && ref([...at, 'files', j], f.slice(f.indexOf('=') + 1), 'data'));
      list(g.envs).forEach((f, j) => ref([...at, 'envs', j], f, 'file'));
      ref([...at, 'env'], g.env, 'file');
    });
  }

  // helmChartInflationGenerator is the deprecated spelling of helmGlobals + helmCharts; kustomize converts
  // it (types.SplitHelmParameters), taking the last chartHome / helmHome when helmGlobals is absent.
  const legacy = list(data.helmChartInflationGenerator);
  const globals = isRecord(data.helmGlobals) ? data.helmGlobals : undefined;
  let chartHome = str(globals?.chartHome) ?? 'charts';
  if (globals) {
    ref(['helmGlobals', 'chartHome'], globals.chartHome, 'folder');
    if (globals.configHome !== undefined) out.problems.push({ ...spot(['helmGlobals', 'configHome']), message: configHomeRefusal });
  } else {
    legacy.forEach((c) => {
      if (isRecord(c) && str(c.chartHome)) chartHome = str(c.chartHome)!;
    });
  }
  each('helmCharts', (c, at) => {
    if (isRecord(c)) helmChart(c, at, chartHome, out, spot);
  });
  each('helmChartInflationGenerator', (c, at) => {
    if (!isRecord(c)) return;
    ref([...at, 'chartHome'], c.chartHome, 'folder');
    if (c.helmHome !== undefined) out.problems.push({ ...spot([...at, 'helmHome']), message: configHomeRefusal });
    const converted = { name: c.chartName, version: c.chartVersion, repo: c.chartRepoUrl, releaseName: c.releaseName, valuesFile: c.values };
    helmChart(converted, at, chartHome, out, (path) => spot(legacyField(at, path)));
  });

  for (const key of ['generators', 'transformers', 'validators']) {
    each(key, (v, at) => {
      if (typeof v !== 'string' || v === '') return;
      const inline = inlineConfigs(v);
      if (!inline) {
        ref(at, v, 'plugin');
        return;
      }
      const found = scanConfigDocuments(inline.docs, inline.lineCounter);
      const prefix = formatPath(at);
      const move = <T extends RefSpot>(x: T): T => ({ ...x, at, field: x.field === '' ? prefix : `${prefix}${x.field.startsWith('[') ? '' : '.'}${x.field}` });
      out.refs.push(...found.refs.map(move));
      out.problems.push(...found.problems.map(move));
      out.charts.push(...found.charts.map(move));
    });
  }
  return out;
}

/**
 * The references of a file of plugin configs (a `generators:` entry naming a file). Spots have an empty
 * `at`, the line inside the file in `inlineLine` and fields relative to the document. Paths in plugin
 * configs are relative to the kustomization that lists them (kustomize loads them with its loader).
 */
export function pluginConfigFileRefs(text: string): KustomizationRefs | { error: { line: number; message: string } } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const all = Array.isArray(docs) ? docs : [];
  for (const doc of all) {
    const first = doc.errors[0];
    if (first) return { error: { line: lineCounter.linePos(first.pos[0]).line, message: first.message.split('\n')[0] } };
  }
  return scanConfigDocuments(all, lineCounter);
}

/** Names of kustomization fields bosun does not know (neither naming files nor known to be free of them). */
export function unknownFields(data: Record<string, unknown>): string[] {
  return Object.keys(data).filter((key) => !fieldsWithFiles.has(key) && !fieldsWithoutFiles.has(key));
}

/**
 * The line of a spot in the kustomization (`contents` of its parsed document). Inside an inline config
 * written as a literal block (`- |`), the config's own line is added; for other scalar styles the entry's
 * line is the best there is.
 */
export function lineOfSpot(contents: unknown, lineCounter: LineCounter, spot: RefSpot): number | undefined {
  const line = lineAt(contents, lineCounter, spot.at);
  if (spot.inlineLine === undefined || line === undefined) return line;
  const node = nodeAt(contents, spot.at);
  return isScalar(node) && node.type === 'BLOCK_LITERAL' ? line + spot.inlineLine : line;
}

/**
 * The repo folder kustomize inflates a chart from (HelmChartInflationGenerator.absChartHome): `chartHome/name`,
 * or `chartHome/name-version/name` when a repo and version are given. When it is not there, kustomize pulls.
 */
export function chartFolder(chart: ChartUse, kustomizationDir: string): string {
  const home = posix.join(kustomizationDir, chart.chartHome);
  return posix.normalize(chart.repo && chart.version ? posix.join(home, `${chart.name}-${chart.version}`, chart.name) : posix.join(home, chart.name));
}

/** A one-line strategic merge patch written inline (`{"kind": …}` or `kind: X`), not a file name. */
export function looksInlinePatch(value: string): boolean {
  return value.includes('\n') || /^\s*[{[]/.test(value) || /:\s/.test(value);
}

function helmChart(c: Record<string, unknown>, at: DataPath, chartHome: string, out: KustomizationRefs, spot: (at: DataPath) => RefSpot): void {
  const problem = (key: string, check: (v: string) => string | undefined, value = c[key], path: DataPath = [...at, key]) => {
    if (value === undefined || value === null) return;
    const message = typeof value === 'string' ? check(value) : `expected a string, got ${JSON.stringify(value)}`;
    if (message) out.problems.push({ ...spot(path), message: `${message} (kustomize passes it to helm on the command line)` });
  };
  problem('releaseName', releaseNameProblem);
  problem('namespace', namespaceProblem);
  problem('version', chartVersionProblem);
  problem('kubeVersion', kubeVersionProblem);
  list(c.apiVersions).forEach((v, j) => problem('apiVersions', apiVersionProblem, v, [...at, 'apiVersions', j]));
  if (typeof c.valuesFile === 'string' && c.valuesFile !== '') out.refs.push({ ...spot([...at, 'valuesFile']), value: c.valuesFile, role: 'file' });
  list(c.additionalValuesFiles).forEach((f, j) => {
    if (typeof f === 'string' && f !== '') out.refs.push({ ...spot([...at, 'additionalValuesFiles', j]), value: f, role: 'file' });
    problem('additionalValuesFiles', valueFileProblem, f, [...at, 'additionalValuesFiles', j]);
  });
  const name = str(c.name);
  if (!name) return;
  const extra = list(c.additionalValuesFiles).filter((f): f is string => typeof f === 'string' && f !== '');
  out.charts.push({
    ...spot([...at, 'name']), name, version: str(c.version), repo: str(c.repo), chartHome,
    ...(str(c.releaseName) ? { releaseName: str(c.releaseName) } : {}),
    ...(str(c.namespace) ? { namespace: str(c.namespace) } : {}),
    ...(str(c.valuesFile) ? { valuesFile: str(c.valuesFile) } : {}),
    ...(extra.length > 0 ? { additionalValuesFiles: extra } : {}),
  });
}

/** The deprecated field's own names, for messages about a converted entry. */
function legacyField(at: DataPath, path: DataPath): DataPath {
  const names: Record<string, string> = { name: 'chartName', version: 'chartVersion', repo: 'chartRepoUrl', valuesFile: 'values' };
  const key = path[at.length];
  return typeof key === 'string' && names[key] ? [...at, names[key], ...path.slice(at.length + 1)] : path;
}

/** An inline plugin entry parses as one or more YAML mappings; a path does not (kustomize tells them apart the same way). */
function inlineConfigs(text: string): { docs: Document.Parsed[]; lineCounter: LineCounter } | undefined {
  if (!/[:\n{]/.test(text)) return undefined;
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  if (docs.length === 0 || docs.some((d) => d.errors.length > 0 || !isMap(d.contents))) return undefined;
  return { docs, lineCounter };
}

/** Keys of builtin plugin configs that name files (and any plugin using the same names). */
const configFileKeys: Record<string, RefRole> = {
  path: 'file', paths: 'file', envs: 'file', env: 'file', valuesFile: 'file', additionalValuesFiles: 'file', files: 'data', chartHome: 'folder',
};

/**
 * Plugin config documents: ConfigMapGenerator / SecretGenerator (`files`, `envs`, `env`), PatchTransformer /
 * PatchJson6902Transformer (`path`), PatchStrategicMergeTransformer (`paths`), ReplacementTransformer
 * (`replacements[].path`), HelmChartInflationGenerator (chart fields as in `helmCharts`). Any of those
 * keys at any depth counts, whatever the kind: a config bosun does not know is checked the same way.
 */
function scanConfigDocuments(docs: Document.Parsed[], lineCounter: LineCounter): KustomizationRefs {
  const out: KustomizationRefs = { refs: [], problems: [], charts: [] };
  docs.forEach((doc, d) => {
    const root = doc.contents;
    if (!isMap(root)) return;
    const base: DataPath = docs.length > 1 ? [d] : [];
    const spot = (path: DataPath): RefSpot => ({ at: [], field: formatPath([...base, ...path]), inlineLine: lineAt(root, lineCounter, path) });
    const walk = (node: unknown, path: DataPath) => {
      if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
      if (!isMap(node)) return;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined || (path.length === 0 && key === 'metadata')) continue;
        const here = [...path, key];
        if (key === 'configHome' || key === 'helmHome') {
          out.problems.push({ ...spot(here), message: configHomeRefusal });
          continue;
        }
        const role = configFileKeys[key];
        const value = pair.value;
        if (role && isScalar(value) && typeof value.value === 'string' && !(key === 'env' && value.value === '')) {
          out.refs.push({ ...spot(here), value: stripKey(key, value.value), role });
        } else if (role && isSeq(value)) {
          value.items.forEach((item, i) => {
            if (isScalar(item) && typeof item.value === 'string' && item.value !== '') out.refs.push({ ...spot([...here, i]), value: stripKey(key, item.value), role });
          });
        } else walk(value, here);
      }
    };
    walk(root, []);
    const config = root.toJSON() as Record<string, unknown>;
    if (config.kind === 'HelmChartInflationGenerator') {
      // The config carries its own chart home (HelmGlobals inline). Its values files were listed by the walk
      // already; listing them twice only checks them twice.
      helmChart(config, [], str(config.chartHome) ?? 'charts', out, spot);
    }
  });
  return out;
}

function stripKey(key: string, value: string): string {
  return key === 'files' ? value.slice(value.indexOf('=') + 1) : value;
}

function nodeAt(root: unknown, path: DataPath): unknown {
  let node = root;
  for (const segment of path) {
    if (isMap(node)) node = node.get(String(segment), true);
    else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
    else return undefined;
  }
  return node;
}
