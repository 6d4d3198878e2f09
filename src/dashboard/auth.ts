import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may see the dashboard: whoever presents BOSUN_DASHBOARD_TOKEN, either as `Authorization: Bearer
 * <token>` (scripts, curl) or as the password of HTTP basic auth with any user name (so a browser can
 * log in through its own prompt).
 */
export type AuthVerdict = 'ok' | 'missing' | 'wrong';

/** Answered with every 401, so a browser shows its login prompt. */
export const authChallenge = 'Basic realm="bosun", charset="UTF-8"';

export function checkAuthorization(header: string | undefined, token: string): AuthVerdict {
  const presented = presentedToken(header);
  if (presented === undefined) return header ? 'wrong' : 'missing';
  return sameSecret(presented, token) ? 'ok' : 'wrong';
}

function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match) return undefined;
  const [, scheme, value] = match;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Compares in constant time. Hashing first gives both sides the same length, so neither the content nor
 * the length of the token leaks through how long a refusal takes.
 */
function sameSecret(presented: string, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(token));
}
