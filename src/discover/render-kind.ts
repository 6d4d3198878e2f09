import { isHelmChart, kustomizationFilesIn } from '../render/kustomize-model/index.ts';

export { isHelmChart, kustomizationFileNames, kustomizationFilesIn } from '../render/kustomize-model/index.ts';

/**
 * How a folder renders when nothing says otherwise: a kustomization file makes it kustomize, a
 * Chart.yaml makes it a Helm chart, anything else is plain manifests. `dir` is absolute.
 */
export function detectRenderKind(dir: string): 'kustomize' | 'helm' | 'plain' {
  if (kustomizationFilesIn(dir).length > 0) return 'kustomize';
  if (isHelmChart(dir)) return 'helm';
  return 'plain';
}
