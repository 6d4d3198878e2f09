import type { RenderedObject } from '../model/object.ts';
import { gobwasGlob } from '../util/argocd-glob.ts';
import { toRepoPath } from '../util/paths.ts';
import { listFiles, readManifest } from './files.ts';
import { evaluateJsonnet, jsonnetPath } from './jsonnet.ts';
import { parseYamlDocuments, requireObjects } from './yaml-docs.ts';
import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';
import type { DirectoryOptions } from '../model/environment.ts';

/** reposerver's skipFileRenderingMarker: a directory source's file that holds it anywhere is skipped. */
const skipFileRenderingMarker = '+argocd:skip-file-rendering';

/** reposerver's manifestFile pattern: what a directory source reads. */
const manifestFile = /\.(yaml|yml|json|jsonnet)$/;

/**
 * The files of an Argo CD directory source, as reposerver findManifests walks it: filepath.Walk order
 * (sorted names, depth first), sub-folders only with `recurse`, names ending .yaml/.yml/.json/.jsonnet,
 * then `exclude` and `include` (gobwas globs without separators) on the path relative to the folder.
 * Repo paths. Shared with input analysis so that what is rendered and what counts as an input agree.
 */
export async function directoryFiles(root: string, dirRepoPath: string, options: DirectoryOptions): Promise<string[]> {
  const include = options.include ? gobwasGlob(options.include) : undefined;
  const exclude = options.exclude ? gobwasGlob(options.exclude) : undefined;
  const base = dirRepoPath === '.' ? '' : `${dirRepoPath}/`;
  const { files } = await listFiles(root, dirRepoPath, (name, repoPath) => {
    if (!manifestFile.test(name)) return false;
    const rel = repoPath.slice(base.length);
    if (exclude?.test(rel)) return false;
    return !include || include.test(rel);
  }, () => (options.recurse ? 'descend' : 'skip'));
  return files;
}

/**
 * An Argo CD directory source (an Application's plain folder): YAML and JSON files as the plain renderer
 * reads them, jsonnet evaluated with the source's `directory.jsonnet` options. Without a jsonnet
 * binary, jsonnet files are left out (discovery says so in a not-previewed note).
 */
export const directoryRenderer: Renderer = {
  name: 'directory',
  async render({ root, env, dir, opts }: RenderRequest): Promise<RenderOutcome> {
    const options = env.directory ?? { recurse: false };
    const files = await directoryFiles(root, toRepoPath(root, dir), options);
    const objects: RenderedObject[] = [];
    const canEvaluate = jsonnetPath() !== undefined;
    for (const file of files) {
      // reposerver getPotentiallyValidManifestFile: a file holding the marker is not rendered, whatever its kind.
      const text = await readManifest(root, file);
      if (text.includes(skipFileRenderingMarker)) continue;
      if (file.endsWith('.jsonnet')) {
        if (!canEvaluate) continue;
        for (const object of await evaluateJsonnet({ root, env, file, appDir: dir, options: options.jsonnet ?? {}, opts, counted: objects.length })) objects.push({ object, source: { file } });
        continue;
      }
      const parsed = parseYamlDocuments(text, file);
      if (!parsed.ok) throw new RenderFailure(parsed.error);
      const checked = requireObjects(parsed.docs, file);
      if (!checked.ok) {
        if (unrelatedYaml(file, text, parsed.docs[0]?.line === checked.error.line)) continue;
        throw new RenderFailure(checked.error);
      }
      for (const { object, line } of checked.objects) objects.push({ object, source: { file, line } });
    }
    return { ok: true, objects };
  },
};

/**
 * A YAML file whose first document is no Kubernetes object and whose text does not look like one: reposerver
 * getObjsFromYAMLOrJSON ignores it ("it might be an unrelated YAML file which we will ignore") unless the
 * text holds all of `apiVersion:`, `kind:` and `metadata:`. A bad document after good ones, or in a JSON
 * file, fails the render there as here.
 */
function unrelatedYaml(file: string, text: string, failsAtFirst: boolean): boolean {
  if (!failsAtFirst || file.endsWith('.json')) return false;
  return !(text.includes('apiVersion:') && text.includes('kind:') && text.includes('metadata:'));
}
