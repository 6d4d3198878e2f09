/** How the renderer recognises a folder's kind: the kustomize model's file names, and a Chart.yaml. */
export { kustomizationFileIn, isHelmChart as hasChart } from './kustomize-model/index.ts';
