import { RequestError } from '@octokit/request-error';
import { describe, expect, it } from 'vitest';
import { GitHubError, rateLimitWait, withGitHubRetry, type RetryWait } from '../../src/github/index.ts';
import { failure, serverErrorRetryMs } from '../../src/github/errors.ts';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

function githubError(status: number, headers: Record<string, string>, message = 'Forbidden'): RequestError {
  return new RequestError(message, status, {
    request: { method: 'POST', url: 'https://api.github.com/repos/o/r/issues/1/comments', headers: {} },
    response: { status, url: 'https://api.github.com/repos/o/r/issues/1/comments', headers, data: { message } },
  });
}

/** A call that fails with the given errors in turn, then succeeds. */
function failing(errors: unknown[]): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    fn: async () => {
      const err = errors[calls++];
      if (err) throw err;
      return 'ok';
    },
    calls: () => calls,
  };
}

function recorder(): { waits: RetryWait[]; slept: number[]; opts: { onWait: (w: RetryWait) => void; sleep: (ms: number) => Promise<void>; now: () => number } } {
  const waits: RetryWait[] = [];
  const slept: number[] = [];
  return { waits, slept, opts: { onWait: (w) => waits.push(w), sleep: async (ms) => void slept.push(ms), now: () => now } };
}

describe('withGitHubRetry', () => {
  it('waits as long as retry-after says on a secondary rate limit, then succeeds', async () => {
    const call = failing([githubError(403, { 'retry-after': '7' }, 'You have exceeded a secondary rate limit')]);
    const r = recorder();
    expect(await withGitHubRetry(call.fn, r.opts)).toBe('ok');
    expect(call.calls()).toBe(2);
    expect(r.slept).toEqual([7_000]);
    expect(r.waits).toEqual([{ ms: 7_000, attempt: 1, kind: 'secondary' }]);
  });

  it('waits until the primary limit resets when x-ratelimit-remaining is 0', async () => {
    const reset = String(now / 1000 + 30);
    const call = failing([githubError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, 'API rate limit exceeded')]);
    const r = recorder();
    await withGitHubRetry(call.fn, r.opts);
    expect(r.waits).toEqual([{ ms: 31_000, attempt: 1, kind: 'primary' }]);
  });

  it('backs off from one minute on a secondary limit that names no wait, and on a bare 429', async () => {
    const call = failing([githubError(403, {}, 'You have exceeded a secondary rate limit. Please wait'), githubError(429, {}, 'Too Many Requests')]);
    const r = recorder();
    await withGitHubRetry(call.fn, { ...r.opts, maxWaitMs: 300_000 });
    expect(r.slept).toEqual([60_000, 120_000]);
  });

  it('does not retry a 403 that is a missing permission, nor other errors', async () => {
    const forbidden = failing([githubError(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible by integration')]);
    await expect(withGitHubRetry(forbidden.fn, recorder().opts)).rejects.toThrow(/Resource not accessible/);
    expect(forbidden.calls()).toBe(1);
    const notFound = failing([githubError(404, {}, 'Not Found')]);
    await expect(withGitHubRetry(notFound.fn, recorder().opts)).rejects.toThrow(/Not Found/);
    expect(notFound.calls()).toBe(1);
  });

  it('gives up after maxAttempts with an error that says when to retry', async () => {
    const limited = githubError(429, { 'retry-after': '2' });
    const call = failing([limited, limited, limited, limited]);
    const r = recorder();
    const err = await withGitHubRetry(call.fn, { ...r.opts, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(call.calls()).toBe(3);
    expect(r.slept).toEqual([2_000, 2_000]);
    expect(err).toBeInstanceOf(GitHubError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 2_000 });
    expect((err as Error).message).toMatch(/still limited after 3 attempts; GitHub asks to wait 2 s/);
  });

  it('fails at once, without sleeping, when the limit resets later than maxWaitMs', async () => {
    const reset = String(now / 1000 + 3_000);
    const call = failing([githubError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })]);
    const r = recorder();
    const err = await withGitHubRetry(call.fn, { ...r.opts, maxWaitMs: 60_000 }).catch((e: unknown) => e);
    expect(r.slept).toEqual([]);
    expect(err).toMatchObject({ retryAfterMs: 3_001_000 });
  });
});

describe('rateLimitWait', () => {
  it('reads an HTTP-date retry-after', () => {
    const at = new Date(now + 12_000).toUTCString();
    expect(rateLimitWait(githubError(429, { 'retry-after': at }), 1, now)).toEqual({ ms: 12_000, kind: 'secondary' });
  });

  it('retries GitHub server errors of an idempotent call after 1, 2, 4 s, never a create, and marks a failed one for a later job run', async () => {
    const flaky = failing([githubError(502, {}, 'Server Error'), githubError(503, {}, 'Service Unavailable')]);
    const r = recorder();
    await expect(withGitHubRetry(flaky.fn, { ...r.opts, idempotent: true })).resolves.toBe('ok');
    expect(r.slept).toEqual([1000, 2000]);
    expect(r.waits.map((w) => w.kind)).toEqual(['server-error', 'server-error']);

    const down = failing(Array.from({ length: 4 }, () => githubError(503, {}, 'Service Unavailable')));
    const d = recorder();
    await expect(withGitHubRetry(down.fn, { ...d.opts, idempotent: true })).rejects.toThrow(/Service Unavailable/);
    expect(down.calls()).toBe(4);
    expect(d.slept).toEqual([1000, 2000, 4000]);

    // A POST that creates something may have been done before GitHub failed: not repeated in place.
    const create = failing([githubError(502, {}, 'Server Error')]);
    await expect(withGitHubRetry(create.fn, recorder().opts)).rejects.toThrow(/Server Error/);
    expect(create.calls()).toBe(1);
    // The adapters' error asks the job layer to run the job again later, without using an attempt.
    expect(failure('creating check run "bosun / staging"', githubError(502, {}, 'Server Error')).retryAfterMs).toBe(serverErrorRetryMs);
    expect(failure('looking up the comment', githubError(404, {}, 'Not Found')).retryAfterMs).toBeUndefined();
  });
});
