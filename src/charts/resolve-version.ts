import { compareVersions, ConstraintError, parseConstraint, parseVersion, satisfies, type Version } from './semver.ts';

export interface VersionCandidate {
  version: string;
  /** When the chart was packaged (index.yaml `created`), to order equal versions that differ only in build metadata. */
  created?: string;
}

export type Resolved<T extends VersionCandidate> = { ok: true; picked: T } | { ok: false; reason: string };

/**
 * The chart version a controller would pick from `candidates` for `wanted` (a version or a range),
 * as source-controller does it (internal/helm/repository/chart_repository.go getChartVersion): an exact
 * string match first; otherwise every candidate that parses as a version (strictly: MAJOR.MINOR.PATCH,
 * an optional leading `v`) and satisfies the constraint (`*` when none is given, which skips
 * pre-releases), highest first, ties (build metadata) broken by the newest `created`. Helm's own lookup
 * (repo.IndexFile.Get, which `helm pull` and kustomize's helmCharts use) and Argo CD's agree on every
 * version that is valid semver; they read versions loosely, which `strict: false` gives.
 */
export function resolveVersion<T extends VersionCandidate>(candidates: readonly T[], wanted: string | undefined, opts: { strict?: boolean } = {}): Resolved<T> {
  const want = wanted?.trim() ?? '';
  if (want !== '') {
    const exact = candidates.find((c) => c.version === want);
    if (exact) return { ok: true, picked: exact };
  }
  let constraint;
  try {
    constraint = parseConstraint(want === '' ? '*' : want);
  } catch (e) {
    if (e instanceof ConstraintError) return { ok: false, reason: `version "${want}" is neither a version nor a range: ${e.message}` };
    throw e;
  }
  const matched: Array<{ v: Version; c: T }> = [];
  for (const c of candidates) {
    const v = parseVersion(c.version, { strict: opts.strict ?? true });
    if (v && satisfies(v, constraint)) matched.push({ v, c });
  }
  if (matched.length === 0) {
    const known = candidates.map((c) => c.version).slice(0, 8).join(', ');
    return { ok: false, reason: `no version matches "${want === '' ? '*' : want}"${known ? ` (versions there: ${known}${candidates.length > 8 ? ', …' : ''})` : ' (no versions there)'}` };
  }
  matched.sort((a, b) => compareVersions(b.v, a.v) || createdOrder(b.c.created, a.c.created));
  return { ok: true, picked: matched[0].c };
}

function createdOrder(a: string | undefined, b: string | undefined): number {
  const [x, y] = [Date.parse(a ?? ''), Date.parse(b ?? '')];
  if (Number.isNaN(x) || Number.isNaN(y) || x === y) return 0;
  return x < y ? -1 : 1;
}
