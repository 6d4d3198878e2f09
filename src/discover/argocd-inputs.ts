import { join } from 'node:path';
import type { Environment } from '../model/environment.ts';
import { directoryFiles } from '../render/directory.ts';
import { normalizeRepoPath } from '../config/to-environment.ts';
import { emptyInputSet, type InputSet, type InputWalker, type RefSite } from './input-walker.ts';
import { detectRenderKind } from './render-kind.ts';

/**
 * The inputs of an Argo CD directory source: exactly the files reposerver reads (recurse, include,
 * exclude), computed at each commit, so a file added to a sub-folder Argo CD does not read affects
 * nothing. When the folder holds jsonnet, what it imports is not followed statically: the folder's
 * whole subtree and the `libs` folders count. Undefined for anything but a directory source.
 */
export async function directoryInputs(root: string, env: Environment, dirRel: string): Promise<InputSet | undefined> {
  if (!env.directory || env.render !== 'auto' && env.render !== 'plain') return undefined;
  if (env.render === 'auto' && detectRenderKind(join(root, dirRel)) !== 'plain') return undefined;
  const out = emptyInputSet();
  const files = await directoryFiles(root, dirRel, env.directory);
  for (const file of files) out.files.add(file);
  if (files.some((f) => f.endsWith('.jsonnet'))) {
    out.dirs.add(dirRel);
    for (const lib of env.directory.jsonnet?.libs ?? []) out.dirs.add(normalizeRepoPath(lib));
  }
  return out;
}

/**
 * The inputs of an environment whose chart is fetched (Argo CD Helm repository source): the Application
 * that defines it (its chart, version and values) and the value files of this repository it names
 * (`$values/…`). The chart itself is not in the repository; its version is in the definition.
 */
export function remoteChartInputs(env: Environment): InputSet | undefined {
  if (!env.remoteChart) return undefined;
  const out = emptyInputSet();
  if (env.definedIn?.file) out.files.add(env.definedIn.file);
  for (const file of env.definedByFiles ?? []) out.files.add(file);
  for (const v of env.remoteChart.valueFiles) if (v.from === 'repo') out.files.add(v.path);
  return out;
}

/**
 * The patch files of Argo CD `kustomize.patches[].path`, relative to the environment's folder (`dir`), where
 * Argo CD's kustomize reads them: a change to one changes the render. A missing one fails the build in
 * Argo CD, and here.
 */
export function kustomizePatchInputs(walker: InputWalker, env: Environment, dir: string, site: (field: string) => RefSite): InputSet {
  const out = emptyInputSet();
  for (const [i, p] of (env.kustomize?.patches ?? []).entries()) {
    if (!('path' in p)) continue;
    const s = site(`kustomize.patches[${i}].path`);
    const r = walker.paths.reference(dir, p.path, s);
    if (r.kind === 'missing') throw walker.missing(s, p.path, r.rel, 'patch file');
    out.files.add(r.rel);
    if (r.symlinkTarget) out.files.add(r.symlinkTarget);
  }
  return out;
}

/**
 * The inputs of a source a config management plugin renders: the plugin gets the source folder (Argo CD
 * streams it, or the whole repository, to the sidecar) and may read any file of it, so the folder's whole
 * subtree counts. Undefined for other sources.
 */
export function pluginInputs(env: Environment, dirRel: string): InputSet | undefined {
  if (env.argocdPlugin === undefined) return undefined;
  const out = emptyInputSet();
  out.dirs.add(dirRel);
  return out;
}
