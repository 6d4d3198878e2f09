// Argo CD, as its documentation says it renders an Application's sources: Helm (Chart.yaml; value files
// relative to the chart, `$ref/…` from a `ref` source, inline values, parameters, release name = the
// Application's name unless set, destination namespace), Kustomize (a kustomization file), or a plain
// directory (*.yaml, *.yml, *.json, *.jsonnet; not recursive unless `directory.recurse`; include/exclude;
// jsonnet through the jsonnet binary: oracle-argocd-directory.ts). A source that follows another revision
// than the default branch is pinned. Of what it renders, a sync applies what oracle-argocd-hooks.ts says.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse, stringify } from 'yaml';
import type { OracleDeployment } from './corpus.ts';
import { copyDir, filesIn, helmTemplate, kustomizeBuild, parseDocs, readDocs, type Obj } from './oracle-tools.ts';
import type { DeploymentState, OracleContext, Tree } from './oracle-types.ts';
import { findObject } from './oracle-flux.ts';
import { haveJsonnet, renderDirectory, type DirectorySpec } from './oracle-argocd-directory.ts';
import { appliedBySync } from './oracle-argocd-hooks.ts';

type Source = Record<string, unknown>;

const sameRepo = (a: unknown, b: string): boolean => typeof a === 'string' && a.replace(/\.git$/, '').replace(/\/+$/, '').toLowerCase() === b.replace(/\.git$/, '').replace(/\/+$/, '').toLowerCase();

