import { describe, expect, it } from 'vitest';
import { ApiError, TransportError } from '../../src/cluster/api-error.ts';
import { backoffDelayMs, isRetryable, withRetry } from '../../src/cluster/retry.ts';

const apiError = (status: number, retryAfter?: string): ApiError =>
  new ApiError({ status, body: { kind: 'Status', message: `status ${status}`, code: status }, method: 'PATCH', path: '/api/v1/x', retryAfter });
const reset = (): TransportError => new TransportError({ code: 'ECONNRESET', message: 'socket hang up', method: 'GET', path: '/api' });

describe('retry policy', () => {
  it('retries server errors, throttling and dropped connections but not other client errors', () => {
    expect(isRetryable(apiError(503))).toBe(true);
    expect(isRetryable(apiError(500))).toBe(true);
    expect(isRetryable(apiError(429))).toBe(true);
    expect(isRetryable(reset())).toBe(true);
    expect(isRetryable(new TransportError({ code: 'ETIMEDOUT', message: 'no answer', method: 'GET', path: '/' }))).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 410, 422]) expect(isRetryable(apiError(status))).toBe(false);
    expect(isRetryable(new TransportError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'tls', method: 'GET', path: '/' }))).toBe(false);
    expect(isRetryable(new Error('bug'))).toBe(false);
  });

  it('backs off exponentially within jitter bounds and caps the delay', () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, undefined, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, undefined, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, undefined, () => 1)).toBe(400);
    expect(backoffDelayMs(3, policy, undefined, () => 0)).toBe(200);
    expect(backoffDelayMs(9, policy, undefined, () => 1)).toBe(1000);
  });

  it('honours Retry-After as a floor, capped by the maximum delay', () => {
    const policy = { attempts: 5, baseDelayMs: 10, maxDelayMs: 5000 };
    expect(backoffDelayMs(1, policy, 2, () => 0)).toBe(2000);
    expect(backoffDelayMs(1, policy, 3600, () => 0)).toBe(5000);
  });

  it('reads Retry-After from the header or the Status details', () => {
    expect(apiError(429, '3').retryAfterSeconds).toBe(3);
    const fromBody = new ApiError({ status: 429, body: { kind: 'Status', message: 'slow down', details: { retryAfterSeconds: 7 } }, method: 'GET', path: '/' });
    expect(fromBody.retryAfterSeconds).toBe(7);
  });

  it('stops after the allowed tries and records how many were made', async () => {
    let calls = 0;
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
    const error = await withRetry(async () => {
      calls++;
      throw apiError(503);
    }, policy).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).attempts).toBe(3);
  });

  it('gives up at once on a request the server refused', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw apiError(422);
    }, { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 })).rejects.toBeInstanceOf(ApiError);
    expect(calls).toBe(1);
  });

  it('returns the first success after transient failures', async () => {
    let calls = 0;
    const notices: number[] = [];
    const value = await withRetry(async () => {
      calls++;
      if (calls < 3) throw reset();
      return 'ok';
    }, { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 }, (n) => notices.push(n.attempt));
    expect(value).toBe('ok');
    expect(notices).toEqual([1, 2]);
  });
});
