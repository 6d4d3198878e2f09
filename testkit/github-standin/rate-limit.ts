// Rate limits as GitHub reports and enforces them: `x-ratelimit-*` on every answer (primary limit per
// installation and hour), and, on demand, a secondary limit that refuses the next content-creating
// requests with 403 + `retry-after`, so retry logic can be tested against the real answer.
import type { Caller } from './auth/credentials.ts';

export interface CoreLimit {
  limit: number;
  remaining: number;
  reset: number;
  used: number;
}

const hourMs = 60 * 60 * 1000;

export const secondaryLimitMessage =
  'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later. If you reach out to GitHub Support for help, please include the request ID.';

export class RateLimits {
  private readonly windows = new Map<string, { start: number; used: number }>();
  private secondary: { requests: number; retryAfter: number } = { requests: 0, retryAfter: 0 };

  /** Counts one request of `caller` against its hourly limit and returns the state after it. */
  count(caller: Caller, now: number): CoreLimit {
    const w = this.window(caller, now);
    w.used++;
    return this.describe(w);
  }

  core(caller: Caller, now: number): CoreLimit {
    return this.describe(this.window(caller, now));
  }

  simulateSecondary(requests: number, retryAfterSeconds: number): void {
    this.secondary = { requests, retryAfter: retryAfterSeconds };
  }

  /** Seconds to ask the client to wait when this content-creating request is refused, else undefined. */
  takeSecondary(): number | undefined {
    if (this.secondary.requests <= 0) return undefined;
    this.secondary.requests--;
    return this.secondary.retryAfter;
  }

  private window(caller: Caller, now: number): { start: number; used: number } {
    const key = caller.kind === 'installation' ? `installation:${caller.installationId}` : caller.kind;
    let w = this.windows.get(key);
    if (!w || now - w.start >= hourMs) this.windows.set(key, (w = { start: now, used: 0 }));
    return w;
  }

  private describe(w: { start: number; used: number }): CoreLimit {
    const limit = 5000;
    return { limit, remaining: Math.max(0, limit - w.used), reset: Math.ceil((w.start + hourMs) / 1000), used: w.used };
  }
}
