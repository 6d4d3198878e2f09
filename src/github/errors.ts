import { BosunError } from '../model/errors.ts';
import { scrub } from '../util/scrub.ts';

/** A GitHub API failure, with the HTTP status and, for rate limits, when a retry may succeed. */
export class GitHubError extends BosunError {
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(p: { message: string; status?: number; retryAfterMs?: number; field?: string }, options?: { cause?: unknown }) {
    super({ kind: 'internal', message: scrub(p.message), field: p.field }, options);
    this.name = 'GitHubError';
    this.status = p.status;
    this.retryAfterMs = p.retryAfterMs;
  }
}

interface ErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export function errorStatus(err: unknown): number | undefined {
  const status = (err as ErrorLike | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function errorHeaders(err: unknown): Record<string, string | number | undefined> {
  return (err as ErrorLike | undefined)?.response?.headers ?? {};
}

/** The error's message plus GitHub's own `message` and validation `errors`, if the body has them. */
export function errorMessage(err: unknown): string {
  const e = err as ErrorLike | undefined;
  const parts: string[] = [];
  if (typeof e?.message === 'string') parts.push(e.message);
  const data = e?.response?.data as { message?: unknown; errors?: unknown } | undefined;
  if (data && typeof data === 'object') {
    if (typeof data.message === 'string' && !parts.some((p) => p.includes(data.message as string))) parts.push(data.message);
    if (Array.isArray(data.errors)) {
      for (const item of data.errors) parts.push(typeof item === 'string' ? item : JSON.stringify(item));
    }
  }
  return parts.join(' — ') || String(err);
}

const hints: Record<number, string> = {
  401: 'the installation token is invalid or expired: create a new one',
  403: 'the GitHub App lacks a permission this call needs: check the App permissions (app.yml) and that the installation accepted them',
  404: 'not found, or the GitHub App is not installed on this repository or cannot see it',
  409: 'GitHub reports a conflict with the current state: reload the object and try again',
  422: 'GitHub rejected the request body: see the validation errors above',
};

/** How long a job that met a GitHub server error waits before it runs again. */
export const serverErrorRetryMs = 10_000;

/** Wraps an adapter's failure in a GitHubError that names the call and says what to do. */
export function failure(what: string, err: unknown): GitHubError {
  if (err instanceof GitHubError) {
    return err.message.startsWith(what) ? err : new GitHubError({ status: err.status, retryAfterMs: err.retryAfterMs, field: err.field, message: `${what} failed: ${err.message}` }, { cause: err });
  }
  const status = errorStatus(err);
  const hint = status !== undefined ? hints[status] ?? (status >= 500 ? 'GitHub had a server error: retry later' : undefined) : undefined;
  const code = status !== undefined ? ` (HTTP ${status})` : '';
  // A server error is GitHub's, not the job's: the job is run again later without using up an attempt.
  const retryAfterMs = status !== undefined && status >= 500 ? serverErrorRetryMs : undefined;
  return new GitHubError({ status, retryAfterMs, message: `${what} failed${code}: ${errorMessage(err)}${hint ? `; ${hint}` : ''}` }, { cause: err });
}
