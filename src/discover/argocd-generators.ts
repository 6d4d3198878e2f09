/**
 * ApplicationSet generators bosun expands, each modelled on its Argo CD implementation
 * (applicationset/generators/*.go) and the documentation's parameter tables:
 * list, clusters (over bosun's cluster registry), git directories, git files (JSON / YAML), matrix, merge,
 * and each generator's `selector`, `values` and `pathParamPrefix`. Generators that need the outside
 * world (SCM provider, pull request, cluster decision resource, plugin) throw `NotExpanded`.
 */
import { readFileSync, readdirSync, lstatSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BosunError } from '../model/errors.ts';
import { parseLabelSelector, selectorMatches as labelsMatch } from '../model/label-selector.ts';
import { gitPathspecGlob, goPathMatch } from '../util/argocd-glob.ts';
import { resolveInRepo } from '../util/paths.ts';
import { flattenParams, templateValue, type TemplateMode } from './argocd-fasttemplate.ts';
import { sanitizeName } from './argocd-gotemplate-funcs.ts';
import { TemplateError } from './argocd-gotemplate.ts';
import { field, isRecord, list, str } from './object-fields.ts';

export type Params = Record<string, unknown>;

/** The repository files each parameter set was read from (a git files generator's file), kept through matrix and merge. */
const sources = new WeakMap<Params, string[]>();

export function sourceFilesOf(p: Params): string[] {
  return sources.get(p) ?? [];
}

/** The repository folders each parameter set comes from (a git directories generator's folder), kept through matrix and merge. */
const sourceDirs = new WeakMap<Params, string[]>();

export function sourceDirsOf(p: Params): string[] {
  return sourceDirs.get(p) ?? [];
}

function tagged(p: Params, ...from: Params[]): Params {
  for (const map of [sources, sourceDirs]) {
    const paths = [...new Set(from.flatMap((f) => map.get(f) ?? []))];
    if (paths.length > 0) map.set(p, [...new Set([...(map.get(p) ?? []), ...paths])]);
  }
  return p;
}

/** A generator bosun does not expand, with why (a discovery note says it). */
export class NotExpanded extends Error {
  readonly generator: string;
  constructor(generator: string, message: string) {
    super(message);
    this.name = 'NotExpanded';
    this.generator = generator;
  }
}

/** A cluster as the clusters generator sees it: from bosun's cluster registry (names, labels, server URLs; no credentials). */
export interface GeneratorCluster {
  name: string;
  labels: Record<string, string>;
  /** The registry entry's `annotations:` (its cluster secret's). */
  annotations?: Record<string, string>;
  /** The registry entry's `server:` (the URL Argo CD's cluster secret carries). */
  server?: string;
}

export interface GeneratorContext {
  root: string;
  mode: TemplateMode;
  /** Whether a `repoURL` is this repository. */
  isThisRepo(repoURL: unknown): boolean;
  /** Whether a git generator `revision` follows the branch the change merges into (undefined: unknown). */
  followsBase(revision: string | undefined): boolean | undefined;
  clusters?: GeneratorCluster[];
  /** Caveats to say out loud (a revision that cannot be checked, a cluster registry that is absent). */
  caveats: string[];
  /** Parameter sets one generator may produce (see maxGeneratedApplications); more is an error. */
  maxParams?: number;
}

/**
 * Applications bosun expands from the ApplicationSets (and app-of-apps parents) of one checkout. Argo CD
 * has no such limit, but its controller runs in its own pod; bosun expands a pull request's ApplicationSets
 * in the worker's process, and a matrix of three 100-element lists (a few kilobytes of YAML) is a million
 * Applications — 64,000 of them took 1.9 GB and ran the worker out of file descriptors before this limit.
 */
export const maxGeneratedApplications = 10_000;

function tooMany(ctx: GeneratorContext): TemplateError {
  return new TemplateError(`it generates more than ${ctx.maxParams ?? maxGeneratedApplications} Applications, more than bosun expands for one plan (at most ${maxGeneratedApplications} in all); split it or narrow its generators`);
}

