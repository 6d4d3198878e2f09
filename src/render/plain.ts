import type { RenderedObject } from '../model/object.ts';
import { toRepoPath } from '../util/paths.ts';
import { kustomizationFileNames } from './kustomize-model/index.ts';
import { listFiles, readManifest } from './files.ts';
import { parseYamlDocuments, requireObjects } from './yaml-docs.ts';
import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';

const manifestFile = /\.(ya?ml|json)$/i;
/** kustomize's own files (kustomization.yaml, Component files of kustomize.config.k8s.io): never objects to apply. */
const kustomizeApi = /^kustomize\.config\.k8s\.io\//;

/** Every YAML/JSON file below the folder, in path order, each object with its file and line. */
export const plainRenderer: Renderer = {
  name: 'plain',
  async render({ root, dir }: RenderRequest): Promise<RenderOutcome> {
    const { files } = await listFiles(root, toRepoPath(root, dir), (name) => manifestFile.test(name) && !(kustomizationFileNames as readonly string[]).includes(name));
    const objects: RenderedObject[] = [];
    for (const file of files) {
      const parsed = parseYamlDocuments(await readManifest(root, file), file);
      if (!parsed.ok) throw new RenderFailure(parsed.error);
      const checked = requireObjects(parsed.docs, file);
      if (!checked.ok) throw new RenderFailure(checked.error);
      for (const { object, line } of checked.objects) {
        // A kustomization document (a Flux bootstrap folder's kustomization.yaml seen by the plain fallback) is
        // configuration for kustomize, not an object for the cluster.
        if (kustomizeApi.test(object.apiVersion)) continue;
        objects.push({ object, source: { file, line } });
      }
    }
    return { ok: true, objects };
  },
};
