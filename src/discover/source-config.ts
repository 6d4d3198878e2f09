import { readRepoConfig } from '../config/load-repo-config.ts';
import { configEnvironments } from '../config/to-environment.ts';
import { unappliedOptionNotes } from './config-unapplied-options.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

/** `.bosun.yaml` environments. A config without `environments:` leaves discovery to the other sources. */
export const configSource: DiscoverySource = {
  name: 'config',
  async discover(ctx: DiscoveryContext): Promise<DiscoveryResult> {
    const loaded = await readRepoConfig(ctx.root);
    if (!loaded) return { environments: [], notes: [] };
    if (!loaded.config.environments) {
      return { environments: [], notes: [{ status: 'info', kind: 'Config', file: loaded.file, reason: 'lists no environments; discovering them from Flux, Argo CD or clusters/<name>/' }] };
    }
    return {
      environments: configEnvironments(loaded.config, { file: loaded.file, lines: loaded.environmentLines }),
      notes: unappliedOptionNotes(ctx.root, loaded.config, loaded.file, loaded.environmentLines),
    };
  },
};
