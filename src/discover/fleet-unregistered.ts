import { registryDefines } from '../model/cluster-inventory.ts';
import type { FleetTarget } from './fleet-yaml.ts';

/** A Fleet cluster a bundle names by `clusterName` that the cluster registry does not have. */
export interface UnregisteredFleetCluster {
  cluster: string;
  /** The target (or targetCustomization) that names it, and where. */
  target: FleetTarget;
  file: string;
  /** A targetCustomization names it: it gets the bundle only if a target selects it too. */
  customization: boolean;
  reason: string;
}

/**
 * The clusters a bundle's targets (GitRepo `targets`, fleet.yaml `overrideTargets`) or targetCustomizations
 * name with `clusterName` that the registry lacks. Fleet matches `clusterName` against the name of a
 * Cluster in the GitRepo's namespace (rancher/fleet internal/cmd/controller/target/matcher/clustermatcher.go
 * `NewClusterMatcher`; rancher/fleet-docs gitrepo-targets.md: "A specific cluster by name that will be
 * selected"), so the name says the bundle goes to a cluster bosun has no entry for: what it deploys there is
 * neither previewed nor applied by bosun — a `not-previewed` note whose reads make a change to the bundle
 * one bosun cannot judge (exit 3, the App's neutral check), as for a `.bosun.yaml` environment on an
 * unregistered cluster (plan/unregistered-clusters.ts). `doNotDeploy` entries keep the bundle off: not named.
 */
export function unregisteredFleetClusters(
  targets: ReadonlyArray<{ target: FleetTarget; file: string }>,
  customizations: ReadonlyArray<{ target: FleetTarget; file: string }>,
  inventory: { clusters: ReadonlyArray<{ name: string }> },
): UnregisteredFleetCluster[] {
  const known = new Set(inventory.clusters.map((c) => c.name));
  const defined = registryDefines(inventory);
  const out: UnregisteredFleetCluster[] = [];
  const seen = new Set<string>();
  for (const [list, customization] of [[targets, false], [customizations, true]] as const) {
    for (const { target, file } of list) {
      const cluster = target.clusterName;
      if (cluster === undefined || target.doNotDeploy || known.has(cluster) || seen.has(cluster)) continue;
      seen.add(cluster);
      const what = `${customization ? 'targetCustomization' : 'target'} \`${target.name}\` names cluster \`${cluster}\` (clusterName), which the cluster registry lacks — it defines ${defined}`;
      const consequence = customization
        ? 'if Fleet\'s targets select that cluster, what this bundle deploys there is not previewed and bosun applies nothing there'
        : 'what this bundle deploys there is not previewed and bosun applies nothing there';
      out.push({ cluster, target, file, customization, reason: `${what}: ${consequence}. Add \`${cluster}\` to the registry (with its labels) to preview it, or fix the clusterName` });
    }
  }
  return out;
}
