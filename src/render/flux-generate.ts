import { listFiles } from './files.ts';
import { fluxGeneratedDir, fluxGeneratedFile } from './kustomize-model/index.ts';

/**
 * What Flux's kustomize-controller puts in the kustomization it generates for a path that has none, by
 * the kustomize model's rules (kustomize-model/flux-generator.ts: every .yaml/.yml file below the path
 * in lexical order, a sub-folder holding its own kustomization as a folder, source-controller's
 * exclusions left out). Files that are not Kubernetes YAML make Flux fail the reconciliation; the caller
 * checks them the same way.
 */
export async function fluxGeneratedResources(root: string, dirRepoPath: string): Promise<{ files: string[]; dirs: string[]; ordered: string[] }> {
  return listFiles(root, dirRepoPath, (name) => fluxGeneratedFile(name), (absDir, _repoPath, name) => fluxGeneratedDir(absDir, name));
}
