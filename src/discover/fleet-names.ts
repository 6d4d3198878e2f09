import { createHash } from 'node:crypto';

/**
 * Bundle names as Rancher Fleet derives them. `fleet apply <gitrepo> <paths>` names the bundle of a folder
 * `names.HelmReleaseName(filepath.Join(gitrepo, path))` (rancher/fleet internal/cmd/cli/apply/apply.go
 * `Dir`), which is also the Helm release name when fleet.yaml sets none; fleet.yaml `name` replaces it
 * (internal/bundlereader/read.go). The rules below follow internal/names/name.go and its test vectors.
 */

/** Helm's and Fleet's limit for release (and so bundle) names. */
export const maxReleaseNameLength = 53;

const disallowed = /[^a-zA-Z0-9-]+/g;
const helmReleaseName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The first `length` hex digits of the string's MD5 (Fleet's names.Hex; not for security). */
export function nameHex(s: string, length: number): string {
  return createHash('md5').update(s).digest('hex').slice(0, length);
}

/**
 * `s` cut to `count` characters, ending in `-<5 hex digits of its hash>` when it had to be cut; no double
 * dash where the cut falls on one (names.Limit).
 */
export function limitName(s: string, count: number): string {
  if (s.length <= count) return s;
  const hexLength = 5;
  if (count <= hexLength + 1) return s.slice(0, count);
  const keep = count - hexLength - 1;
  const separator = s[keep - 1] === '-' ? '' : '-';
  return `${s.slice(0, keep)}${separator}${nameHex(s, hexLength)}`;
}

/** A DNS-label-safe Helm release name for `s`, as names.HelmReleaseName makes one. */
export function fleetReleaseName(s: string): string {
  let name = s.replaceAll('/', '-');
  // Upper case and characters that get replaced would make different inputs collide: a hash keeps them apart.
  const needHex = name !== name.toLowerCase() || new RegExp(disallowed.source).test(name);
  if (needHex) name = `${name}-${nameHex(name, 8)}`;
  name = name.toLowerCase().replace(disallowed, '-').replace(/-+/g, '-').replace(/^-+/, '').replace(/-+$/, '');
  if (helmReleaseName.test(name) && dnsLabel.test(name)) return limitName(name, maxReleaseNameLength);
  return nameHex(s, 24);
}

/**
 * The name Fleet gives the bundle of `path` (repo-relative, `.` for the root) in GitRepo `gitRepo`:
 * filepath.Join(gitRepo, path) made a release name.
 */
export function fleetBundleName(gitRepo: string, path: string): string {
  const joined = path === '.' || path === '' ? gitRepo : `${gitRepo}/${path}`;
  return fleetReleaseName(joined);
}
