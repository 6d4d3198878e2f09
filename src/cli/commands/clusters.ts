import { connect, loadClusterRegistry } from '../../cluster/index.ts';
import type { ClusterClient, ClusterRegistry } from '../../cluster/index.ts';
import { BosunError } from '../../model/errors.ts';
import type { CliIO } from '../io.ts';
import { clustersFile } from './cluster-file.ts';

export { clustersFile };
export { inventoryOf } from '../../cluster/registry.ts';
export { clusterNameOf } from '../../model/environment.ts';
export { clusterChecksHook, previewHook } from '../../cluster/plan-hooks.ts';

export function loadRegistry(file: string): ClusterRegistry {
  return loadClusterRegistry(file);
}

export function registryFrom(flag: string | undefined, io: CliIO, command: string): ClusterRegistry {
  const file = clustersFile(flag, io);
  if (!file) throw new BosunError({ kind: 'usage', message: `${command}: --clusters FILE (or BOSUN_CLUSTERS) is required: it says where each cluster's credentials are` });
  return loadClusterRegistry(file);
}

/**
 * A client for a registry cluster, with the exit-code contract's split: what the registry and the
 * kubeconfig say (unknown cluster, unreadable kubeconfig, missing context) is configuration (exit 2);
 * an API server that does not answer or refuses the credentials fails the apply (exit 1).
 */
export async function connectConfigured(registry: ClusterRegistry, name: string): Promise<ClusterClient> {
  let client: ClusterClient;
  try {
    client = await connect(registry, name, { verify: false });
  } catch (err) {
    if (err instanceof BosunError && err.kind === 'cluster') throw new BosunError({ ...err.toProblem(), kind: 'config' }, { cause: err });
    throw err;
  }
  try {
    await client.verify();
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}
