import type { Environment } from '../model/environment.ts';

/**
 * HelmRelease environments whose chart is not rendered (`helmRelease.refused`: a source bosun may not
 * fetch, a chart path leaving the repository…) are kept by discovery for the plan, which decides here:
 * where the other side renders the release, the refused side stays, so the plan shows why it cannot
 * render it (a render error naming the reason) instead of reading as "every object deleted" or "every
 * object created"; where neither side renders it, it is no environment at all (its discovery note says
 * why, and its object is diffed in the Kustomization that applies it).
 */
export function settleRefusedReleases(base: Map<string, Environment>, head: Map<string, Environment>): void {
  const refused = (env: Environment | undefined) => env?.helmRelease?.refused !== undefined;
  for (const name of new Set([...base.keys(), ...head.keys()])) {
    const [b, h] = [base.get(name), head.get(name)];
    if ((refused(b) || !b) && (refused(h) || !h)) {
      base.delete(name);
      head.delete(name);
    }
  }
}

/**
 * The environment whose `postBuild.substituteFrom` values a render depends on: a HelmRelease's parent
 * Kustomization (the release is taken from its substituted output), else the environment itself.
 */
export function substitutionOwner(name: string, env: Environment | undefined): string {
  return env?.helmRelease ? env.helmRelease.parent.name : name;
}

/** A HelmRelease environment rendered from its parent as substituteFrom resolved it (the Istio pattern: one ConfigMap's `version` upgrades its releases). */
export function withSubstitutedParent(env: Environment | undefined, substituted: (name: string) => Environment | undefined): Environment | undefined {
  if (!env?.helmRelease) return env;
  const parent = substituted(env.helmRelease.parent.name);
  return parent ? { ...env, helmRelease: { ...env.helmRelease, parent } } : env;
}
