// Who is calling: the App (JWT), an installation (token) or nobody. Only the outcome is kept; the
// credential itself never reaches a log or an error.
import { randomBytes, type KeyObject } from 'node:crypto';
import type { Store } from '../state/store.ts';
import { jwtProblem, looksLikeJwt } from './jwt.ts';

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'app' }
  | { kind: 'installation'; installationId: number; repos?: Set<string> };

export type Authenticated = Caller | { kind: 'refused'; status: 401; message: string };

/** Installation tokens live one hour, as on GitHub. */
export const tokenLifetimeMs = 60 * 60 * 1000;

export function mintInstallationToken(store: Store, installationId: number, repos: Set<string> | undefined, now: number): { token: string; expiresAt: number } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const token = `ghs_${[...randomBytes(36)].map((b) => alphabet[b % alphabet.length]).join('')}`;
  const expiresAt = now + tokenLifetimeMs;
  store.tokens.set(token, { installationId, repos, expiresAt });
  return { token, expiresAt };
}

export function installationCaller(store: Store, token: string, now: number): Caller | undefined {
  const record = store.tokens.get(token);
  if (!record || record.expiresAt <= now) return undefined;
  return { kind: 'installation', installationId: record.installationId, repos: record.repos };
}

/** Reads `Authorization: token …`, `Bearer …` (token or JWT). */
export function authenticate(header: string | undefined, store: Store, appKey: KeyObject, appId: number, now: number): Authenticated {
  if (!header) return { kind: 'anonymous' };
  const m = /^(token|bearer)\s+(\S+)\s*$/i.exec(header);
  if (!m) return { kind: 'refused', status: 401, message: 'Bad credentials' };
  const value = m[2];
  if (looksLikeJwt(value)) {
    const problem = jwtProblem(value, appKey, appId, Math.floor(now / 1000));
    return problem ? { kind: 'refused', status: 401, message: problem } : { kind: 'app' };
  }
  return installationCaller(store, value, now) ?? { kind: 'refused', status: 401, message: 'Bad credentials' };
}

/** The password of HTTP basic auth, as git sends it (`x-access-token:<token>`). */
export function basicPassword(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
