import { isInput, type EnvInputs } from '../discover/index.ts';
import type { DiscoveryClusters } from '../discover/types.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import { clusterNameOf, type Environment } from '../model/environment.ts';

/** One environment of a plan, as planChange decided it (both sides, their inputs, affected or not). */
export interface PlannedEnvironment {
  name: string;
  b?: Environment;
  h?: Environment;
  bi?: { inputs: EnvInputs } | { problem: unknown };
  hi?: { inputs: EnvInputs } | { problem: unknown };
  decision: { affected: boolean };
}

/**
 * With a cluster registry given (`bosun plan --clusters`, the App's BOSUN_CLUSTERS), a `.bosun.yaml`
 * environment whose cluster the registry does not have (or an Argo CD Application whose destination matches none) is planned (rendered, diffed, validated offline) but neither
 * previewed against a cluster nor applied on merge: a `not-previewed` note naming the environment, its
 * definition (file and line), the cluster and the registered ones. When the change affects it, the note
 * carries the changed files of its inputs, so the plan says it cannot judge them (exit 3, the App's
 * neutral `bosun` check) instead of a green that a merge would not honour. Without a registry (plan-only
 * use) there is nothing to say. A cluster the registry knows by labels only is registered.
 */
export function unregisteredClusterNotes(planned: readonly PlannedEnvironment[], clusters: DiscoveryClusters | undefined, changed: readonly string[]): DiscoveryNote[] {
  if (!clusters) return [];
  const known = new Set(clusters.clusters.map((c) => c.name));
  const defined = [...known].sort().map((c) => `\`${c}\``);
  const notes: DiscoveryNote[] = [];
  for (const p of planned) {
    const env = p.h ?? p.b;
    // `.bosun.yaml` environments, whose `cluster` (default: the name) is the user's word, and Argo CD
    // Applications, whose destination matched no entry (discover/argocd-destination.ts keeps it as written
    // then). Flux and Fleet environments are named after registered clusters or folders of the repository.
    if (!env || (env.source !== 'config' && env.source !== 'argocd')) continue;
    const cluster = clusterNameOf(env);
    if (known.has(cluster)) continue;
    const argo = env.source === 'argocd';
    // An Argo CD destination that matches no entry already has discovery's note (with the `server:` to give
    // the entry); this one is added only when the change reaches it, so the plan cannot pass as green.
    if (argo && !p.decision.affected) continue;
    const at = env.definedIn;
    const inputs = [p.bi, p.hi].flatMap((i) => (i && 'inputs' in i ? [i.inputs] : []));
    const touched = changed.filter((file) => file === at?.file || inputs.some((i) => isInput(i, file))).sort();
    notes.push({
      status: 'not-previewed',
      kind: 'Environment',
      name: p.name,
      ...(at?.file ? { file: at.file } : {}),
      ...(at?.line ? { line: at.line } : {}),
      reason: `${argo ? `its destination \`${cluster}\` matches no cluster of the registry` : `its cluster \`${cluster}\`${env.cluster ? '' : ' (its own name: no `cluster` set)'} is not in the cluster registry`}, which defines ${defined.length > 0 ? defined.join(', ') : 'no clusters'}: its diff is validated offline, never previewed against a cluster, and on merge bosun applies nothing to it. ${argo ? 'Fix the Application\'s `spec.destination` or add that cluster (its `server:` or name) to the registry' : `Fix the environment's \`cluster\` or add \`${cluster}\` to the registry`}`,
      environments: [p.name],
      // Affected: what the change touched of it (its definition when nothing else is known to have changed).
      ...(p.decision.affected ? { changed: touched.length > 0 ? touched : [at?.file ?? env.path] } : {}),
    });
  }
  return notes;
}
