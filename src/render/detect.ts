import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The file names kustomize recognises, in its order of preference. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** The kustomization file name in `absDir`, if any. */
export function kustomizationFileIn(absDir: string): string | undefined {
  for (const name of kustomizationFileNames) {
    const p = join(absDir, name);
    if (existsSync(p) && statSync(p).isFile()) return name;
  }
  return undefined;
}

export function hasChart(absDir: string): boolean {
  const p = join(absDir, 'Chart.yaml');
  return existsSync(p) && statSync(p).isFile();
}
