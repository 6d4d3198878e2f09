import { statSync } from 'node:fs';
import { join } from 'node:path';

/** The file names kustomize recognises, in its order of precedence. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The kustomization files present in `dir` (absolute); kustomize refuses a folder with more than one. */
export function kustomizationFilesIn(dir: string): string[] {
  return kustomizationFileNames.filter((name) => isFile(join(dir, name)));
}

/** Whether `dir` (absolute) is a Helm chart folder. */
export function isHelmChart(dir: string): boolean {
  return isFile(join(dir, 'Chart.yaml'));
}

/**
 * How a folder renders when nothing says otherwise: a kustomization file makes it kustomize, a
 * Chart.yaml makes it a Helm chart, anything else is plain manifests. `dir` is absolute.
 */
export function detectRenderKind(dir: string): 'kustomize' | 'helm' | 'plain' {
  if (kustomizationFilesIn(dir).length > 0) return 'kustomize';
  if (isHelmChart(dir)) return 'helm';
  return 'plain';
}
