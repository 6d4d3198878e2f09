import { posix } from 'node:path';
import { repoConfigFiles } from '../config/load-repo-config.ts';
import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { needsAssembly } from '../model/flux-source.ts';
import { fluxArtifactInputs } from './flux-inputs.ts';
import { directoryInputs, kustomizePatchInputs, pluginInputs, remoteChartInputs } from './argocd-inputs.ts';
import { addInputs, emptyInputSet, InputWalker, type InputsCache, type InputSet, type RefSite } from './input-walker.ts';
import { fleetInputs } from './fleet-inputs.ts';
import { isHelmChart } from './render-kind.ts';
import { literalPrefix } from './notes.ts';
import type { EnvInputs } from './types.ts';

/**
 * Every repository path the render of `env` at checkout `root` reads, found statically. Throws
 * `BosunError` kind 'path' for references that leave the repository and kind 'render' for references
 * to files that do not exist, naming the file, line and field that holds the reference. Pass one
 * `cache` to all calls of a plan: shared bases are then parsed once.
 */
export async function collectInputs(root: string, env: Environment, cache: InputsCache = new Map()): Promise<EnvInputs> {
  // A Flux environment whose files are an artifact (ExternalArtifact, ignore rules, includes).
  if (needsAssembly(env.fluxSource)) return fluxArtifactInputs(root, env, collectInputs);
  if (env.helmRelease) {
    // Rendered from its Kustomization's output: what that reads, plus its chart and values sources.
    const parent = await collectInputs(root, env.helmRelease.parent, cache);
    const own = env.helmRelease.inputs;
    return finish({ files: new Set([...parent.files, ...own.files]), dirs: new Set([...parent.dirs, ...own.dirs]), ...(parent.unsure !== undefined ? { unsure: parent.unsure } : {}) });
  }
  // A Flux Kustomization whose fields wait for the applying Kustomization's variables: until the plan
  // substitutes them, what its path may name — the folder its path starts with (flux-child-fields.ts).
  const pending = pendingInputs(env);
  if (pending) return finish(pending);
  // A chart fetched from a Helm repository (Argo CD): the Application and the value files it names here.
  const remote = remoteChartInputs(env);
  if (remote) return finish(remote);
  // A helmCharts chart with a remote repo is fetched by the renderer (render/kustomize-charts.ts), or refused
  // there without a chart fetcher: here its inputs are the kustomization that names it. A remote base is
  // refused by the renderer too; here it is kept out of the inputs (its reference is in the kustomization).
  const walker = new InputWalker(root, cache, { remoteCharts: true, remoteBases: true });
  const out = emptyInputSet();
  if (env.definedIn?.file) out.files.add(env.definedIn.file);
  for (const file of env.definedByFiles ?? []) out.files.add(file);
  // Adding or removing a config file changes which environments exist and how they are defined.
  if (env.source === 'config') for (const file of repoConfigFiles) out.files.add(file);

  const site = definitionSite(env);
  const path = walker.resolve('.', env.path, site('path'));
  if (path.kind !== 'dir') {
    throw new BosunError({
      kind: 'render',
      file: env.definedIn?.file,
      line: env.definedIn?.line,
      field: site('path').field,
      message: path.kind === 'missing' ? `path "${env.path}" does not exist; fix the path or add the folder` : `path "${env.path}" is a file; an environment path must be a folder`,
    });
  }
  if (path.symlinkTarget) out.dirs.add(path.symlinkTarget);

  addInputs(out, (await directoryInputs(root, env, path.rel)) ?? pluginInputs(env, path.rel) ?? renderInputs(walker, env, path.rel, path.abs, site));
  for (const [i, component] of (env.kustomize?.components ?? []).entries()) {
    const s = site(`kustomize.components[${i}]`);
    const r = walker.paths.reference(path.rel, component, s);
    if (r.kind === 'missing') throw walker.missing(s, component, r.rel, 'component folder');
    addInputs(out, r.kind === 'dir' ? walker.kustomization(r.rel, s) : fileSet(r.rel));
  }
  addInputs(out, kustomizePatchInputs(walker, env, path.rel, site));
  return finish(out);
}

