import { posix } from 'node:path';
import type { Environment } from '../model/environment.ts';
import type { EnvInputs } from './types.ts';

/**
 * The Kustomization whose build applies a Flux Kustomization object, when that one has postBuild variables:
 * kustomize-controller substitutes them into every object of its build (fluxcd/pkg kustomize/kustomize_varsub.go
 * SubstituteVariables, over each resource's YAML) — the child Kustomization object included.
 */
export type ParentSubstitution = { env: Environment } | { ambiguous: string } | undefined;

/**
 * Finds, for an environment, the Flux environment of the same cluster whose build applies its Kustomization
 * object (its inputs hold the file that defines it) and that has postBuild variables. Two such parents:
 * kustomize-controller's result depends on which applied last, said in words and substituted by neither.
 * The candidates' inputs are indexed once (by file and by folder), so each lookup costs the file's depth.
 */
export function parentFinder(envs: ReadonlyMap<string, Environment>, inputsOf: (env: Environment) => Promise<EnvInputs | undefined>): (env: Environment) => Promise<ParentSubstitution> {
  let index: Promise<Map<string, Environment[]>> | undefined;
  const build = async () => {
    const byPath = new Map<string, Environment[]>();
    for (const other of [...envs.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (other.source !== 'flux' || other.helmRelease) continue;
      if ((other.substituteFrom?.length ?? 0) === 0 && Object.keys(other.substitute ?? {}).length === 0) continue;
      const inputs = await inputsOf(other);
      if (!inputs) continue;
      for (const p of [...inputs.files, ...inputs.dirs].map(normal)) byPath.set(p, [...(byPath.get(p) ?? []), other]);
    }
    return byPath;
  };
  return async (env) => {
    index ??= build();
    const byPath = await index;
    const file = normal(env.definedIn!.file);
    const found = new Set<Environment>();
    for (let p = file; ; p = posix.dirname(p)) {
      for (const other of byPath.get(p) ?? []) found.add(other);
      if (p === '.' || p === '/' || !p.includes('/')) break;
    }
    for (const other of byPath.get('.') ?? []) found.add(other);
    // Kustomizations written in one file do not apply each other (flux-patched.ts reads parents the same way).
    const parents = [...found].filter((o) => o !== env && o.cluster === env.cluster && o.definedIn?.file !== env.definedIn!.file);
    if (parents.length === 0) return undefined;
    if (parents.length > 1) {
      return { ambiguous: `its Kustomization object is applied by ${parents.map((p) => p.name).join(' and ')}, each with postBuild variables: kustomize-controller substitutes it as whichever applied last, so bosun substitutes neither into its postBuild.substitute values` };
    }
    return { env: parents[0] };
  };
}

function normal(path: string): string {
  return posix.normalize(path).replace(/^\.\//, '').replace(/\/+$/, '') || '.';
}
