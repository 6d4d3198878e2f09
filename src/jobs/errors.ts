import { BosunError, type ProblemKind } from '../model/errors.ts';

/**
 * Thrown by a processor when a remote service asked us to come back later (GitHub `retry-after`, a
 * rate limit that resets in minutes). The job is put back for `ms` without using up an attempt, instead
 * of a worker sleeping on it.
 */
export class RetryAfterError extends Error {
  readonly retryAfterMs: number;

  constructor(ms: number, message?: string, options?: { cause?: unknown }) {
    super(message ?? `asked to retry after ${Math.round(ms)} ms`, options);
    this.name = 'RetryAfterError';
    this.retryAfterMs = Math.max(0, Math.round(ms));
  }
}

/**
 * A failure that retrying cannot fix (bad repository config, a manifest that does not render): the job
 * fails at once and is not retried.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/**
 * How long to wait before retrying, when the error says so: a RetryAfterError, or any adapter error
 * carrying `retryAfterMs` (src/github's GitHubError does for rate limits).
 */
export function retryAfterMsOf(err: unknown): number | undefined {
  const ms = (err as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Problems in the user's input: the same input fails the same way on every attempt. */
const permanentKinds: ReadonlySet<ProblemKind> = new Set(['usage', 'config', 'yaml', 'render', 'validation', 'path']);

export function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentJobError) return true;
  if (err instanceof BosunError) return permanentKinds.has(err.kind);
  return (err as { name?: unknown } | null | undefined)?.name === 'UnrecoverableError';
}
