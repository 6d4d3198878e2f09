import type { Environment } from '../model/environment.ts';

export { parentFinder, type ParentSubstitution } from '../discover/flux-parent.ts';

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

/**
 * Whether an environment's inline postBuild values may take a parent's variables (one holds a `$`), or other
 * fields of its object wait for them (`fluxPending`: a `spec.path: ./apps/${CLUSTER}` whose CLUSTER comes
 * from the parent's substituteFrom; discover/flux-child-fields.ts).
 */
export function readsParentVariables(env: Environment): boolean {
  if (env.source !== 'flux' || env.helmRelease || env.substitutionDisabledByObject || !env.definedIn) return false;
  if (env.fluxPending && !env.fluxPending.reason) return true;
  return Object.values(env.substitute ?? {}).some((v) => v.includes('$'));
}

