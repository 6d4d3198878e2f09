import { BosunError } from '../model/errors.ts';
import { resolveInRepo } from '../util/paths.ts';
import { checkChartFolder } from './chart-checks.ts';
import { KustomizeModel, type InputSet, type KustomizeChart } from './kustomize-model/index.ts';
import { RenderFailure } from './types.ts';

/** What a kustomize build reads locally, from the kustomize model, checked before kustomize runs. */
export interface KustomizeTree {
  /** Repo paths of every kustomization file reached, root first. */
  kustomizations: string[];
  /** Repo paths of files listed under `resources` (the only place pass-through objects come from). */
  resourceFiles: string[];
  /** Kustomization files that declare `helmCharts` (kustomize must then run with --enable-helm). */
  helmChartFiles: string[];
  /** The built kustomization asks for origin annotations itself, so they are part of the desired state. */
  keepsOriginAnnotations: boolean;
  /** The built kustomization's `buildMetadata` options (kustomize ignores a base's). */
  buildMetadata?: string[];
  /** The charts kustomize inflates (vendored; with `remoteCharts`, also those to fetch: `vendored: false`). */
  charts?: KustomizeChart[];
  /** Every repository path the build reads (the model's inputs). */
  inputs?: InputSet;
}

/**
 * The kustomization in `dirRepoPath` and everything it references, read by the kustomize model
 * (kustomize-model/) — the same walk affected detection takes its inputs from. What the model refuses
 * (remote and absolute references, paths leaving the repository, missing files, a chart kustomize would
 * pull) and a kustomization that is not valid YAML fail the render with the file, line and field; each
 * chart kustomize inflates is checked like any chart helm reads. A folder without a kustomization file
 * gives an empty tree (the caller words that error).
 */
export async function walkKustomizeTree(root: string, dirRepoPath: string, opts: { remoteCharts?: boolean } = {}): Promise<KustomizeTree> {
  const model = new KustomizeModel(root, undefined, opts);
  let tree;
  try {
    if (model.kustomizationFiles(resolveInRepo(root, dirRepoPath)).length === 0) {
      return { kustomizations: [], resourceFiles: [], helmChartFiles: [], keepsOriginAnnotations: false };
    }
    tree = model.tree(dirRepoPath);
  } catch (e) {
    if (e instanceof BosunError) throw new RenderFailure({ ...e.toProblem(), tool: 'kustomize' });
    throw e;
  }
  const invalid = tree.invalid[0];
  if (invalid) {
    throw new RenderFailure(invalid.kind === 'yaml'
      ? { kind: 'yaml', tool: 'kustomize', file: invalid.file, line: invalid.line, message: `invalid YAML in kustomization: ${invalid.detail}` }
      : { kind: 'render', tool: 'kustomize', file: invalid.file, line: invalid.line, message: 'a kustomization must be a YAML mapping' });
  }
  for (const folder of new Set(tree.charts.filter((c) => c.vendored).map((c) => c.folder))) checkChartFolder(root, folder, 'kustomize');
  const { kustomizations, resourceFiles, helmChartFiles, keepsOriginAnnotations, buildMetadata, charts, inputs } = tree;
  // A copy: the renderer merges component trees into it.
  const own = { files: new Set(inputs.files), dirs: new Set(inputs.dirs), ...(inputs.unsure !== undefined ? { unsure: inputs.unsure } : {}) };
  return { kustomizations, resourceFiles, helmChartFiles, keepsOriginAnnotations, buildMetadata, charts, inputs: own };
}
