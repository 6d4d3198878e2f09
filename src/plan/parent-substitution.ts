import { isInput } from '../discover/collect-inputs.ts';
import type { EnvInputs } from '../discover/types.ts';
import type { Environment } from '../model/environment.ts';

/**
 * A Flux Kustomization object is itself an output of the build of the Kustomization that applies it, and
 * kustomize-controller runs that parent's postBuild substitution over every object of its build before
 * applying it (fluxcd/pkg kustomize SubstituteVariables on each resource of the ResMap) — the child
 * Kustomization included. So a child's `postBuild.substitute` value that holds `${VAR}` reaches the cluster
 * with the parent's value of VAR: the home-ops pattern of onedr0p/cluster-template, where
 * `kubernetes/flux/cluster/ks.yaml`'s cluster-apps substitutes from the cluster-settings ConfigMap and an
 * app's `ks.yaml` writes `GATUS_DOMAIN: ${SECRET_DOMAIN}`. Only when the parent has at least one variable
 * (kustomize-controller skips the substitution otherwise) and the child object does not opt out
 * (`kustomize.toolkit.fluxcd.io/substitute: disabled`).
 */

/** Whether an environment's inline postBuild values may take a parent's variables (one holds a `$`). */
export function readsParentVariables(env: Environment): boolean {
  if (env.source !== 'flux' || env.helmRelease || env.substitutionDisabledByObject || !env.definedIn) return false;
  return Object.values(env.substitute ?? {}).some((v) => v.includes('$'));
}

/**
 * The Flux environment of the same cluster whose build applies this environment's Kustomization object
 * (its inputs hold the file that defines it) and that has postBuild variables. Two such parents: kustomize-
 * controller's result depends on which applied last, said in words and substituted by neither.
 */
export async function substitutingParent(env: Environment, envs: ReadonlyMap<string, Environment>, inputsOf: (env: Environment) => Promise<EnvInputs | undefined>): Promise<{ env: Environment } | { ambiguous: string } | undefined> {
  const file = env.definedIn!.file;
  const parents: Environment[] = [];
  for (const other of [...envs.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (other === env || other.source !== 'flux' || other.helmRelease || other.cluster !== env.cluster) continue;
    if ((other.substituteFrom?.length ?? 0) === 0 && Object.keys(other.substitute ?? {}).length === 0) continue;
    // Kustomizations written in one file do not apply each other (flux-patched.ts reads parents the same way).
    if (other.definedIn?.file === file) continue;
    const inputs = await inputsOf(other);
    if (inputs && isInput(inputs, file)) parents.push(other);
  }
  if (parents.length === 0) return undefined;
  if (parents.length > 1) {
    return { ambiguous: `its Kustomization object is applied by ${parents.map((p) => p.name).join(' and ')}, each with postBuild variables: kustomize-controller substitutes it as whichever applied last, so bosun substitutes neither into its postBuild.substitute values` };
  }
  return { env: parents[0] };
}
