import { selectorMatches, selectorText, type LabelSelector } from '../model/label-selector.ts';

/**
 * Which clusters a Rancher Fleet bundle deploys to and with which customization, as Fleet's controller
 * decides (rancher/fleet internal/cmd/controller/target/builder.go `Targets`, matcher/bundlematch.go,
 * matcher/clustermatcher.go):
 *
 * - A cluster gets the bundle when a *target* matches it — a GitRepo target, a fleet.yaml `overrideTargets`
 *   entry, or the default `{clusterGroup: default}` when there are none; targets are tried in order and
 *   the first match counts; its `doNotDeploy` keeps the bundle off the cluster.
 * - fleet.yaml `targetCustomizations` never select clusters (they are not in the GitRepo's allow list);
 *   they customize: the first that matches (`targetCustomizationMode: FirstMatch`, the default), or every
 *   match merged in order (`AllMatches`); one with `doNotDeploy` keeps the bundle off that cluster.
 * - A target's criteria are all of clusterName, clusterGroup, clusterGroupSelector and clusterSelector it
 *   sets (an unset one is dropped; a selector `{}` matches everything); a target that sets none matches
 *   nothing. Group criteria hold when one group the cluster belongs to meets them all; a cluster in no
 *   group is tried with an empty group name and no group labels.
 */
export interface ClusterCriteria {
  name: string;
  clusterName?: string;
  clusterSelector?: LabelSelector;
  clusterGroup?: string;
  clusterGroupSelector?: LabelSelector;
  doNotDeploy: boolean;
}

export interface ClusterFacts {
  name: string;
  labels: Record<string, string>;
  /** The groups the cluster is in: name → the group's own labels. */
  groups: ReadonlyMap<string, Record<string, string>>;
}

export type TargetDecision<T extends ClusterCriteria> =
  | { deploy: true; target: T; customizations: T[] }
  | { deploy: false; reason: string };

/** Fleet's default target when neither the GitRepo nor fleet.yaml names any (bundlereader read.go). */
export const defaultTarget: ClusterCriteria = { name: 'default', clusterGroup: 'default', doNotDeploy: false };

/** Whether one target's criteria match the cluster (ClusterMatcher.Match over the cluster's groups). */
export function criteriaMatch(t: ClusterCriteria, cluster: ClusterFacts): boolean {
  const hasCriteria = t.clusterName !== undefined || t.clusterGroup !== undefined || t.clusterGroupSelector !== undefined || t.clusterSelector !== undefined;
  if (!hasCriteria) return false;
  const groups: Array<[string, Record<string, string>]> = cluster.groups.size > 0 ? [...cluster.groups] : [['', {}]];
  return groups.some(([group, groupLabels]) => {
    if (t.clusterName !== undefined && t.clusterName !== cluster.name) return false;
    if (t.clusterGroup !== undefined && t.clusterGroup !== group) return false;
    if (t.clusterGroupSelector !== undefined && !selectorMatches(t.clusterGroupSelector, groupLabels)) return false;
    if (t.clusterSelector !== undefined && !selectorMatches(t.clusterSelector, cluster.labels)) return false;
    return true;
  });
}

/**
 * The decision for one cluster: `targets` select (first match), `customizations` customize (first match,
 * or all of them in order with `allMatches`).
 */
export function decideTarget<T extends ClusterCriteria>(targets: readonly T[], customizations: readonly T[], cluster: ClusterFacts, allMatches = false): TargetDecision<T> {
  const target = targets.find((t) => criteriaMatch(t, cluster));
  if (!target) return { deploy: false, reason: `no target selects it (${targets.map(criteriaText).join('; ') || 'no targets'})` };
  if (target.doNotDeploy) return { deploy: false, reason: `target ${target.name} matches it with doNotDeploy` };
  const matching = customizations.filter((c) => criteriaMatch(c, cluster));
  const chosen = allMatches ? matching : matching.slice(0, 1);
  const blocked = chosen.find((c) => c.doNotDeploy);
  if (blocked) return { deploy: false, reason: `targetCustomization ${blocked.name} matches it with doNotDeploy` };
  return { deploy: true, target, customizations: chosen };
}

/** `clusterGroup=prod, clusterSelector env=prod`: a target's criteria in words. */
export function criteriaText(t: ClusterCriteria): string {
  const parts: string[] = [];
  if (t.clusterName !== undefined) parts.push(`clusterName ${t.clusterName}`);
  if (t.clusterGroup !== undefined) parts.push(`clusterGroup ${t.clusterGroup}`);
  if (t.clusterGroupSelector !== undefined) parts.push(`clusterGroupSelector ${selectorText(t.clusterGroupSelector)}`);
  if (t.clusterSelector !== undefined) parts.push(`clusterSelector ${selectorText(t.clusterSelector)}`);
  return `${t.name}: ${parts.join(', ') || 'no criteria, matches nothing'}`;
}
