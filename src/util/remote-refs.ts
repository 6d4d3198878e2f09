/**
 * Which references in repository content point outside the repository. bosun renders offline and only
 * from the checkout: a URL, a git spec or an absolute path in a pull request would make the render tools
 * fetch from the network (SSRF) or read files of the worker, so they are refused before any tool runs.
 */

export type RefClass = 'remote' | 'absolute' | 'local';

/** What every refusal of a remote reference says, so users recognise it wherever it comes from. */
export const remoteRefusal = 'remote references are not followed; vendor it into the repository';

// kustomize's git specs (api/internal/git/repospec.go) and anything with a URL scheme: http(s), ssh,
// file (a git clone of a local repository), oci, s3…
const schemePattern = /^[a-z][a-z0-9+.-]*:\/\//i;
const gitPrefixes = ['git::', 'gh:', 'git@', 'github.com:', 'github.com/'];
/** `user@host:org/repo`, the scp-like form git accepts for ssh. */
const scpLike = /^[\w.-]+@[\w.-]+:/;
/** Query parameters of kustomize git specs; `//` separates a repository from a folder in it (go-getter). */
const gitQuery = /[?&](?:ref|version|timeout|submodules|cache)=/i;

export function classifyRef(value: string): RefClass {
  const v = value.trim();
  const lower = v.toLowerCase();
  if (schemePattern.test(v) || gitPrefixes.some((p) => lower.startsWith(p)) || scpLike.test(v) || gitQuery.test(v)) return 'remote';
  if (v.includes('_git/') || /[^:]\/\/[^/]/.test(v)) return 'remote';
  if (v.startsWith('/') || v.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(v)) return 'absolute';
  return 'local';
}

/**
 * kustomize tries a reference it cannot find locally as a remote `host/org/repo[/path]`; one whose first
 * segment looks like a host name is therefore remote when it does not exist in the repository.
 */
export function remoteWhenMissing(value: string): boolean {
  const first = value.split('/')[0];
  return value.includes('/') && first.includes('.') && first !== '.' && first !== '..' && /^[A-Za-z0-9.-]+(:\d+)?$/.test(first);
}

/** The message for a reference that is not local: what it is and what to do instead. */
export function refusalMessage(value: string, cls: Exclude<RefClass, 'local'>): string {
  return cls === 'remote'
    ? `"${value}" is a remote reference: ${remoteRefusal} and refer to it by a path relative to this file`
    : `"${value}" is an absolute path: it would be read from the machine bosun runs on; refer to files inside the repository by a relative path`;
}