/** The parameter sets of one generator (each with the repository files it came from). */
export function generate(g: unknown, ctx: GeneratorContext, depth = 0): Params[] {
  if (!isRecord(g)) throw new NotExpanded('unknown', 'a generator that is not a mapping');
  let params: Params[];
  if (g.list !== undefined) params = listGenerator(g.list, ctx);
  else if (g.clusters !== undefined) params = clustersGenerator(g.clusters, ctx);
  else if (g.git !== undefined) params = gitGenerator(g.git, ctx);
  else if (g.matrix !== undefined) params = matrixGenerator(g.matrix, ctx, depth);
  else if (g.merge !== undefined) params = mergeGenerator(g.merge, ctx, depth);
  else {
    const name = Object.keys(g).find((k) => !['selector', 'template', 'values'].includes(k)) ?? 'unknown';
    const why: Record<string, string> = {
      scmProvider: 'it lists repositories of an SCM provider (GitHub, GitLab…) through its API',
      pullRequest: 'it lists open pull requests through an SCM API',
      clusterDecisionResource: 'it reads a cluster decision resource (Open Cluster Management placement) from the cluster',
      plugin: 'it calls a generator plugin service',
    };
    throw new NotExpanded(name, why[name] ? `the ${name} generator needs the outside world: ${why[name]}` : `the ${name} generator is not one bosun knows`);
  }
  const selector = g.selector;
  const selected = isRecord(selector) ? params.filter((p) => selectorMatches(selector, flatLabels(p))) : params;
  if (selected.length > (ctx.maxParams ?? maxGeneratedApplications)) throw tooMany(ctx);
  return selected;
}

function flatLabels(p: Params): Record<string, string> {
  return flattenParams(p);
}

/**
 * A generator's or the clusters generator's `selector` (metav1.LabelSelector) over labels, with the one
 * matching rule (model/label-selector.ts). The ApplicationSet controller parses it with
 * metav1.LabelSelectorAsSelector and fails on a bad one (applicationset/generators generator_spec_processor.go:
 * "error parsing label selector"); fields other than matchLabels and matchExpressions are pruned by its CRD.
 */
export function selectorMatches(selector: Record<string, unknown>, labels: Record<string, string>): boolean {
  const parsed = parseLabelSelector({ matchLabels: selector.matchLabels, matchExpressions: selector.matchExpressions });
  if (parsed.problem !== undefined) throw new TemplateError(`selector: ${parsed.problem}`);
  return labelsMatch(parsed.selector ?? {}, labels);
}

function listGenerator(spec: unknown, ctx: GeneratorContext): Params[] {
  const elements = [...list(field(spec, 'elements'))];
  const yaml = str(field(spec, 'elementsYaml'));
  if (yaml) {
    const parsed = templateValue(yaml, {}, ctx.mode);
    const docs = parseAllDocuments(String(parsed)).map((d) => d.toJS() as unknown);
    for (const d of docs) elements.push(...list(d));
  }
  return elements.map((element, i) => {
    if (!isRecord(element)) throw new TemplateError(`list element ${i} is not a mapping`);
    if (ctx.mode.goTemplate) return structuredClone(element);
    // fasttemplate: string values only, `values` flattened to values.<key> (applicationset/generators/list.go:
    // `v, ok := value.(string); if !ok { … "error parsing value as string" }` — a number, a boolean or null
    // fails the whole ApplicationSet, so Argo CD generates, updates and deletes nothing until it is quoted).
    const out: Params = {};
    const notString = (k: string, v: unknown) => new TemplateError(`list element ${i}: "${k}" is ${v === null ? 'null' : isRecord(v) ? 'a mapping' : Array.isArray(v) ? 'a list' : `the ${typeof v} ${String(v)}`}, not a string: without goTemplate Argo CD's list generator takes only strings ("error parsing value as string") and the ApplicationSet fails; quote it`);
    for (const [k, v] of Object.entries(element)) {
      if (k === 'values') {
        if (!isRecord(v)) throw new TemplateError(`list element ${i}: "values" is not a mapping (Argo CD: "error parsing values map")`);
        for (const [vk, vv] of Object.entries(v)) {
          if (typeof vv !== 'string') throw notString(`values.${vk}`, vv);
          out[`values.${vk}`] = vv;
        }
      } else if (typeof v !== 'string') throw notString(k, v);
      else out[k] = v;
    }
    return out;
  });
}

/** Argo CD's in-cluster address (the `in-cluster` cluster when no cluster secret claims it). */
export const inClusterServer = 'https://kubernetes.default.svc';

/**
 * The `server` parameter of a registry cluster: its `server:` URL, as Argo CD's cluster secret gives it;
 * without one, `in-cluster`'s address for `in-cluster` and the registry name for others, which
 * discovery maps back to the entry (argocd-destination.ts).
 */
