import { BosunError } from '../model/errors.ts';

/** `owner/repo` as GitHub spells it. */
const repoPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** The lock key of an environment: `<owner>/<repo>:<env>`, the repository in lower case. */
export function lockKey(repo: string, env: string): string {
  return parseLockKey(`${repo}:${env}`).key;
}

/**
 * Splits and normalises a lock key. GitHub treats `Acme/App` and `acme/app` as one repository, so the
 * repository part is lower-cased; environment names are case-sensitive and kept.
 */
export function parseLockKey(key: string): { key: string; repo: string; env: string } {
  const colon = key.indexOf(':');
  const repo = colon < 0 ? key : key.slice(0, colon);
  const env = colon < 0 ? '' : key.slice(colon + 1);
  if (!repoPattern.test(repo) || env.length === 0) {
    throw new BosunError({
      kind: 'usage',
      message: `lock key "${key}" is not "<owner>/<repo>:<environment>"; build it with lockKey(repo, env)`,
      field: 'key',
    });
  }
  const normalized = repo.toLowerCase();
  return { key: `${normalized}:${env}`, repo: normalized, env };
}
