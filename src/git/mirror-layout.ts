import { join } from 'node:path';
import { BosunError } from '../model/errors.ts';

/** A repository the mirror cache can hold: its GitHub name and the URL to fetch from (no credentials in it). */
export interface MirrorRepo {
  /** `owner/name`, as GitHub spells it; the cache folder is case-insensitive like GitHub. */
  fullName: string;
  /** `https://github.com/owner/name.git`; `http:` for a local stand-in, `file:` for tests. */
  cloneUrl: string;
}

export interface MirrorPaths {
  /** The bare mirror repository. */
  dir: string;
  /** Lock file shared by all bosun processes on hosts that share the cache folder. */
  lockFile: string;
  /** Prefix of the temporary folder a first clone is built in before it is renamed into place. */
  tempPrefix: string;
}

// GitHub owners are [A-Za-z0-9-]; repository names add '.' and '_'. Anything else cannot be a GitHub
// repository and, worse, could walk out of the cache folder.
const ownerPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const namePattern = /^[A-Za-z0-9._-]{1,100}$/;

export function mirrorPaths(root: string, fullName: string): MirrorPaths {
  const parts = fullName.split('/');
  const [owner, name] = parts;
  if (parts.length !== 2 || !ownerPattern.test(owner) || !namePattern.test(name) || name === '.' || name === '..') {
    throw new BosunError({
      kind: 'usage',
      message: `"${fullName}" is not a GitHub repository name; expected "owner/name" (letters, digits, "-", "_", ".")`,
    });
  }
  const ownerDir = join(root, 'mirrors', owner.toLowerCase());
  const base = `${name.toLowerCase()}.git`;
  // Mirror folders always end in ".git" and the lock/temp names never do, so no repository name can
  // collide with another repository's lock or temp folder.
  return { dir: join(ownerDir, base), lockFile: join(ownerDir, `${base}.lock`), tempPrefix: join(ownerDir, `${base}.tmp-`) };
}

/**
 * Only plain https/http/file URLs without user info: a token in the URL would end up in the mirror's
 * git config, and other transports (`ext::`, ssh) could run commands or prompt.
 */
export function checkCloneUrl(repo: MirrorRepo): URL {
  let url: URL;
  try {
    url = new URL(repo.cloneUrl);
  } catch {
    throw new BosunError({ kind: 'usage', message: `the clone URL of ${repo.fullName} is not a valid URL; expected https://host/owner/name.git` });
  }
  if (!['https:', 'http:', 'file:'].includes(url.protocol)) {
    throw new BosunError({
      kind: 'usage',
      message: `the clone URL of ${repo.fullName} uses ${url.protocol.replace(/:$/, '')}; bosun fetches over https (or http/file for local tests)`,
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new BosunError({
      kind: 'usage',
      message: `the clone URL of ${repo.fullName} carries credentials; pass a plain URL, the installation token is sent in a header`,
    });
  }
  return url;
}

/** What a URL looks like in messages: never user info, query or fragment. */
export function displayUrl(url: URL): string {
  return url.protocol === 'file:' ? url.href : `${url.protocol}//${url.host}${url.pathname}`;
}

/** Full commit ids only: they come from webhook payloads and end up on git's command line. */
const shaPattern = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

export function checkShas(fullName: string, shas: readonly string[]): string[] {
  for (const sha of shas) {
    if (!shaPattern.test(sha)) {
      throw new BosunError({ kind: 'usage', message: `"${sha}" is not a commit sha (wanted from ${fullName}); pass full commit ids (40 or 64 hexadecimal digits)` });
    }
  }
  return [...new Set(shas.map((s) => s.toLowerCase()))];
}

export { processTag } from '../util/owned-dirs.ts';
