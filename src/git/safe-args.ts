import { BosunError } from '../model/errors.ts';

/**
 * Checks for values that reach a git command line from webhook payloads, API answers or repository
 * content. Branch names of fork pull requests are chosen by whoever opened them; a value such as
 * `--output=/etc/cron.d/x` must never be read by git as an option. Commands also put `--end-of-options`
 * before such values; these checks make the error say what was wrong instead of git's words.
 */

const commitIdPattern = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** A full commit id (SHA-1 or SHA-256 object name), as GitHub sends them. */
export function commitId(value: string, what = 'commit'): string {
  if (typeof value !== 'string' || !commitIdPattern.test(value)) {
    throw new BosunError({ kind: 'git', message: `${what} ${JSON.stringify(String(value)).slice(0, 80)} is not a full commit id (40 or 64 hexadecimal digits)` });
  }
  return value;
}

/**
 * A branch name git accepts (git check-ref-format rules) that cannot be read as an option: no leading
 * "-", no "..", no "@{", no control characters, spaces or `~^:?*[\`, no component starting with "." or
 * ending with ".lock", not ending with "/" or ".".
 */
export function branchName(value: string): string {
  const bad = typeof value !== 'string' || value === '' || value.length > 255 || value.startsWith('-') || value.includes('..') || value.includes('@{')
    || value === '@' || [...value].some((ch) => ch <= ' ' || ch === '\x7f') || /[~^:?*[\\]/.test(value) || value.endsWith('/') || value.endsWith('.') || value.includes('//')
    || value.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (bad) throw new BosunError({ kind: 'git', message: `${JSON.stringify(String(value)).slice(0, 80)} is not a valid branch name` });
  return value;
}
