import { mkdir, writeFile } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import type { Environment } from '../model/environment.ts';
import type { KubeObject, RenderedObject, SourceRef } from '../model/object.ts';
import { toRepoPath } from '../util/paths.ts';
import { classifyRef, refusalMessage } from '../util/remote-refs.ts';
import { helmPath, kubectlPath } from '../util/tools.ts';
import { inRepo, readManifest } from './files.ts';
import { fluxGeneratedResources } from './flux-generate.ts';
import { withCommonMetadata } from './flux-render.ts';
import { readOrigin, originRepoPath, rebasedBuildAnnotations, withoutOrigin } from './kustomize-origin.ts';
import { generatorEntry, patchesFor, readKustomizeSourceMap, type KustomizeSourceMap } from './kustomize-source-map.ts';
import { withFetchedCharts } from './kustomize-charts.ts';
import { overlayFields, overlayPatchFiles } from './kustomize-overlay.ts';
import { addInputs } from './kustomize-model/index.ts';
import { walkKustomizeTree, type KustomizeTree } from './kustomize-tree.ts';
import { runTool } from './process.ts';
import { renderTempDir } from './temp-dir.ts';
import { SourceIndex } from './provenance.ts';
import { sandboxPolicy } from './sandbox.ts';
import { invalidVariableNames, substitutionDisabled, substituteText, SubstitutionError, type SubstitutionBudget } from './substitute.ts';
import { abnormalEnd, quoteToolOutput } from './tool-error.ts';
import { toolEnv } from './tool-env.ts';
import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';
import { ToolDocuments } from './tool-documents.ts';
import { parseYamlDocuments, requireObjects } from './yaml-docs.ts';

/** `kubectl kustomize` on the environment's folder, through an overlay carrying Flux / Argo CD options. */
export const kustomizeRenderer: Renderer = { name: 'kustomize', render: (req) => renderKustomize(req, false) };

/** A Flux path without a kustomization file: the kustomization Flux would generate, then the same build. */
export const fluxGeneratedRenderer: Renderer = { name: 'flux-generated', render: (req) => renderKustomize(req, true) };

const defaultTimeoutMs = 120_000;

interface Inputs {
  index: SourceIndex;
  tree: KustomizeTree;
  /** Top-level resources of a generated kustomization, in Flux's order (repo paths). */
  generated?: string[];
  /** Where objects whose source cannot be found are attributed. */
  fallbackFile: string;
}

interface Build {
  root: string;
  env: Environment;
  inputs: Inputs;
  overlayDir: string;
  /** The folder of the user's kustomization as built (in `root`, or in the copy holding fetched charts). */
  buildDir: string;
  sourceMap: KustomizeSourceMap;
}