/** A git pathspec glob as a regular expression: `*` within one folder name, a `**` segment any folders. */
function globRegex(glob: string): RegExp {
  const escape = (part: string) => part.replace(/[.+?^$()|[\]{}\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  const parts = glob.split('/');
  const body = parts.map((part, i) => (part === '**' ? '(?:[^/]+/)*' : `${escape(part)}${i < parts.length - 1 ? '/' : ''}`)).join('');
  return new RegExp(`^${body}$`);
}

/**
 * Whether the ApplicationSet fails to generate at this commit: a file its git files generator matches does not
 * parse (applicationset/generators/git.go generateParamsFromGitFile: "unable to parse file", and GenerateApplications
 * fails the whole set).
 */
async function appSetFails(d: OracleDeployment, tree: Tree): Promise<boolean> {
  const patterns = d.argocd?.generatedBy?.files ?? [];
  if (patterns.length === 0) return false;
  const regexes = patterns.map(globRegex);
  for (const file of await filesIn(tree.dir, true)) {
    if (!regexes.some((r) => r.test(file))) continue;
    try {
      // The generator reads JSON and YAML alike with yaml.Unmarshal (generateParamsFromGitFile): a JSON file with a trailing comma parses.
      parse(await readFile(join(tree.dir, file), 'utf8'));
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * The Application this deployment is, at this commit: from its file, from its parent's render, or as generated.
 * While its ApplicationSet fails, Argo CD changes none of its Applications (applicationset_controller.go
 * Reconcile returns first): the Application is the one generated at the last commit where it did not fail.
 */
export async function applicationOf(ctx: OracleContext, d: OracleDeployment, tree: Tree): Promise<Obj | undefined> {
  if (d.argocd?.generatedBy && await appSetFails(d, tree)) {
    const before = await ctx.previous(tree);
    return before ? applicationOf(ctx, d, before) : undefined;
  }
  return generatedOrDefined(ctx, d, tree);
}

async function generatedOrDefined(ctx: OracleContext, d: OracleDeployment, tree: Tree): Promise<Obj | undefined> {
  const a = d.argocd!;
  if (a.file) return findObject(await readDocs(join(tree.dir, a.file)), 'argoproj.io/', 'Application', a.name);
  if (a.in) {
    const parent = await ctx.stateOf(a.in, tree);
    return parent.kind === 'objects' ? findObject(parent.objects, 'argoproj.io/', 'Application', a.name) : undefined;
  }
  if (!a.application) return undefined;
  let application = a.application;
  if (a.params) {
    // The git files generator: the file's keys are the template's parameters, read at this commit.
    const file = join(tree.dir, a.params);
    if (!existsSync(file)) return undefined;
    const params = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    application = JSON.parse(JSON.stringify(application).replace(/\{\{\s*\.([\w.]+)\s*\}\}/g, (_m, key: string) => {
      if (!(key in params)) throw new Error(`oracle: ${d.env}: parameter ${key} is not in ${a.params} (missingkey=error)`);
      return String(params[key]).replace(/["\\]/g, '\\$&');
    })) as Record<string, unknown>;
  }
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: a.name }, ...application };
}

export async function renderArgoApplication(ctx: OracleContext, d: OracleDeployment, app: Obj, tree: Tree): Promise<DeploymentState> {
  const spec = (app.spec ?? {}) as Record<string, unknown>;
  const sources: Source[] = Array.isArray(spec.sources) ? (spec.sources as Source[]) : [spec.source as Source];
  const destination = (spec.destination ?? {}) as Record<string, unknown>;
  const namespace = typeof destination.namespace === 'string' ? destination.namespace : undefined;
  const follows = (s: Source) => [undefined, '', 'HEAD', ctx.defaultBranch].includes(s.targetRevision as string | undefined);
  const refs = new Map<string, Source>(sources.filter((s) => typeof s.ref === 'string').map((s) => [s.ref as string, s]));

  const objects: Obj[] = [];
  for (let source of sources) {
    if (source.path === undefined && typeof source.ref === 'string') continue; // a values-only source
    if (!sameRepo(source.repoURL, ctx.repoUrl)) throw new Error(`oracle: ${d.env}: source ${String(source.repoURL)} is not this repository (do not declare it)`);
    if (source.chart !== undefined) throw new Error(`oracle: ${d.env}: Helm repository charts are not rendered by the oracle`);
    if (!follows(source)) return { kind: 'pinned', ref: `targetRevision ${String(source.targetRevision)}` };
    const path = posix.normalize(String(source.path));
    const dir = join(tree.dir, path);
    if (!existsSync(dir)) throw new Error(`oracle: ${d.env}: path ${path} does not exist`);
    source = await withParameterOverrides(source, dir, instanceName(app));
    // A config management plugin renders it (reposerver runConfigManagementPluginSidecars): whatever it prints.
    if (source.plugin !== undefined && source.plugin !== null) return { kind: 'opaque', inputs: [path], why: 'a config management plugin', unrenderable: true };
    if (existsSync(join(dir, 'Chart.yaml'))) {
      objects.push(...await renderHelm(d, app, source, dir, namespace ?? 'default', refs, follows, tree));
    } else if (['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) => existsSync(join(dir, f)))) {
      // A remote base (`github.com/org/repo/path?ref=v1`, an https URL): kustomize clones it; the oracle fetches nothing.
      if (await hasRemoteResource(dir)) return { kind: 'opaque', inputs: [path], why: 'a remote kustomize base, which the oracle does not fetch', unrenderable: true };
      if (source.kustomize === undefined) objects.push(...await kustomizeBuild(dir, tree.dir));
      else objects.push(...await kustomizeWithOptions(d, source.kustomize as Record<string, unknown>, path, tree));
    } else {
      const directory = (source.directory ?? {}) as DirectorySpec;
      for (const key of Object.keys(directory)) if (!['recurse', 'include', 'exclude', 'jsonnet'].includes(key)) throw new Error(`oracle: ${d.env}: directory.${key} is not modelled`);
      const files = await filesIn(dir, directory.recurse === true);
      if (files.some((f) => /\.jsonnet$/.test(f)) && !await haveJsonnet()) return { kind: 'opaque', inputs: [path], why: 'jsonnet (no jsonnet binary for the oracle)' };
      objects.push(...await renderDirectory(tree.dir, path, directory, String((app.metadata as Record<string, unknown>).name), namespace));
    }
  }
  return { kind: 'objects', objects: objects.filter(appliedBySync), ...(namespace ? { defaultNamespace: namespace } : {}) };
}

/** Whether a kustomization folder lists a remote resource (kustomize's remote targets: a URL, or host/org/repo with `?ref=`). */
async function hasRemoteResource(dir: string): Promise<boolean> {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f))!;
  const k = (parse(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  return ((k.resources ?? []) as unknown[]).some((r) => typeof r === 'string' && (/^[a-z+]+:\/\//.test(r) || /^git@/.test(r) || /\?ref=/.test(r) || /^(github|gitlab|bitbucket)\.(com|org)\//.test(r)));
}

/**
 * Argo CD's parameter override files (docs user-guide/parameters.md, "Store Overrides In Git"): the repo
 * server merges `.argocd-source.yaml`, then `.argocd-source-<appName>.yaml`, from the source folder into the
 * source as JSON merge patches; where the source comes from (repoURL, path, chart, targetRevision) stays.
 * `<appName>` is the Application's instance name (instanceName).
 */
async function withParameterOverrides(source: Source, dir: string, appName: string): Promise<Source> {
  let out: Source = source;
  for (const name of ['.argocd-source.yaml', `.argocd-source-${appName}.yaml`]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    out = jsonMergePatch(out, parse(await readFile(file, 'utf8'))) as Source;
  }
  return { ...out, repoURL: source.repoURL, path: source.path, targetRevision: source.targetRevision };
}

/**
 * The name the controller gives the repo server (app.InstanceName(controllerNamespace), pkg/apis/application/
 * v1alpha1): the bare name in Argo CD's own namespace (`argocd` in the corpus) or without one, else
 * `<namespace>_<name>` (Applications in any namespace).
 */
function instanceName(app: Obj): string {
  const meta = (app.metadata ?? {}) as Record<string, unknown>;
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'argocd';
  return namespace === 'argocd' ? String(meta.name) : `${namespace}_${String(meta.name)}`;
}

/** RFC 7386, section 2's MergePatch function. */
function jsonMergePatch(target: unknown, patch: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const name of Object.keys(patch)) {
    if (patch[name] === null) delete result[name];
    else result[name] = jsonMergePatch(result[name], patch[name]);
  }
  return result;
}

/**
 * Argo CD applies an Application's kustomize options with `kustomize edit` in the source folder before the
 * build: set image, set nameprefix / namesuffix / namespace, add label / annotation (as commonLabels /
 * commonAnnotations); `patches` it appends to the kustomization's own (util/kustomize/kustomize.go), so a
 * patch `path` is relative to the source folder. Here the same fields are written into a copy's kustomization file.
 */
async function kustomizeWithOptions(d: OracleDeployment, options: Record<string, unknown>, path: string, tree: Tree): Promise<Obj[]> {
  for (const key of Object.keys(options)) {
    if (!['images', 'namePrefix', 'nameSuffix', 'namespace', 'commonLabels', 'commonAnnotations', 'patches'].includes(key)) throw new Error(`oracle: ${d.env}: kustomize.${key} is not modelled`);
  }
  const root = await copyDir(tree.dir, 'argocd-kustomize');
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(root, path, f)).find((f) => existsSync(f))!;
  const k = (parse(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  for (const key of ['namePrefix', 'nameSuffix', 'namespace'] as const) if (typeof options[key] === 'string') k[key] = options[key];
  for (const key of ['commonLabels', 'commonAnnotations'] as const) {
    if (options[key]) k[key] = { ...((k[key] ?? {}) as object), ...(options[key] as object) };
  }
  const images = [...((k.images ?? []) as Array<Record<string, string>>)];
  for (const spec of (options.images ?? []) as string[]) {
    // `name=newName:tag`, `name:tag`, `name@digest` (kustomize edit set image).
    const [name0, rest0] = spec.includes('=') ? spec.split('=', 2) : [undefined, spec];
    const at = rest0.indexOf('@');
    const colon = rest0.lastIndexOf(':');
    const image: Record<string, string> = {};
    let newName = rest0;
    if (at >= 0) {
      image.digest = rest0.slice(at + 1);
      newName = rest0.slice(0, at);
    } else if (colon > rest0.lastIndexOf('/')) {
      image.newTag = rest0.slice(colon + 1);
      newName = rest0.slice(0, colon);
    }
    image.name = name0 ?? newName;
    if (name0 !== undefined) image.newName = newName;
    const index = images.findIndex((i) => i.name === image.name);
    if (index >= 0) images[index] = image;
    else images.push(image);
  }
  if (images.length > 0) k.images = images;
  if (Array.isArray(options.patches)) k.patches = [...((k.patches ?? []) as unknown[]), ...options.patches];
  await writeFile(file, stringify(k));
  return kustomizeBuild(join(root, path), root);
}

async function renderHelm(d: OracleDeployment, app: Obj, source: Source, dir: string, namespace: string, refs: Map<string, Source>,
  follows: (s: Source) => boolean, tree: Tree): Promise<Obj[]> {
  const helm = (source.helm ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(helm)) {
    if (!['valueFiles', 'values', 'valuesObject', 'parameters', 'releaseName', 'skipCrds', 'ignoreMissingValueFiles'].includes(key)) throw new Error(`oracle: ${d.env}: helm.${key} is not modelled`);
  }
  // reposerver/repository/repository.go getResolvedValueFiles: with ignoreMissingValueFiles a value file that
  // does not exist is left out ("values file does not exist"; continue).
  const valueFiles = ((helm.valueFiles ?? []) as string[]).map((f) => {
    const ref = /^\$([^/]+)\/(.*)$/.exec(f);
    if (!ref) return join(dir, f);
    const refSource = refs.get(ref[1]);
    if (!refSource || !follows(refSource)) throw new Error(`oracle: ${d.env}: value file ${f}: its ref source is not this repository's default branch`);
    return join(tree.dir, posix.normalize(ref[2]));
  }).filter((file) => helm.ignoreMissingValueFiles !== true || existsSync(file));
  let values: Record<string, unknown> | undefined;
  if (helm.valuesObject) values = helm.valuesObject as Record<string, unknown>;
  else if (typeof helm.values === 'string') values = parseDocs(helm.values, `${d.env}: helm.values`)[0];
  const set = ((helm.parameters ?? []) as Array<{ name: string; value: string; forceString?: boolean }>).map((p) => ({ name: p.name, value: String(p.value), forceString: p.forceString }));
  return helmTemplate({
    root: tree.dir,
    chartDir: dir,
    release: (helm.releaseName as string | undefined) ?? String((app.metadata as Record<string, unknown>).name),
    namespace,
    valueFiles,
    ...(values ? { values } : {}),
    set,
    includeCrds: helm.skipCrds !== true,
  });
}
