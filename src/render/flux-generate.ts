import { kustomizationFileIn } from './detect.ts';
import { listFiles } from './files.ts';

/**
 * source-controller's default exclusions (fluxcd/pkg sourceignore: VCS, CI and tool files). They never
 * reach kustomize-controller, so they are not part of a generated kustomization either. Patterns without
 * a slash match at any depth, as in .gitignore.
 */
const ignoredDirs = new Set(['.git', '.github', '.circleci']);
const ignoredFiles = new Set([
  '.gitignore', '.gitmodules', '.gitattributes',
  '.travis.yml', '.gitlab-ci.yml', 'appveyor.yml', '.drone.yml', 'cloudbuild.yaml', 'codeship-services.yml', 'codeship-steps.yml',
  '.goreleaser.yml', '.sops.yaml', '.flux.yaml',
]);

/**
 * What Flux's kustomize-controller puts in the kustomization it generates for a path that has none
 * (fluxcd/pkg kustomize generator): every .yaml/.yml file below the path, walked in lexical order, except
 * that a sub-folder holding its own kustomization is added as a folder and not descended into. Files that
 * are not Kubernetes YAML make Flux fail the reconciliation; the caller checks them the same way.
 */
export async function fluxGeneratedResources(root: string, dirRepoPath: string): Promise<{ files: string[]; dirs: string[]; ordered: string[] }> {
  return listFiles(
    root,
    dirRepoPath,
    (name) => /\.ya?ml$/.test(name) && !ignoredFiles.has(name),
    (absDir, _repoPath, name) => (ignoredDirs.has(name) ? 'skip' : kustomizationFileIn(absDir) ? 'unit' : 'descend'),
  );
}
