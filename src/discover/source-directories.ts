import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiscoveryNote } from '../model/discovery.ts';
import { discoveredEnvironmentBase, type Environment } from '../model/environment.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

const fluxKustomizationApi = /^kustomize\.toolkit\.fluxcd\.io\//;

/**
 * The fallback: every `clusters/<name>/` folder is an environment for cluster `<name>` — except a folder
 * that holds Flux Kustomizations: Flux deploys it, and when none of them is an environment (their source
 * follows another branch or a tag, or is another repository) the discovery notes say why; applying the
 * folder as plain YAML would deploy Flux's own objects at a revision Flux does not.
 */
export const directoriesSource: DiscoverySource = {
  name: 'directory',
  async discover(ctx: DiscoveryContext): Promise<DiscoveryResult> {
    let names: string[];
    try {
      const entries = await readdir(join(ctx.root, 'clusters'), { withFileTypes: true });
      names = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    } catch {
      names = [];
    }
    const fluxFolders = new Set<string>();
    if (names.length > 0) {
      for (const doc of (await ctx.repoYaml()).docs) {
        const apiVersion = doc.object.apiVersion;
        const cluster = /^clusters\/([^/]+)\//.exec(doc.file)?.[1];
        if (cluster && doc.object.kind === 'Kustomization' && typeof apiVersion === 'string' && fluxKustomizationApi.test(apiVersion)) fluxFolders.add(cluster);
      }
    }
    const notes: DiscoveryNote[] = [...fluxFolders].filter((n) => names.includes(n)).map((name) => ({
      status: 'info', kind: 'Repository', reason: `clusters/${name} is not an environment of its own: Flux Kustomizations there deploy it (see their notes for why none of them is one for this change)`,
    }));
    const environments = names.filter((name) => !fluxFolders.has(name)).map(
      (name): Environment => ({ ...discoveredEnvironmentBase(ctx.defaults), name, source: 'directory', path: `clusters/${name}`, cluster: name }),
    );
    return { environments, notes };
  },
};
