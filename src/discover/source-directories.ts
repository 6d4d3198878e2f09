import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentDefaults, type Environment } from '../model/environment.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

/** The fallback: every `clusters/<name>/` folder is an environment for cluster `<name>`. */
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
    const environments = names.map(
      (name): Environment => ({ ...environmentDefaults, name, source: 'directory', path: `clusters/${name}`, cluster: name, dependsOn: [], requires: [] }),
    );
    return { environments, notes: [] };
  },
};