export function serverOf(cluster: GeneratorCluster): string {
  return cluster.server ?? (cluster.name === 'in-cluster' ? inClusterServer : cluster.name);
}

function clustersGenerator(spec: unknown, ctx: GeneratorContext): Params[] {
  if (!ctx.clusters) throw new NotExpanded('clusters', 'the clusters generator lists the clusters of bosun\'s cluster registry, and none was given (--clusters / BOSUN_CLUSTERS)');
  const selector = field(spec, 'selector');
  const out: Params[] = [];
  for (const cluster of ctx.clusters) {
    if (isRecord(selector) && Object.keys(selector).length > 0 && !selectorMatches(selector, cluster.labels)) continue;
    const base = { name: cluster.name, nameNormalized: sanitizeName(cluster.name), server: serverOf(cluster), project: '' };
    const params: Params = ctx.mode.goTemplate
      ? { ...base, metadata: { labels: { ...cluster.labels }, annotations: { ...cluster.annotations } } }
      : {
        ...base,
        ...Object.fromEntries(Object.entries(cluster.labels).map(([k, v]) => [`metadata.labels.${k}`, v])),
        ...Object.fromEntries(Object.entries(cluster.annotations ?? {}).map(([k, v]) => [`metadata.annotations.${k}`, v])),
      };
    out.push(withValues(params, field(spec, 'values'), ctx));
  }
  // Argo CD's own cluster, `in-cluster`, has no cluster secret unless one is made for it: the generator adds it
  // when its selector is empty and no secret holds its address (applicationset/generators/cluster.go:
  // `!ignoreLocalClusters && !utils.SecretsContainInClusterCredentials(secrets)`), with no labels or annotations.
  const selects = isRecord(selector) && ((isRecord(selector.matchLabels) && Object.keys(selector.matchLabels).length > 0) || list(selector.matchExpressions).length > 0);
  if (!selects && !ctx.clusters.some((c) => serverOf(c) === inClusterServer)) {
    out.push(withValues({ name: 'in-cluster', nameNormalized: 'in-cluster', server: inClusterServer, project: '' }, field(spec, 'values'), ctx));
  }
  return out;
}

/** A generator's `values`, templated with its own parameters, as `values.<key>` (or `.values` with goTemplate). */
function withValues(params: Params, values: unknown, ctx: GeneratorContext): Params {
  if (!isRecord(values)) return params;
  return tagged(withValuesUntagged(params, values, ctx), params);
}

function withValuesUntagged(params: Params, values: Record<string, unknown>, ctx: GeneratorContext): Params {
  const rendered: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) rendered[k] = templateValue(String(v), params, ctx.mode, `values.${k}`);
  if (ctx.mode.goTemplate) return { ...params, values: rendered };
  const out = { ...params };
  for (const [k, v] of Object.entries(rendered)) out[`values.${k}`] = v;
  return out;
}

interface RepoListing {
  dirs: string[];
  files: string[];
}

const listings = new Map<string, RepoListing>();

/** Every folder (but hidden ones) and file of the checkout (repo paths, sorted), `.git` left out; symlinks are not followed. */
function repoListing(root: string): RepoListing {
  let hit = listings.get(root);
  if (hit) return hit;
  const dirs: string[] = [];
  const files: string[] = [];
  // The git directories generator never sees a folder whose name starts with "." nor anything under it
  // (reposerver GetGitDirectories: "Skip all folders starts with ."); the files generator's `git ls-files`
  // does list their files.
  const walk = (rel: string, hidden: boolean) => {
    for (const name of readdirSync(rel ? join(root, rel) : root).sort()) {
      if (name === '.git') continue;
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(join(root, path));
      if (stat.isDirectory()) {
        const hiddenHere = hidden || name.startsWith('.');
        if (!hiddenHere) dirs.push(path);
        walk(path, hiddenHere);
      } else if (stat.isFile() || stat.isSymbolicLink()) files.push(path);
    }
  };
  walk('', false);
  hit = { dirs, files };
  if (listings.size > 8) listings.clear();
  listings.set(root, hit);
  return hit;
}

/** Forget a checkout's listing (a plan's checkouts are temporary). */
export function forgetListing(root: string): void {
  listings.delete(root);
}

