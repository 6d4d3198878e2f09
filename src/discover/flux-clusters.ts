/**
 * Which clusters a Flux Kustomization is deployed on. kustomize-controller runs in each cluster and applies
 * what that cluster's own Kustomizations build: a Kustomization object is on every cluster whose build
 * outputs it. bootstrap's `clusters/<c>/` folder (the one with `flux-system`) is cluster `<c>`; a file
 * elsewhere — a shared `clusters/base/`, an `infrastructure/flux/` folder that `clusters/staging` and
 * `clusters/production` both list — is on the clusters of the builds that apply it, one deployment per
 * cluster (each reconciles its own copy, with its own substitutions and target).
 *
 * `parentsOf` holds, per Kustomization (by index), the Kustomizations whose build reads its file. The
 * answer per index: the clusters to plan it on (sorted), or undefined to keep it where its folder puts it
 * (a bootstrapped cluster folder, nothing applies it, or a build on an unknown cluster applies it).
 */
export function applyingClusters(
  own: ReadonlyArray<{ cluster?: string }>,
  parentsOf: ReadonlyMap<number, readonly number[]>,
  bootstrapped: ReadonlySet<string | undefined>,
): Array<string[] | undefined> {
  const memo = new Map<number, Set<string | undefined>>();
  const clustersOf = (i: number, seen: Set<number>): Set<string | undefined> => {
    const known = memo.get(i);
    if (known) return known;
    const k = own[i];
    const parents = (parentsOf.get(i) ?? []).filter((p) => !seen.has(p));
    let out: Set<string | undefined>;
    if ((k.cluster !== undefined && bootstrapped.has(k.cluster)) || parents.length === 0) out = new Set([k.cluster]);
    else {
      out = new Set();
      const next = new Set([...seen, i]);
      for (const p of parents) for (const c of clustersOf(p, next)) out.add(c);
    }
    if (seen.size === 0) memo.set(i, out);
    return out;
  };
  return own.map((k, i) => {
    if (k.cluster !== undefined && bootstrapped.has(k.cluster)) return undefined;
    const clusters = clustersOf(i, new Set());
    if (clusters.has(undefined) || clusters.size === 0) return undefined;
    const sorted = [...clusters as Set<string>].sort();
    return sorted.length === 1 && sorted[0] === k.cluster ? undefined : sorted;
  });
}
