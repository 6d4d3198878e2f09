import { InputWalker, type InputsCache } from './input-walker.ts';
import type { GitOpsFolder } from './coverage-folders.ts';

/**
 * What the kustomizations of uncovered GitOps folders read (generator `files:`/`envs:`, resources, bases,
 * patches), by folder, walked statically at checkout `root` as for an environment. A folder whose
 * kustomization cannot be walked (a missing reference, a cycle) is left out: its own files still count.
 */
export function uncoveredKustomizationReads(root: string, folders: readonly GitOpsFolder[], cache: InputsCache = new Map()): Map<string, { files: string[]; dirs: string[] }> {
  const walker = new InputWalker(root, cache, { remoteCharts: true, remoteBases: true });
  const out = new Map<string, { files: string[]; dirs: string[] }>();
  for (const folder of folders) {
    if (folder.kind !== 'kustomization') continue;
    try {
      const inputs = walker.kustomization(folder.dir);
      out.set(folder.dir, { files: [...inputs.files], dirs: [...inputs.dirs] });
    } catch {
      // Said where it matters: the kustomization is listed uncovered itself.
    }
  }
  return out;
}