function gitGenerator(spec: unknown, ctx: GeneratorContext): Params[] {
  const repoURL = field(spec, 'repoURL');
  if (!ctx.isThisRepo(repoURL)) throw new NotExpanded('git', `its git generator reads another repository (${str(repoURL) ?? 'no repoURL'}), which bosun does not fetch`);
  const revision = str(field(spec, 'revision'));
  const follows = ctx.followsBase(revision);
  if (follows === false) throw new NotExpanded('git', `pinned to ${revision || 'HEAD'}: its git generator reads revision \`${revision || 'HEAD'}\` of this repository${revision && revision !== 'HEAD' ? '' : ' (its default branch, not the branch this change merges into)'}, so a change to the base branch does not change what it generates`);
  if (follows === undefined && revision && revision !== 'HEAD') ctx.caveats.push(`its git generator reads revision \`${revision}\`; bosun expands it from the change's commits (pass --base-branch to say which branch the change merges into)`);
  const prefix = str(field(spec, 'pathParamPrefix'));
  const directories = list(field(spec, 'directories'));
  const files = list(field(spec, 'files'));
  const listing = repoListing(ctx.root);
  const out: Params[] = [];
  if (directories.length > 0) {
    const rules = directories.map((d) => ({ match: goPathMatch(str(field(d, 'path')) ?? ''), exclude: field(d, 'exclude') === true }));
    for (const dir of listing.dirs) {
      let include = false;
      let exclude = false;
      for (const rule of rules) {
        if (!rule.match.test(dir)) continue;
        if (rule.exclude) exclude = true;
        else include = true;
      }
      if (!include || exclude) continue;
      const params = pathParams(dir, undefined, prefix, ctx.mode.goTemplate);
      sourceDirs.set(params, [dir]);
      out.push(withValues(params, field(spec, 'values'), ctx));
    }
  }
  for (const f of files) {
    const pattern = str(field(f, 'path'));
    if (!pattern) continue;
    const match = gitPathspecGlob(pattern);
    for (const file of listing.files.filter((p) => match.test(p))) {
      for (const content of fileParams(ctx.root, file)) {
        const path = pathParams(posix.dirname(file), file, prefix, ctx.mode.goTemplate);
        const params = ctx.mode.goTemplate ? { ...content, ...path } : { ...flattenParams(content), ...path };
        sources.set(params, [file]);
        out.push(withValues(params, field(spec, 'values'), ctx));
      }
    }
  }
  return out;
}

/** A git files generator's file: one parameter set per JSON object / YAML document, or per item of a top-level list. */
function fileParams(root: string, file: string): Params[] {
  // The listing keeps symlinks (git ls-files lists them): one leaving the repository is never read. Argo CD's
  // repo server refuses such a checkout (CheckOutOfBoundsSymlinks: "repository contains out-of-bounds symlinks").
  try {
    resolveInRepo(root, file);
  } catch (e) {
    if (e instanceof BosunError) throw new TemplateError(`${file}: ${e.message}; Argo CD refuses a repository holding it`);
    throw e;
  }
  // A symlink to a folder matches the glob too; Argo CD's read of it fails the ApplicationSet.
  if (!statSync(join(root, file), { throwIfNoEntry: false })?.isFile()) throw new TemplateError(`${file}: is not a file (a symlink to a folder?), so it cannot be read; Argo CD fails the ApplicationSet the same way`);
  const text = readFileSync(join(root, file), 'utf8');
  let value: unknown;
  try {
    // JSON and YAML alike, as Argo CD reads them with yaml.Unmarshal (generators/git.go generateParamsFromGitFile):
    // a JSON file with a trailing comma (valid YAML flow syntax) parses there too. sigs.k8s.io/yaml reads the
    // first YAML document only.
    const [first] = parseAllDocuments(text);
    if (first && first.errors.length > 0) throw first.errors[0];
    value = first?.toJS() as unknown;
  } catch (e) {
    throw new TemplateError(`${file}: cannot be parsed (${(e as Error).message.split('\n')[0]}); Argo CD fails the ApplicationSet the same way`);
  }
  // Argo CD unmarshals a list of mappings first, then one mapping; a file that is valid but empty (nothing,
  // null, []) gives one item with only the path parameters ("If file is valid but empty, add a default empty
  // item"). A list item that is not a mapping (a null one is an empty mapping) fails both, and the set.
  if (value === null || value === undefined) return [{}];
  if (Array.isArray(value)) {
    if (value.some((v) => v !== null && !isRecord(v))) throw new TemplateError(`${file}: a git files generator file must hold a mapping or a list of mappings; Argo CD fails the ApplicationSet on this one`);
    return value.length === 0 ? [{}] : value.map((v) => (isRecord(v) ? v : {}));
  }
  if (isRecord(value)) return [value];
  throw new TemplateError(`${file}: a git files generator file must hold a mapping or a list of mappings; Argo CD fails the ApplicationSet on this one`);
}

