/**
 * The kustomize model: the one reading of kustomizations in bosun (which files a build reads, what it
 * inflates, which references it refuses), shared by affected detection and the renderer.
 */
export { isKustomizationFile, kustomizationFileIn, kustomizationFileNames, kustomizationFilesIn, isHelmChart } from './names.ts';
export { addInputs, emptyInputSet, type InputsCache, type InputSet } from './inputs.ts';
export { missing, refuse, RepoPaths, type RefSite, type Resolved } from './repo-paths.ts';
export { KustomizeModel, type KustomizeTree as KustomizeModelTree } from './model.ts';
export type { KustomizationNode, KustomizeChart, Read } from './kustomization-node.ts';
export { unvendoredChart } from './kustomization-reader.ts';
export { looksInlinePatch } from './fields.ts';
export { fluxGeneratedDir, fluxGeneratedFile } from './flux-generator.ts';
