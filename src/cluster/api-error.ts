import { scrub } from '../util/scrub.ts';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The `metav1.Status` body the API server sends with every error. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

/** A field held by another field manager, from a server-side apply 409. */
import type { FieldConflict } from '../model/preview.ts';

export type { FieldConflict };

/**
 * The API server answered with an error status. The message is the server's own (scrubbed: admission
 * webhooks like to echo the object back), so it says what is wrong with the object.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly reason?: string;
  readonly causes: StatusCause[];
  readonly retryAfterSeconds?: number;
  readonly method: string;
  readonly path: string;
  /** How many tries were made before giving up. */
  attempts = 1;

  constructor(init: { status: number; body: unknown; method: string; path: string; retryAfter?: string; secrets?: readonly string[] }) {
    const status = asStatus(init.body);
    const text = status?.message ?? (typeof init.body === 'string' && init.body.trim() !== '' ? init.body.trim().slice(0, 500) : `HTTP ${init.status}`);
    super(scrubMessage(text, init.secrets));
    this.name = 'ApiError';
    this.status = init.status;
    this.reason = status?.reason;
    this.causes = (status?.details?.causes ?? []).map((c) => ({ ...c, message: c.message && scrubMessage(c.message, init.secrets) }));
    this.method = init.method;
    this.path = init.path;
    const header = init.retryAfter !== undefined ? Number(init.retryAfter) : NaN;
    if (Number.isFinite(header) && header >= 0) this.retryAfterSeconds = header;
    else if (typeof status?.details?.retryAfterSeconds === 'number') this.retryAfterSeconds = status.details.retryAfterSeconds;
  }

  /** Managers and fields behind a server-side apply conflict (409 with FieldManagerConflict causes). */
  conflicts(): FieldConflict[] {
    if (this.status !== 409) return [];
    return this.causes
      .filter((c) => c.reason === 'FieldManagerConflict')
      .map((c) => ({ manager: /conflicts? with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? 'unknown', field: c.field ?? '' }));
  }
}

/** The request never got an HTTP answer: connection refused or reset, TLS failure, timeout. */
export class TransportError extends Error {
  readonly code: string;
  readonly method: string;
  readonly path: string;
  attempts = 1;

  constructor(init: { code: string; message: string; method: string; path: string }) {
    super(scrub(init.message));
    this.name = 'TransportError';
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
  }
}

/**
 * Decoding errors quote raw request bytes around the failure (`error found in #10 byte of ...|"a":1}|...`);
 * when the request carried Secret values, such a window may hold a fragment of one that no exact-match
 * scrub can catch, so the quoted bytes go entirely.
 */
function scrubMessage(text: string, secrets: readonly string[] | undefined): string {
  const withoutEcho = secrets && secrets.length > 0 ? text.replace(/\.\.\.\|[\s\S]*?\|\.\.\./g, '...|***|...') : text;
  return scrub(withoutEcho, secrets);
}

function asStatus(body: unknown): KubeStatus | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const status = body as KubeStatus;
  return status.kind === 'Status' || typeof status.message === 'string' ? status : undefined;
}

/**
 * One line for a report: what failed and what to do about it. Conflicts name the other managers and
 * their fields, because that is what a user needs to decide between fixing Git and forcing.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiError) {
    const conflicts = error.conflicts();
    if (conflicts.length > 0) {
      const byManager = new Map<string, string[]>();
      for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
      const list = [...byManager].map(([manager, fields]) => `"${manager}" owns ${fields.join(', ')}`).join('; ');
      return `conflict with other field managers: ${list}. Change these fields in Git to match, remove them from the manifest, or set forceConflicts for this environment to take them over`;
    }
    const tries = error.attempts > 1 ? ` (after ${error.attempts} tries)` : '';
    return `${error.status}${error.reason ? ` ${error.reason}` : ''}: ${error.message}${tries}`;
  }
  if (error instanceof TransportError) {
    const tries = error.attempts > 1 ? ` (after ${error.attempts} tries)` : '';
    return `${error.message}${tries}`;
  }
  return scrub(error instanceof Error ? error.message : String(error));
}