/** The `path` parameters of a git generator: path, path.basename, path[n] / path.segments, file names. */
function pathParams(dir: string, file: string | undefined, prefix: string | undefined, goTemplate: boolean): Params {
  const segments = dir.split('/');
  const basename = segments[segments.length - 1];
  const path: Record<string, unknown> = { path: dir, basename, basenameNormalized: sanitizeName(basename) };
  if (file) {
    const filename = posix.basename(file);
    path.filename = filename;
    path.filenameNormalized = sanitizeName(filename);
  }
  if (goTemplate) {
    path.segments = segments;
    return prefix ? { [prefix]: { path } } : { path };
  }
  const key = prefix ? `${prefix}.path` : 'path';
  const out: Params = { [key]: dir };
  for (const [k, v] of Object.entries(path)) if (k !== 'path') out[`${key}.${k}`] = v;
  segments.forEach((s, i) => (out[`${key}[${i}]`] = s));
  return out;
}

function childGenerators(spec: unknown, kind: string, depth: number): unknown[] {
  if (depth >= 2) throw new NotExpanded(kind, `a ${kind} generator nested more than two levels deep, which Argo CD refuses`);
  return list(field(spec, 'generators'));
}

function matrixGenerator(spec: unknown, ctx: GeneratorContext, depth: number): Params[] {
  const children = childGenerators(spec, 'matrix', depth);
  if (children.length !== 2) throw new TemplateError(`a matrix generator needs exactly 2 generators, it has ${children.length}`);
  const out: Params[] = [];
  for (const first of generate(children[0], ctx, depth + 1)) {
    // The second generator may use the first's parameters (`{{path.basename}}` in its git path…).
    const second = templateValue(children[1], first, { ...ctx.mode, missingKeyError: false }, 'matrix.generators[1]');
    for (const p of generate(second, ctx, depth + 1)) {
      // Stopped as the product grows, before it is built: three short lists multiply into millions.
      if (out.length >= (ctx.maxParams ?? maxGeneratedApplications)) throw tooMany(ctx);
      out.push(combine(first, p, ctx.mode.goTemplate));
    }
  }
  return out;
}

/** Matrix combination: goTemplate deep-merges (the second wins); fasttemplate refuses a key with two values. */
function combine(a: Params, b: Params, goTemplate: boolean): Params {
  return tagged(combineUntagged(a, b, goTemplate), a, b);
}

function combineUntagged(a: Params, b: Params, goTemplate: boolean): Params {
  if (goTemplate) return deepMerge(structuredClone(a), b);
  const out: Params = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (Object.hasOwn(out, k) && out[k] !== v) throw new TemplateError(`found duplicate key ${k} with different value, a: ${String(out[k])} ,b: ${String(v)}`);
    out[k] = v;
  }
  return out;
}

function deepMerge(a: Params, b: Params): Params {
  for (const [k, v] of Object.entries(b)) {
    a[k] = isRecord(a[k]) && isRecord(v) ? deepMerge(a[k] as Params, v) : structuredClone(v);
  }
  return a;
}

function mergeGenerator(spec: unknown, ctx: GeneratorContext, depth: number): Params[] {
  const children = childGenerators(spec, 'merge', depth);
  const keys = list(field(spec, 'mergeKeys')).map(String);
  if (keys.length === 0) throw new TemplateError('a merge generator needs mergeKeys');
  if (children.length < 2) throw new TemplateError('a merge generator needs at least 2 generators');
  const keyOf = (p: Params) => {
    const flat = ctx.mode.goTemplate ? flattenParams(p) : (p as Record<string, unknown>);
    return JSON.stringify(keys.map((k) => flat[k] ?? null));
  };
  const base = generate(children[0], ctx, depth + 1).map((p) => tagged(structuredClone(p), p));
  for (const child of children.slice(1)) {
    const byKey = new Map<string, Params>();
    for (const p of generate(child, ctx, depth + 1)) {
      const key = keyOf(p);
      if (!byKey.has(key)) byKey.set(key, p);
    }
    for (let i = 0; i < base.length; i++) {
      const match = byKey.get(keyOf(base[i]));
      if (match) base[i] = tagged(ctx.mode.goTemplate ? deepMerge(base[i], match) : { ...base[i], ...match }, base[i], match);
    }
  }
  return base;
}