async function renderKustomize(req: RenderRequest, generated: boolean): Promise<RenderOutcome> {
  const { root, env, dir, opts } = req;
  const envRepo = toRepoPath(root, dir);
  // With a chart fetcher, a chart kustomize would pull is fetched by bosun (kustomize-charts.ts), not refused.
  const walk = { remoteCharts: opts.charts !== undefined };
  const inputs = generated ? await generatedInputs(root, env, envRepo, walk) : await kustomizationInputs(root, env, envRepo, walk);
  if (inputs.generated?.length === 0) return { ok: true, objects: [] }; // an empty Flux path applies nothing
  for (const component of env.kustomize?.components ?? []) {
    // Components of a Flux Kustomization or an Argo CD Application are repository content too.
    const cls = classifyRef(component);
    if (cls !== 'local') {
      throw new RenderFailure({ kind: cls === 'remote' ? 'render' : 'path', tool: 'kustomize', file: env.definedIn?.file, line: env.definedIn?.line, field: 'kustomize.components', message: refusalMessage(component, cls), ...(cls === 'remote' ? { notPreviewed: true as const } : {}) });
    }
    const repoPath = posix.normalize(posix.join(envRepo, component));
    inRepo(root, repoPath, { file: env.definedIn?.file, line: env.definedIn?.line, field: 'kustomize.components' });
    merge(inputs, await walkKustomizeTree(root, repoPath, walk));
  }
  const patchFiles = overlayPatchFiles(root, env, envRepo);
  for (const file of inputs.tree.resourceFiles) await indexFile(root, file, inputs.index, false);
  const sourceMap = await readKustomizeSourceMap(root, inputs.tree.kustomizations, env);

  const temp = await renderTempDir('bosun-kustomize-');
  const tmp = temp.dir;
  try {
    // The repository is never written to: everything bosun adds lives in this overlay (and, for remote
    // helmCharts, in a copy of what the build reads with the fetched charts where kustomize looks).
    const buildRoot = await withFetchedCharts({ root, trees: [inputs.tree], extraFiles: [...(inputs.generated ?? []), ...patchFiles], charts: opts.charts, tmp, ...(opts.signal ? { signal: opts.signal } : {}) }) ?? root;
    const buildDir = join(buildRoot, envRepo);
    const overlayDir = join(tmp, 'overlay');
    await mkdir(overlayDir);
    const resources = inputs.generated ? inputs.generated.map((p) => relative(overlayDir, join(buildRoot, p))) : [relative(overlayDir, buildDir)];
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources,
      ...overlayFields(env, (c) => relative(overlayDir, join(buildDir, c))),
      // kustomize honours buildMetadata only in the kustomization it builds (krusty kustomizer.go Run), which
      // is this overlay: the user's own options are carried up so that its build keeps them.
      buildMetadata: ['originAnnotations', ...rootBuildOptions(inputs.tree)],
    };
    // JSON is YAML without YAML 1.1 surprises: a namespace called `n` or `on` stays a string.
    await writeFile(join(overlayDir, 'kustomization.yaml'), JSON.stringify(kustomization, null, 2));

    // Plugins and exec functions stay off (kubectl's default): Flux and Argo CD refuse them too.
    const args = ['kustomize', overlayDir, '--load-restrictor', 'LoadRestrictionsNone'];
    if (inputs.tree.helmChartFiles.length > 0) args.push('--enable-helm', '--helm-command', helmPath());
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const build = postBuild({ root, env, inputs, overlayDir, buildDir, sourceMap });
    const output = new ToolDocuments(env, opts, build.document);
    const result = await runTool({
      command: kubectlPath(), args, cwd: tmp, env: toolEnv(tmp), limiter: opts.limiter, signal: opts.signal, timeoutMs,
      sandbox: { readOnly: [root, tmp], tools: inputs.tree.helmChartFiles.length > 0 ? [kubectlPath(), helmPath()] : [kubectlPath()] },
      onDocument: output.onDocument,
    });
    if (result.status === 'failed') {
      const aliases: Array<[string, string]> = [[relative(overlayDir, buildDir), envRepo]];
      for (const p of inputs.generated ?? []) aliases.push([relative(overlayDir, join(buildRoot, p)), p]);
      const quoted = quoteToolOutput(result.stderr || result.stdout, { root, temp: [tmp], aliases }, { dirs: [envRepo, ...inputs.tree.kustomizations.map((k) => posix.dirname(k))], files: inputs.tree.resourceFiles });
      const where = await locate(root, quoted, inputs);
      throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...where, message: `kustomize build of ${envRepo} failed: ${quoted}` });
    }
    if (result.status === 'stopped') throw output.stoppedProblem();
    if (result.status !== 'ok') throw new RenderFailure(abnormalEnd('kustomize', result, timeoutMs, inputs.fallbackFile, env.name));
    build.checkVariables();
    // Flux sets spec.commonMetadata on every object after the build and the substitution.
    return { ok: true, objects: withCommonMetadata(env, output.result()) };
  } finally {
    await temp.dispose();
  }
}

async function kustomizationInputs(root: string, env: Environment, envRepo: string, walk: { remoteCharts: boolean }): Promise<Inputs> {
  const tree = await walkKustomizeTree(root, envRepo, walk);
  if (tree.kustomizations.length === 0) {
    throw new RenderFailure({
      kind: 'render',
      tool: 'kustomize',
      file: env.definedIn?.file ?? envRepo,
      line: env.definedIn?.line,
      message: `${envRepo} has no kustomization.yaml, kustomization.yml or Kustomization file; add one or set the environment's render to plain or auto`,
    });
  }
  return { index: new SourceIndex(), tree, fallbackFile: tree.kustomizations[0] };
}

async function generatedInputs(root: string, env: Environment, envRepo: string, walk: { remoteCharts: boolean }): Promise<Inputs> {
  const found = await fluxGeneratedResources(root, envRepo);
  const tree: KustomizeTree = { kustomizations: [], resourceFiles: [], helmChartFiles: [], keepsOriginAnnotations: false };
  const inputs: Inputs = { index: new SourceIndex(), tree, generated: found.ordered, fallbackFile: env.definedIn?.file ?? envRepo };
  // Flux refuses a generated kustomization whose files are not Kubernetes YAML; so does bosun, naming the file.
  for (const file of found.files) await indexFile(root, file, inputs.index, true);
  for (const sub of found.dirs) merge(inputs, await walkKustomizeTree(root, sub, walk));
  return inputs;
}

