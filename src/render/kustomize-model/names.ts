import { statSync } from 'node:fs';
import { join } from 'node:path';

/** The file names kustomize recognises, in its order of preference (konfig.RecognizedKustomizationFileNames). */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Whether a file name (no folder) is one kustomize reads as a kustomization. */
export function isKustomizationFile(name: string): boolean {
  return (kustomizationFileNames as readonly string[]).includes(name);
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The kustomization files present in `dir` (absolute); kustomize refuses a folder with more than one. */
export function kustomizationFilesIn(dir: string): string[] {
  return kustomizationFileNames.filter((name) => isFile(join(dir, name)));
}

/** The kustomization file kustomize would read in `dir` (absolute), if any. */
export function kustomizationFileIn(dir: string): string | undefined {
  return kustomizationFilesIn(dir)[0];
}

/** Whether `dir` (absolute) is a Helm chart folder. */
export function isHelmChart(dir: string): boolean {
  return isFile(join(dir, 'Chart.yaml'));
}