function renderInputs(walker: InputWalker, env: Environment, dir: string, abs: string, site: (field: string) => RefSite): InputSet {
  if (env.render === 'fleet') return fleetInputs(walker, env, dir, site);
  const hasKustomization = walker.kustomizationFiles(abs).length > 0;
  const render = env.render === 'auto' ? (hasKustomization ? 'kustomize' : isHelmChart(abs) && env.source !== 'flux' ? 'helm' : 'plain') : env.render;
  if (render === 'kustomize' && hasKustomization) return walker.kustomization(dir, site('path'));
  if (render === 'helm') {
    const out = emptyInputSet();
    addInputs(out, walker.helmChart(dir));
    // Value files and Argo CD `helm.fileParameters` (--set-file) are read from wherever they point. With
    // Argo CD `ignoreMissingValueFiles` a missing value file is skipped, and creating it changes the render.
    const files = [
      ...(env.helm?.valueFiles ?? []).map((file, i) => ({ file, field: `helm.valueFiles[${i}]`, optional: env.helm?.ignoreMissingValueFiles === true })),
      ...(env.helm?.fileParameters ?? []).map((p, i) => ({ file: p.path, field: `helm.fileParameters[${i}].path`, optional: false })),
    ];
    for (const { file, field, optional } of files) {
      const s = site(field);
      const r = walker.paths.reference(dir, file, s);
      if (r.kind === 'missing' && !optional) throw walker.missing(s, file, r.rel, 'file');
      out.files.add(r.rel);
      if (r.symlinkTarget) out.files.add(r.symlinkTarget);
    }
    return out;
  }
  // Plain folders and Flux paths without a kustomization file (Flux generates one, taking nested
  // kustomization folders as they are).
  return walker.subtree(dir, env.source === 'flux');
}

/** Field names as written in the object that defines the environment, for error messages. */
function definitionSite(env: Environment): (field: string) => RefSite {
  const prefix = env.source === 'flux' ? 'spec.' : env.source === 'argocd' ? 'spec.source.' : '';
  return (field) => ({
    file: env.definedIn?.file ?? env.path,
    field: `${prefix}${field}`,
    line: () => env.definedIn?.line,
  });
}

/** A `fluxPending` environment: its files, and the literal folder its path starts with (the whole repository when it starts with `${…}`). */
function pendingInputs(env: Environment): InputSet | undefined {
  if (!env.fluxPending) return undefined;
  const out = emptyInputSet();
  if (env.definedIn?.file) out.files.add(env.definedIn.file);
  for (const file of env.definedByFiles ?? []) out.files.add(file);
  out.dirs.add(literalPrefix(env.path) ?? '.');
  return out;
}

function fileSet(file: string): InputSet {
  const out = emptyInputSet();
  out.files.add(file);
  return out;
}

/** Sorted, without files already covered by a folder. */
function finish(set: InputSet): EnvInputs {
  const dirs = [...set.dirs].sort();
  const covered = (file: string) => dirs.some((d) => d === '.' || file.startsWith(`${d}/`));
  const files = [...set.files].filter((f) => !covered(f)).sort();
  const result: EnvInputs = { files, dirs: dropNested(dirs) };
  if (set.unsure !== undefined) result.unsure = set.unsure;
  return result;
}

function dropNested(dirs: string[]): string[] {
  return dirs.filter((d) => !dirs.some((o) => o !== d && (o === '.' || d.startsWith(`${o}/`))));
}

/** Whether a repo-relative file is one of the inputs. */
export function isInput(inputs: EnvInputs, file: string): boolean {
  const normal = posix.normalize(file).replace(/^\.\//, '');
  return inputs.files.includes(normal) || inputs.dirs.some((d) => d === '.' || normal === d || normal.startsWith(`${d}/`));
}