/** The built kustomization's `buildMetadata` options bosun's overlay must carry (origin annotations it always asks for). */
function rootBuildOptions(tree: KustomizeTree): string[] {
  return (tree.buildMetadata ?? []).filter((o) => o === 'managedByLabel' || o === 'transformerAnnotations');
}

function merge(inputs: Inputs, t: KustomizeTree): void {
  inputs.tree.kustomizations.push(...t.kustomizations);
  inputs.tree.resourceFiles.push(...t.resourceFiles);
  inputs.tree.helmChartFiles.push(...t.helmChartFiles);
  // A component's or a nested folder's buildMetadata is not the built kustomization's: kustomize ignores it.
  inputs.tree.charts = [...(inputs.tree.charts ?? []), ...(t.charts ?? [])];
  // The build's inputs are known only while every tree merged in knows its own.
  if (inputs.tree.inputs && t.inputs) addInputs(inputs.tree.inputs, t.inputs);
  else delete inputs.tree.inputs;
}

async function indexFile(root: string, file: string, index: SourceIndex, strict: boolean): Promise<void> {
  let text: string;
  try {
    text = await readManifest(root, file);
  } catch (e) {
    // Provenance is best effort for files kustomize reads itself; a generated kustomization checks strictly.
    if (strict) throw e;
    return;
  }
  const parsed = parseYamlDocuments(text, file);
  if (!parsed.ok) {
    if (strict) throw new RenderFailure({ ...parsed.error, tool: 'kustomize' });
    return;
  }
  const checked = requireObjects(parsed.docs, file, 'kustomize');
  if (!checked.ok) {
    if (strict) throw new RenderFailure({ ...checked.error, message: `${checked.error.message} (Flux fails the same way: "failed to decode Kubernetes YAML")` });
    return;
  }
  for (const { object, line } of checked.objects) index.add(file, line, object);
}

/**
 * Kustomize names files in its errors, relative to the kustomization that referenced them ("accumulating
 * resources from 'app.yaml'"); point at the one named, with the YAML error line when we find one.
 */
