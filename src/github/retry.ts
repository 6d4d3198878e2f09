import { setTimeout as delay } from 'node:timers/promises';
import type { GitHubClient } from './client.ts';
import { GitHubError, errorStatus, errorHeaders, errorMessage } from './errors.ts';

export interface RetryWait {
  /** How long we wait before the next attempt. */
  ms: number;
  /** The attempt that just failed (1-based). */
  attempt: number;
  kind: 'secondary' | 'primary' | 'server-error';
}

export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number;
  /**
   * The longest single wait accepted. A limit that resets later (the primary limit can be most of an
   * hour away) fails at once with `retryAfterMs`, so a queued job can be delayed instead of a worker
   * sleeping. Default 2 min.
   */
  maxWaitMs?: number;
  /**
   * The call may be repeated with the same effect (a read, an update, a delete; not a POST that creates
   * something): then GitHub's server errors (500, 502, 503, 504) are retried too, after 1 s, 2 s, 4 s.
   * A create is not repeated in place — GitHub may have done it before failing — but fails, and the job
   * that made it runs again later, looking before it creates. Default false.
   */
  idempotent?: boolean;
  onWait?: (wait: RetryWait) => void;
  /** Injected in tests; default a real timer. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** GitHub's advice when a secondary limit names no `retry-after`: wait at least a minute, then back off. */
const secondaryBaseMs = 60_000;

/**
 * How long GitHub asks us to wait before retrying after `err`, or undefined when the error is not a
 * rate limit (a plain 403 is a missing permission; retrying it only adds load).
 */
export function rateLimitWait(err: unknown, attempt: number, now: number): { ms: number; kind: 'secondary' | 'primary' } | undefined {
  const status = errorStatus(err);
  if (status !== 403 && status !== 429) return undefined;
  const headers = errorHeaders(err);
  const retryAfter = retryAfterSeconds(headers['retry-after'], now);
  const secondary = /secondary rate limit|abuse detection/i.test(errorMessage(err));
  if (retryAfter !== undefined) return { ms: Math.max(0, retryAfter * 1000), kind: secondary || status === 429 ? 'secondary' : 'primary' };
  if (headerNumber(headers['x-ratelimit-remaining']) === 0) {
    const reset = headerNumber(headers['x-ratelimit-reset']);
    // The reset is whole seconds since the epoch; one more second covers clock skew and rounding.
    if (reset !== undefined) return { ms: Math.max(0, reset * 1000 - now) + 1000, kind: 'primary' };
  }
  if (secondary || status === 429) return { ms: secondaryBaseMs * 2 ** (attempt - 1), kind: 'secondary' };
  return undefined;
}

/**
 * Runs `fn`, retrying GitHub rate-limit failures (primary and secondary) after the wait GitHub asks
 * for, with bounded waits and attempts, and server errors when `idempotent`. Other failures are thrown
 * at once.
 */
export async function withGitHubRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const maxAttempts = opts.maxAttempts ?? 4;
  const maxWaitMs = opts.maxWaitMs ?? 120_000;
  const sleep = opts.sleep ?? ((ms: number) => delay(ms));
  const now = opts.now ?? Date.now;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = rateLimitWait(err, attempt, now()) ?? (opts.idempotent ? serverErrorWait(err, attempt) : undefined);
      if (!wait) throw err;
      if (wait.kind === 'server-error' && attempt >= maxAttempts) throw err;
      if (attempt >= maxAttempts || wait.ms > maxWaitMs) {
        const seconds = Math.ceil(wait.ms / 1000);
        const tried = `${attempt} attempt${attempt === 1 ? '' : 's'}`;
        throw new GitHubError(
          {
            status: errorStatus(err),
            retryAfterMs: wait.ms,
            message: `GitHub ${wait.kind} rate limit: still limited after ${tried}; GitHub asks to wait ${seconds} s. Retry the job after that (its retryAfterMs says when).`,
          },
          { cause: err },
        );
      }
      opts.onWait?.({ ms: wait.ms, attempt, kind: wait.kind });
      await sleep(wait.ms);
    }
  }
}

/** GitHub's transient server errors: the same request may well succeed a moment later. */
const serverErrors = new Set([500, 502, 503, 504]);

export function serverErrorWait(err: unknown, attempt: number): { ms: number; kind: 'server-error' } | undefined {
  const status = errorStatus(err);
  return status !== undefined && serverErrors.has(status) ? { ms: 1000 * 2 ** (attempt - 1), kind: 'server-error' } : undefined;
}

const retrying = Symbol('bosun.github.retrying');

/**
 * A client whose every request goes through withGitHubRetry with these options (say, to log waits).
 * The adapters retry plain clients with the defaults, and do not retry a wrapped one twice.
 */
export function withRetries(gh: GitHubClient, opts: RetryOptions = {}): GitHubClient {
  if (isRetrying(gh)) return gh;
  const wrapped: GitHubClient & { [retrying]: true } = {
    [retrying]: true,
    request: (route, params) => withGitHubRetry(() => gh.request(route, params), opts),
  };
  const graphql = gh.graphql?.bind(gh);
  if (graphql) wrapped.graphql = (query, variables) => withGitHubRetry(() => graphql(query, variables), opts);
  return wrapped;
}

export function isRetrying(gh: GitHubClient): boolean {
  return (gh as { [retrying]?: boolean })[retrying] === true;
}

function headerNumber(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** `retry-after` is seconds from GitHub, but HTTP also allows a date. */
function retryAfterSeconds(value: string | number | undefined, now: number): number | undefined {
  const seconds = headerNumber(value);
  if (seconds !== undefined || value === undefined) return seconds;
  const at = Date.parse(String(value));
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}
