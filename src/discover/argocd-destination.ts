import { inClusterServer } from './argocd-generators.ts';
import { field, str } from './object-fields.ts';
import type { DiscoveryClusters } from './types.ts';

/** Where an Application deploys, as a cluster of bosun's registry, and what a user should know about it. */
export interface DestinationCluster {
  /**
   * The registry cluster it targets; when nothing in the registry matches, the destination as written
   * (never a registry name, so the environment is planned but neither previewed nor applied).
   */
  cluster?: string;
  /** Why the destination is not (or not surely) a registered cluster. */
  notes: string[];
}

/**
 * Argo CD's destination lookup (util/argo GetDestinationCluster, util/db GetCluster /
 * GetClusterServersByName) over bosun's registry, whose entries stand for Argo CD's cluster secrets:
 * `destination.server` is compared, as written, with each entry's `server:` (stored without a trailing
 * "/", as Argo CD indexes its secrets); `https://kubernetes.default.svc` is the `in-cluster` cluster
 * when no entry claims that URL; `destination.name` is an entry's name. A `server` that is itself a
 * registry name still targets that entry (ApplicationSet clusters generators over entries without
 * `server:` give the name as `server`).
 */
export function destinationCluster(app: Record<string, unknown>, registry: DiscoveryClusters | undefined): DestinationCluster {
  const name = str(field(app, 'spec', 'destination', 'name'));
  const server = str(field(app, 'spec', 'destination', 'server'));
  const notes: string[] = [];
  const clusters = registry?.clusters;
  if (name && server) notes.push(`sets both destination.name (${name}) and destination.server (${server}), which Argo CD refuses ("application destination can't have both name and server defined"); bosun takes the name`);
  if (name) {
    if (clusters && !clusters.some((c) => c.name === name)) notes.push(unmatched(`destination.name \`${name}\``, `add a cluster named \`${name}\` to the registry`));
    return { cluster: name, notes };
  }
  if (!server) return { notes };
  const byServer = clusters?.find((c) => c.server === server);
  if (byServer) return { cluster: byServer.name, notes };
  if (server === inClusterServer) {
    if (clusters && !clusters.some((c) => c.name === 'in-cluster')) notes.push(unmatched(`destination.server \`${server}\` (Argo CD's own cluster)`, 'add a cluster named `in-cluster` (or one with that `server:`) to the registry'));
    return { cluster: 'in-cluster', notes };
  }
  if (!clusters) return { cluster: server, notes };
  if (clusters.some((c) => c.name === server)) return { cluster: server, notes };
  const trimmed = server.replace(/\/+$/, '');
  const nearly = trimmed !== server ? clusters.find((c) => c.server === trimmed || (c.server === undefined && trimmed === inClusterServer && c.name === 'in-cluster')) : undefined;
  notes.push(unmatched(`destination.server \`${server}\``, nearly
    ? `Argo CD compares the URL as written, and cluster \`${nearly.name}\` has \`${nearly.server ?? inClusterServer}\`: drop the trailing "/"`
    : `give the registry entry of that cluster \`server: ${server}\``));
  return { cluster: server, notes };
}

function unmatched(what: string, fix: string): string {
  return `${what} matches no cluster of bosun's cluster registry: its changes are planned, but not previewed against a cluster and not applied; ${fix}`;
}
