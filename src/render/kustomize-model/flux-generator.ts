import { kustomizationFilesIn } from './names.ts';

/**
 * Flux's generated kustomization (fluxcd/pkg kustomize generator), for a Flux path that has none: every
 * .yaml/.yml file below the path, walked in lexical order, except that a sub-folder holding its own
 * kustomization is added as a folder and not descended into. The one statement of these rules in bosun:
 * the renderer lists the generated resources by them (render/flux-generate.ts) and affected detection
 * follows the same sub-folders (KustomizeModel.subtree with `nested`), so the two cannot disagree.
 *
 * source-controller's default exclusions (fluxcd/pkg sourceignore: VCS, CI and tool files) never reach
 * kustomize-controller, so they are not part of a generated kustomization either. Patterns without a
 * slash match at any depth, as in .gitignore.
 */
const ignoredDirs = new Set(['.git', '.github', '.circleci']);
const ignoredFiles = new Set([
  '.gitignore', '.gitmodules', '.gitattributes',
  '.travis.yml', '.gitlab-ci.yml', 'appveyor.yml', '.drone.yml', 'cloudbuild.yaml', 'codeship-services.yml', 'codeship-steps.yml',
  '.goreleaser.yml', '.sops.yaml', '.flux.yaml',
]);

/** Whether the generator lists a file of this name as a resource (files that are not Kubernetes YAML make Flux fail). */
export function fluxGeneratedFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !ignoredFiles.has(name);
}

/**
 * What the generator does with a sub-folder (`absDir`, named `name`): skips it (an exclusion), takes it
 * as one resource (it holds a kustomization) or descends into it.
 */
export function fluxGeneratedDir(absDir: string, name: string, kustomizationFiles: (absDir: string) => string[] = kustomizationFilesIn): 'skip' | 'unit' | 'descend' {
  if (ignoredDirs.has(name)) return 'skip';
  return kustomizationFiles(absDir).length > 0 ? 'unit' : 'descend';
}
