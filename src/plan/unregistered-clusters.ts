import { isInput, type EnvInputs } from '../discover/index.ts';
import type { DiscoveryClusters } from '../discover/types.ts';
import { registryDefines } from '../model/cluster-inventory.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import { clusterNameOf, type Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';

/** One environment of a plan, as planChange decided it (both sides, their inputs, affected or not). */
export interface PlannedEnvironment {
  name: string;
  b?: Environment;
  h?: Environment;
  bi?: { inputs: EnvInputs } | { problem: unknown };
  hi?: { inputs: EnvInputs } | { problem: unknown };
  decision: { affected: boolean };
}

/** An environment whose cluster the given registry lacks: what to say about it, whatever the command. */
export interface UnregisteredCluster {
  /** The cluster as the environment names it (an Argo CD destination as written). */
  cluster: string;
  /** An Argo CD Application whose destination matches no entry (discover/argocd-destination.ts). */
  argo: boolean;
  /** Where the environment is defined (`.bosun.yaml` and its line, the Application's or Kustomization's file, the `clusters/<name>` folder). */
  file?: string;
  line?: number;
  /** "its cluster `x` is not in the cluster registry, which defines `a`, `b`". */
  what: string;
  /** What to do about it. */
  fix: string;
}

/**
 * The rule every command follows (issue #11, one exit-code contract): with a cluster registry given
 * (`--clusters`, the App's BOSUN_CLUSTERS), a `.bosun.yaml` environment whose cluster the registry does not
 * have, or an Argo CD Application whose destination matches no entry, is never previewed against a cluster
 * nor applied. `plan`, `validate` and `render` still do offline what they can and say so (exit 3 when
 * nothing else is wrong); `apply`, `sync` and `drift` refuse it as a configuration error (exit 2). Without
 * a registry (plan-only use) there is nothing to say; a cluster the registry knows by labels only is
 * registered. The same holds for a Flux Kustomization (its cluster: the `clusters/<name>/` folder it is
 * in, else its own name) and a `clusters/<name>/` folder environment: the App's merge skips each whose
 * cluster is not registered (queue/workflows/push), so a plan that called its change green would never
 * be honoured. Fleet environments exist only for registered clusters (discover/fleet-unregistered.ts
 * names the others); an explicit `--path` is the user's own folder, never applied by the App.
 */
export function unregisteredCluster(env: Environment, clusters: DiscoveryClusters | undefined): UnregisteredCluster | undefined {
  if (!clusters) return undefined;
  // `.bosun.yaml` environments, whose `cluster` (default: the name) is the user's word; Argo CD Applications,
  // whose destination matched no entry (discover/argocd-destination.ts keeps it as written then); Flux
  // Kustomizations and `clusters/<name>/` folders, whose cluster is that folder's name (a Kustomization
  // outside `clusters/`: its own name).
  if (env.source !== 'config' && env.source !== 'argocd' && env.source !== 'flux' && env.source !== 'directory') return undefined;
  const cluster = clusterNameOf(env);
  if (clusters.clusters.some((c) => c.name === cluster)) return undefined;
  const argo = env.source === 'argocd';
  const defined = registryDefines(clusters);
  const at = env.definedIn ?? (env.source === 'directory' ? { file: env.path } : undefined);
  return {
    cluster,
    argo,
    ...(at?.file ? { file: at.file } : {}),
    ...(at?.line ? { line: at.line } : {}),
    what: `${whose(env, cluster)} ${argo ? 'matches no cluster of the registry' : 'is not in the cluster registry'}, which defines ${defined}`,
    fix: fixFor(env, cluster),
  };
}

/** "its cluster `x`…", saying where the environment's kind of definition takes the cluster from. */
function whose(env: Environment, cluster: string): string {
  switch (env.source) {
    case 'argocd': return `its destination \`${cluster}\``;
    case 'directory': return `the cluster \`${cluster}\` of its folder \`${env.path}\``;
    case 'flux': return env.cluster
      ? `the cluster \`${cluster}\` of its cluster folder \`clusters/${cluster}\``
      : `its cluster \`${cluster}\` (a Flux Kustomization outside \`clusters/<name>/\` is for the cluster of its own name)`;
    default: return `its cluster \`${cluster}\`${env.cluster ? '' : ' (its own name: no `cluster` set)'}`;
  }
}

function fixFor(env: Environment, cluster: string): string {
  switch (env.source) {
    case 'argocd': return 'Fix the Application\'s `spec.destination` or add that cluster (its `server:` or name) to the registry';
    case 'directory':
    case 'flux': return `Add \`${cluster}\` to the registry (an entry with labels only is enough to plan it; it needs credentials to be applied), or declare the environment in .bosun.yaml with a registered \`cluster\``;
    default: return `Fix the environment's \`cluster\` or add \`${cluster}\` to the registry`;
  }
}

/**
 * The environment as a discovery note (`not-previewed`, its definition, the registered clusters); each
 * command says what it still did offline in `consequence`.
 */
export function unregisteredClusterNote(envName: string, u: UnregisteredCluster, consequence: string): DiscoveryNote {
  return {
    status: 'not-previewed',
    kind: 'Environment',
    name: envName,
    ...(u.file ? { file: u.file } : {}),
    ...(u.line ? { line: u.line } : {}),
    reason: `${u.what}: ${consequence}. ${u.fix}`,
    environments: [envName],
  };
}

/** `apply`, `sync`, `drift`: a configuration error (exit 2) naming the environment, before anything is rendered or applied. */
export function unregisteredClusterError(envName: string, u: UnregisteredCluster): BosunError {
  return new BosunError({
    kind: 'config',
    ...(u.file ? { file: u.file } : {}),
    ...(u.line ? { line: u.line } : {}),
    message: `environment "${envName}": ${u.what}; nothing applied. ${u.fix}`,
  });
}

/**
 * The plan's notes (`bosun plan --clusters`, the App): each such environment is planned (rendered, diffed,
 * validated offline) and listed as `not-previewed`, naming it, its definition (file and line), the cluster
 * and the registered ones. When the change affects it, the note carries the changed files of its inputs, so
 * the plan says it cannot judge them (exit 3, the App's neutral `bosun` check) instead of a green that a
 * merge would not honour.
 */
export function unregisteredClusterNotes(planned: readonly PlannedEnvironment[], clusters: DiscoveryClusters | undefined, changed: readonly string[]): DiscoveryNote[] {
  const notes: DiscoveryNote[] = [];
  for (const p of planned) {
    const env = p.h ?? p.b;
    const u = env && unregisteredCluster(env, clusters);
    if (!env || !u) continue;
    // An Argo CD destination that matches no entry already has discovery's note (with the `server:` to give
    // the entry); this one is added only when the change reaches it, so the plan cannot pass as green.
    if (u.argo && !p.decision.affected) continue;
    const inputs = [p.bi, p.hi].flatMap((i) => (i && 'inputs' in i ? [i.inputs] : []));
    const touched = changed.filter((file) => file === u.file || inputs.some((i) => isInput(i, file))).sort();
    notes.push({
      ...unregisteredClusterNote(p.name, u, 'its diff is validated offline, never previewed against a cluster, and on merge bosun applies nothing to it'),
      // Affected: what the change touched of it (its definition when nothing else is known to have changed).
      ...(p.decision.affected ? { changed: touched.length > 0 ? touched : [u.file ?? env.path] } : {}),
    });
  }
  return notes;
}
