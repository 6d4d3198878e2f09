import { ApiError, TransportError } from './api-error.ts';

export interface RetryPolicy {
  /** Total tries, the first one included. */
  attempts: number;
  /** Backoff before the second try; doubles per try. */
  baseDelayMs: number;
  /** Upper bound of one backoff (and of an honoured Retry-After). */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8_000 };

/** Connection-level failures that say nothing about the request itself: another try may well work. */
const transientCodes = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Whether a failed request is worth another try: server errors (5xx), throttling (429), timeouts and
 * dropped connections. Every other 4xx is an answer about the request itself (invalid, forbidden, a
 * field-manager conflict) and repeating it cannot change the outcome.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 500 || error.status === 429;
  if (error instanceof TransportError) return transientCodes.has(error.code);
  return false;
}

/**
 * Delay before try number `attempt + 1` (attempt counts from 1): exponential with full jitter, so
 * many clients failing at once do not retry in lock-step. A server's Retry-After is honoured as a
 * floor, capped by `maxDelayMs` so a hostile or confused server cannot park us for an hour.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const floor = retryAfterSeconds !== undefined ? Math.min(policy.maxDelayMs, retryAfterSeconds * 1000) : 0;
  return Math.round(Math.max(jittered, floor));
}

export interface RetryNotice {
  attempt: number;
  attempts: number;
  delayMs: number;
  error: unknown;
}

/** Runs `fn` until it succeeds, fails with a non-retryable error, or the policy's tries are used up. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
  onRetry?: (notice: RetryNotice) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) {
        if (error instanceof ApiError || error instanceof TransportError) error.attempts = attempt;
        throw error;
      }
      const retryAfter = error instanceof ApiError ? error.retryAfterSeconds : undefined;
      const delayMs = backoffDelayMs(attempt, policy, retryAfter);
      onRetry?.({ attempt, attempts: policy.attempts, delayMs, error });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * Whether the API server was away rather than answering about the request: no connection, a reset or a
 * timeout, or a gateway's 502/503/504. Narrower than isUnavailable: a 500 or a 429 is the server answering
 * this request (the 1.20 server answers 500 to some malformed objects), so it stays that object's result.
 */
export function isServerAway(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof TransportError) return transientCodes.has(e.code);
    if (e instanceof ApiError) return e.status === 502 || e.status === 503 || e.status === 504;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Whether an error (or one it was caused by) says the API server did not answer at all or answered that
 * it is unavailable — down, restarting, unreachable — rather than anything about the request: the same
 * apply can simply run again once the server is back.
 */
export function isUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof ServerAway) return true;
    // The first answer (or missing answer) found decides, by the same rule as a request's own retries.
    if (e instanceof TransportError || e instanceof ApiError) return isRetryable(e);
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * An apply that ran to its end but failed because the API server stopped answering during it (the
 * report's `unreachable`): raised by the apply path so the run is repeated once the server answers,
 * rather than concluded as a failed apply.
 */
export class ServerAway extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerAway';
  }
}