async function locate(root: string, message: string, inputs: Inputs): Promise<{ file: string; line?: number }> {
  const files = [...inputs.tree.kustomizations, ...inputs.tree.resourceFiles, ...(inputs.generated ?? [])];
  const bases = [...new Set(inputs.tree.kustomizations.map((k) => posix.dirname(k)))];
  const spellings: Array<[string, string]> = [];
  for (const f of files) {
    spellings.push([f, f]);
    for (const b of bases) spellings.push([posix.relative(b, f), f]);
  }
  spellings.sort((a, b) => b[0].length - a[0].length);
  const named = spellings.find(([spelled]) => new RegExp(`(^|[\\s'"(])${escapeRegExp(spelled)}($|[\\s'":)])`).test(message))?.[1];
  if (!named) return { file: inputs.fallbackFile };
  try {
    const parsed = parseYamlDocuments(await readManifest(root, named), named);
    if (!parsed.ok) return { file: named, line: parsed.error.line };
  } catch {
    // a folder, or unreadable: the file name alone still helps
  }
  return { file: named };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Reads the build output one document at a time (as it streams in, tool-documents.ts), applies Flux
 * post-build substitution and attaches provenance. Invalid variable names are the render's error once
 * the build has succeeded (checkVariables), and then no document is read.
 */
function postBuild(build: Build): { document: (chunk: string, push: (object: RenderedObject) => void) => void; checkVariables: () => void } {
  const { env, inputs } = build;
  const vars = env.substitute && Object.keys(env.substitute).length > 0 ? env.substitute : undefined;
  const bad = vars ? invalidVariableNames(vars) : [];
  // What this render's substitutions may write in all (in bosun's process): as much as the tool may print.
  const budget: SubstitutionBudget = { chars: sandboxPolicy().outputBytes };
  const checkVariables = () => {
    if (bad.length === 0) return;
    throw new RenderFailure({
      kind: 'config',
      file: env.definedIn?.file,
      line: env.definedIn?.line,
      field: 'spec.postBuild.substitute',
      message: `invalid variable name(s) ${bad.map((b) => `"${b}"`).join(', ')}: names must match ^[_a-zA-Z][_a-zA-Z0-9]*$`,
    });
  };
  const rootFile = inputs.tree.kustomizations[0] ?? 'kustomization.yaml';
  const rebased = (o: KubeObject) => rebasedBuildAnnotations(o, build.overlayDir, build.buildDir, rootFile);
  const keep = (o: KubeObject) => (inputs.tree.keepsOriginAnnotations ? rebased(o) : rebased(withoutOrigin(o)));
  const document = (chunk: string, push: (object: RenderedObject) => void) => {
    if (bad.length > 0) return;
    for (const built of parseObjects(chunk)) {
      let object = keep(built);
      const unset = new Set<string>();
      if (vars && !substitutionDisabled(built)) {
        // Flux substitutes the text of each object after the build, then reads it back as YAML.
        const substituted = parseObjects(substitutedChunk(chunk, vars, () => sourceOf(built, object, build), unset, budget), () => sourceOf(built, object, build).file);
        object = keep(substituted[0] ?? built);
      }
      push({ object, source: sourceOf(built, object, build), ...(unset.size > 0 ? { unsetVariables: [...unset].sort() } : {}) });
    }
  };
  return { document, checkVariables };
}

/**
 * Flux's substitution of one object's text; a `${…}` its envsubst cannot parse fails the render, as it fails
 * the Kustomization in kustomize-controller ("envsubst error: variable substitution failed").
 */
function substitutedChunk(chunk: string, vars: Record<string, string>, source: () => SourceRef, unset: Set<string>, budget: SubstitutionBudget): string {
  try {
    return substituteText(chunk, vars, unset, budget);
  } catch (e) {
    if (!(e instanceof SubstitutionError)) throw e;
    const { file, line } = source();
    throw new RenderFailure({
      kind: 'render',
      tool: 'kustomize',
      file,
      ...(line !== undefined ? { line } : {}),
      message: `postBuild variable substitution: ${e.message}; kustomize-controller fails the whole Kustomization on it ("envsubst error"). Write $\${ for a literal \${, or annotate the object kustomize.toolkit.fluxcd.io/substitute: disabled`,
    });
  }
}

function parseObjects(text: string, substitutedFrom?: () => string): KubeObject[] {
  const label = 'kustomize output';
  const parsed = parseYamlDocuments(text, label);
  if (!parsed.ok) {
    throw new RenderFailure({
      kind: 'render',
      tool: 'kustomize',
      file: substitutedFrom?.(),
      message: substitutedFrom
        ? `after postBuild variable substitution the object is not valid YAML (${parsed.error.message}); check the substituted values`
        : `kustomize produced unreadable output: ${parsed.error.message}`,
    });
  }
  const checked = requireObjects(parsed.docs, label, 'kustomize');
  if (!checked.ok) throw new RenderFailure({ ...checked.error, file: substitutedFrom?.() });
  return checked.objects.map((o) => o.object);
}

/**
 * Where an object came from, from kustomize's origin annotation: the file of a resource and the line of
 * the document it was built from (also when kustomize changed it), or the kustomization and generator
 * entry that made it; plus the patches that apply to it, so a finding on a field a patch set points into
 * the patch. Without an origin (a remote base), the object is matched to the indexed resource files by
 * identity; failing that, it belongs to the kustomization.
 */
function sourceOf(built: KubeObject, rendered: KubeObject, build: Build): SourceRef {
  const { root, inputs, overlayDir, sourceMap } = build;
  const origin = readOrigin(built);
  const plain = withoutOrigin(built);
  let ref: SourceRef | undefined;
  let sourceDoc: KubeObject | undefined;
  if (origin && !origin.repo) {
    const file = origin.path ? originRepoPath(origin.path, overlayDir, root) : undefined;
    if (file) {
      const doc = inputs.index.documentIn(file, plain, rendered);
      ref = doc ? { file, line: doc.line } : { file };
      sourceDoc = doc?.object;
    }
    const kustomization = !ref && origin.configuredIn ? originRepoPath(origin.configuredIn, overlayDir, root) : undefined;
    if (kustomization) {
      const generator = typeof origin.configuredBy?.kind === 'string' ? origin.configuredBy.kind : undefined;
      const entry = generatorEntry(sourceMap, kustomization, generator, plain);
      ref = { file: kustomization, ...(entry ? { line: entry.line } : {}), ...(generator ? { generator } : {}) };
      if (entry) sourceDoc = { apiVersion: plain.apiVersion, kind: plain.kind, metadata: { name: entry.name } };
    }
  }
  if (!ref) {
    const doc = inputs.index.match(plain, rendered);
    ref = doc ? { file: doc.file, line: doc.line } : { file: inputs.fallbackFile };
    sourceDoc = doc?.object;
  }
  const patches = patchesFor(sourceMap, { built: plain, source: sourceDoc });
  return patches.length > 0 ? { ...ref, patches } : ref;
}
