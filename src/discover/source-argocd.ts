import { statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { DiscoveryNote } from '../model/discovery.ts';
import { environmentDefaults, type Environment, type HelmOptions, type KustomizeOptions } from '../model/environment.ts';
import { normalizeRepoPath } from '../config/to-environment.ts';
import { namespaceProblem, releaseNameProblem, valueFileProblem } from '../util/argument-rules.ts';
import { applicationSetNote, chartTemplateNotes, jsonnetFiles, unrenderedSourceNote } from './argocd-notes.ts';
import { assignUniqueNames } from './naming.ts';
import { environmentNote, objectNote } from './notes.ts';
import { bool, checkedArgument, field, isRecord, list, repoPathFrom, str, stringMap } from './object-fields.ts';
import { detectRenderKind, isHelmChart } from './render-kind.ts';
import type { YamlObjectDoc } from './repo-yaml.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

const applicationApi = /^argoproj\.io\//;
/** Argo CD's name for the cluster it runs in. */
const inClusterServer = 'https://kubernetes.default.svc';

interface SourceEntry {
  source: unknown;
  /** Field path of the source in the Application, e.g. `spec.sources[1]`. */
  fieldPath: string;
  index?: number;
}

interface Candidate {
  doc: YamlObjectDoc;
  appName: string;
  namespace?: string;
  entry: SourceEntry;
  /** More than one source of the same Application is rendered from this repository. */
  multi: boolean;
}

export const argocdSource: DiscoverySource = {
  name: 'argocd',
  async discover(ctx: DiscoveryContext): Promise<DiscoveryResult> {
    const scan = await ctx.repoYaml();
    const { docs } = scan;
    const notes: DiscoveryNote[] = [];
    const candidates: Candidate[] = [];
    /** Applications that are environments but have sources bosun does not render (a chart from a Helm repository…). */
    const partly = new Map<YamlObjectDoc, DiscoveryNote>();
    for (const doc of docs) {
      const apiVersion = doc.object.apiVersion;
      if (typeof apiVersion !== 'string' || !applicationApi.test(apiVersion)) continue;
      if (doc.object.kind === 'ApplicationSet') {
        notes.push(applicationSetNote(ctx, doc));
        continue;
      }
      if (doc.object.kind !== 'Application') continue;
      const appName = str(field(doc.object, 'metadata', 'name'));
      if (!appName) {
        notes.push(objectNote(doc, 'not-an-environment', 'not an environment: metadata.name is not set'));
        continue;
      }
      const entries = sourceEntries(doc.object);
      const own = entries.filter((e) => isOwnRenderedSource(ctx, e.source));
      const others = entries.filter((e) => !own.includes(e));
      const unrendered = unrenderedSourceNote(ctx, doc, others.map((e) => ({ source: e.source, fieldPath: e.fieldPath, index: e.index })), own.length > 0);
      if (own.length === 0) {
        notes.push(unrendered ?? objectNote(doc, 'not-an-environment', 'not an environment: it has no source'));
        continue;
      }
      if (unrendered) partly.set(doc, unrendered);
      for (const entry of own) candidates.push({ doc, appName, namespace: str(field(doc.object, 'metadata', 'namespace')), entry, multi: own.length > 1 });
    }
    notes.push(...chartTemplateNotes(ctx, scan.templates));

    const names = assignUniqueNames(
      candidates.map((c) => {
        const name = c.multi ? `${c.appName}[${c.entry.index}]` : c.appName;
        return { name, qualified: c.namespace ? `${c.namespace}/${name}` : name };
      }),
      notes,
      'Argo CD Application',
    );
    const environments = candidates.map((c, i) => toEnvironment(ctx, c, names[i], notes));
    for (const [doc, note] of partly) {
      note.environments = names.filter((_, i) => candidates[i].doc === doc).sort();
      notes.push(note);
    }
    return { environments, notes };
  },
};

function sourceEntries(app: Record<string, unknown>): SourceEntry[] {
  const sources = field(app, 'spec', 'sources');
  // Argo CD ignores `source` when `sources` is set.
  if (Array.isArray(sources)) return sources.map((source, index) => ({ source, fieldPath: `spec.sources[${index}]`, index }));
  const source = field(app, 'spec', 'source');
  return source === undefined ? [] : [{ source, fieldPath: 'spec.source' }];
}

/** A source Argo CD renders manifests from (a `path`, not a Helm repository chart or a values-only `ref`) in this repository. */
function isOwnRenderedSource(ctx: DiscoveryContext, source: unknown): boolean {
  const path = typeof field(source, 'path') === 'string' ? (field(source, 'path') as string) : undefined;
  if (path === undefined || str(field(source, 'chart'))) return false;
  const repoURL = field(source, 'repoURL');
  if (ctx.repoUrls) return isSameRepo(repoURL, ctx.repoUrls);
  // Without known URLs: an Application whose source folder exists here is taken to be about this repository.
  const normal = normalizeRepoPath(path);
  if (posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) return false;
  return statSync(join(ctx.root, normal), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function toEnvironment(ctx: DiscoveryContext, c: Candidate, name: string, allNotes: DiscoveryNote[]): Environment {
  const { doc, entry } = c;
  const app = doc.object;
  const at = { file: doc.file, line: doc.line };
  // Caveats found while reading the Application, as text, become notes on the environment.
  const notes: string[] = [];
  const sourcePathField = entry.index === undefined ? ['spec', 'source', 'path'] : ['spec', 'sources', entry.index, 'path'];
  const path = repoPathFrom(ctx.root, field(entry.source, 'path') as string, { file: doc.file, line: () => doc.lineOf(sourcePathField), field: `${entry.fieldPath}.path` });

  const automated = field(app, 'spec', 'syncPolicy', 'automated');
  const isAutomated = isRecord(automated) && bool(automated.enabled) !== false;
  const env: Environment = {
    ...environmentDefaults,
    name,
    source: 'argocd',
    path,
    definedIn: { file: doc.file, line: doc.line },
    render: 'auto',
    autoApply: isAutomated,
    // Argo CD never prunes or self-heals unless automated sync asks for it.
    prune: isAutomated ? (bool(field(automated, 'prune')) ?? false) : false,
    selfHeal: isAutomated ? (bool(field(automated, 'selfHeal')) ?? false) : false,
    allowEmpty: isAutomated ? (bool(field(automated, 'allowEmpty')) ?? false) : false,
    dependsOn: [],
    requires: [],
  };
  const cluster = str(field(app, 'spec', 'destination', 'name')) ?? clusterFromServer(str(field(app, 'spec', 'destination', 'server')));
  if (cluster) env.cluster = cluster;
  // destination.namespace is where objects without a namespace go at sync time; kustomize.namespace
  // (kept in env.kustomize) is a rewrite of the rendered manifests.
  const destinationNamespace = str(field(app, 'spec', 'destination', 'namespace'));
  if (destinationNamespace) {
    env.namespace = checkedArgument(destinationNamespace, namespaceProblem, { file: doc.file, line: () => doc.lineOf(['spec', 'destination', 'namespace']), field: 'spec.destination.namespace' });
  }

  const helm = helmOptions(ctx, doc, entry, c.appName, path, notes);
  if (helm) env.helm = helm;
  const kustomize = kustomizeOptions(entry.source, notes);
  if (kustomize) env.kustomize = kustomize;
  const plugin = field(entry.source, 'plugin');
  if (plugin !== undefined) {
    const pluginName = str(field(plugin, 'name'));
    notes.push(`Argo CD renders it with the config management plugin${pluginName ? ` \`${pluginName}\`` : ''}, which bosun cannot run: bosun renders the folder by its contents (plain, kustomize or Helm), which may differ from what the plugin produces`);
  }
  const revision = str(field(entry.source, 'targetRevision'));
  if (revision && revision !== 'HEAD' && ctx.branch && revision !== ctx.branch && revision !== `refs/heads/${ctx.branch}`) {
    notes.push(`tracks revision \`${revision}\` of this repository, not \`${ctx.branch}\` (the base of this change): Argo CD deploys this change only once \`${revision}\` has it; bosun previews it from the change's commits anyway`);
  }
  for (const text of notes) allNotes.push(environmentNote(name, text, at));
  if (plugin === undefined && detectRenderKind(join(ctx.root, path)) === 'plain') {
    const jsonnet = jsonnetFiles(ctx.root, path, bool(field(entry.source, 'directory', 'recurse')) === true);
    if (jsonnet.length > 0) {
      allNotes.push(environmentNote(name, `Argo CD evaluates the jsonnet in ${path} (${jsonnet.length === 1 ? jsonnet[0] : `${jsonnet.length} files`}), which bosun does not: what it produces is not previewed, only the folder's YAML and JSON files`, at, { status: 'not-previewed', reads: jsonnet }));
    }
  }
  return env;
}

function withHint(problem: string | undefined, hint: string): string | undefined {
  return problem === undefined ? undefined : `${problem}; as the Application's name is the release name by default, ${hint}`;
}

function clusterFromServer(server: string | undefined): string | undefined {
  if (!server) return undefined;
  return server.replace(/\/+$/, '') === inClusterServer ? 'in-cluster' : server;
}

function helmOptions(ctx: DiscoveryContext, doc: YamlObjectDoc, entry: SourceEntry, appName: string, path: string, notes: string[]): HelmOptions | undefined {
  const app = doc.object;
  const helm = field(entry.source, 'helm');
  if (!isRecord(helm) && !isHelmChart(join(ctx.root, path))) return undefined;
  // Argo CD passes the release name (the Application's name by default) to helm as an argument.
  const sourcePath = entry.index === undefined ? ['spec', 'source'] : ['spec', 'sources', entry.index];
  const ownName = str(field(helm, 'releaseName'));
  const releaseName = ownName
    ? checkedArgument(ownName, releaseNameProblem, { file: doc.file, line: () => doc.lineOf([...sourcePath, 'helm', 'releaseName']), field: `${entry.fieldPath}.helm.releaseName` })
    : checkedArgument(appName, (name) => withHint(releaseNameProblem(name), `set ${entry.fieldPath}.helm.releaseName`), { file: doc.file, line: () => doc.lineOf(['metadata', 'name']), field: 'metadata.name' });
  const out: HelmOptions = { releaseName, valueFiles: [] };
  for (const [i, file] of list(field(helm, 'valueFiles')).entries()) {
    if (typeof file !== 'string' || file === '') continue;
    checkedArgument(file, valueFileProblem, { file: doc.file, line: () => doc.lineOf([...sourcePath, 'helm', 'valueFiles', i]), field: `${entry.fieldPath}.helm.valueFiles[${i}]` });
    const resolved = valueFileFor(ctx, app, file, path);
    if (resolved === undefined) notes.push(`value file "${file}" is not in this repository and is not used`);
    else out.valueFiles.push(resolved);
  }
  const values = valuesOf(helm, notes);
  if (values) out.values = values;
  if (list(field(helm, 'fileParameters')).length > 0) notes.push('helm.fileParameters are not applied by bosun\'s render');
  return out;
}

/**
 * Value files are relative to the chart folder, except `$ref/…`, which points into another source of a
 * multi-source Application: when that source is this repository, the file is re-expressed relative to
 * the chart folder so every value file has one meaning.
 */
function valueFileFor(ctx: DiscoveryContext, app: Record<string, unknown>, file: string, chartPath: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return undefined;
  const ref = /^\$([^/]+)\/(.*)$/.exec(file);
  if (!ref) return file;
  const refSource = list(field(app, 'spec', 'sources')).find((s) => field(s, 'ref') === ref[1]);
  if (!refSource) return undefined;
  const repoURL = field(refSource, 'repoURL');
  const own = ctx.repoUrls ? isSameRepo(repoURL, ctx.repoUrls) : statSync(join(ctx.root, ref[2]), { throwIfNoEntry: false }) !== undefined;
  if (!own) return undefined;
  return posix.relative(chartPath === '.' ? '' : chartPath, normalizeRepoPath(ref[2])) || '.';
}

/** `valuesObject` wins over `values` (a YAML string), as in Argo CD; `parameters` (`--set`) apply last. */
function valuesOf(helm: unknown, notes: string[]): Record<string, unknown> | undefined {
  let values: Record<string, unknown> | undefined;
  const valuesObject = field(helm, 'valuesObject');
  const valuesText = field(helm, 'values');
  if (isRecord(valuesObject)) values = structuredClone(valuesObject);
  else if (typeof valuesText === 'string' && valuesText.trim() !== '') {
    try {
      const parsed: unknown = parseYaml(valuesText);
      if (isRecord(parsed)) values = parsed;
    } catch (error) {
      notes.push(`helm.values is not valid YAML (${(error as Error).message.split('\n')[0]}); it is not used`);
    }
  } else if (isRecord(valuesText)) values = structuredClone(valuesText);
  for (const parameter of list(field(helm, 'parameters'))) {
    const name = str(field(parameter, 'name'));
    const value = field(parameter, 'value');
    if (!name || value === undefined) continue;
    if (/[[\]\\]/.test(name)) {
      notes.push(`helm parameter "${name}" uses list or escape syntax, which bosun does not apply`);
      continue;
    }
    values ??= {};
    setPath(values, name.split('.'), bool(field(parameter, 'forceString')) ? String(value) : coerce(value));
  }
  return values;
}

function coerce(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?\d+$/.test(value)) return Number(value);
  return value;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isRecord(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function kustomizeOptions(source: unknown, notes: string[]): KustomizeOptions | undefined {
  const k = field(source, 'kustomize');
  if (!isRecord(k)) return undefined;
  const out: KustomizeOptions = {};
  const namespace = str(k.namespace);
  if (namespace) out.namespace = namespace;
  const namePrefix = str(k.namePrefix);
  if (namePrefix) out.namePrefix = namePrefix;
  const nameSuffix = str(k.nameSuffix);
  if (nameSuffix) out.nameSuffix = nameSuffix;
  const images = list(k.images).filter((i): i is string => typeof i === 'string' && i !== '');
  if (images.length > 0) out.images = images;
  const commonLabels = stringMap(k.commonLabels);
  if (commonLabels && Object.keys(commonLabels).length > 0) out.commonLabels = commonLabels;
  const commonAnnotations = stringMap(k.commonAnnotations);
  if (commonAnnotations && Object.keys(commonAnnotations).length > 0) out.commonAnnotations = commonAnnotations;
  const components = list(k.components).filter((c): c is string => typeof c === 'string' && c !== '');
  if (components.length > 0) out.components = components;
  const patches: NonNullable<KustomizeOptions['patches']> = [];
  list(k.patches).forEach((p, i) => {
    const patch = field(p, 'patch');
    if (typeof patch === 'string') patches.push({ patch, ...(isRecord(field(p, 'target')) ? { target: field(p, 'target') as Record<string, unknown> } : {}) });
    else if (field(p, 'path') !== undefined) notes.push(`kustomize.patches[${i}] refers to a file (path); only inline patches are applied`);
  });
  if (patches.length > 0) out.patches = patches;
  for (const unsupported of ['replicas', 'forceCommonLabels', 'forceCommonAnnotations', 'commonAnnotationsEnvsubst', 'labelWithoutSelector']) {
    if (k[unsupported] !== undefined) notes.push(`kustomize.${unsupported} is not applied by bosun's render`);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
