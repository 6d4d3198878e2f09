// GitHub on a bad day, seeded: for a while, a share of API requests (REST and GraphQL; not git, not the
// web forms) is answered with a server error instead of being handled — 502 with GitHub's "Server Error"
// (what a request that took GitHub too long gets) or 503 "Service Unavailable" (GitHub's documented
// `service_unavailable` answer) — and some content-creating ones (POST, PATCH, PUT, DELETE) with the
// secondary rate limit: 403, `retry-after` and GitHub's message. A faulted request has no effect, unless
// the mode asks for some to be applied first (`appliedShare`, `applied`): GitHub can do a write and still
// answer 502/503 (the request outlived its proxy), and the client cannot tell the two apart.
// The same seed and the same order of requests give the same faults, so a failing run can be replayed.
import { secondaryLimitMessage } from './rate-limit.ts';

export interface FaultMode {
  /** Share of requests answered with a fault, in percent (0–100). */
  percent: number;
  /** How long the faults last from now, in milliseconds. */
  durationMs: number;
  /** Seed of the generator that picks which requests fail and how. */
  seed: number;
  /** Of the faulted content-creating requests, the share answered with the secondary rate limit (0–1). Default 1/3. */
  rateLimitShare?: number;
  /** `retry-after` of the secondary-limit answers, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /**
   * Of the content-creating requests answered 502/503, the share that is carried out first (the write
   * happened, the answer says it failed), 0–1. Default 0; when 0 the seed picks the same faults as before.
   */
  appliedShare?: number;
}

/**
 * A one-off failure a test arms (`failNext`): the next `times` API requests matching it (method, path, and
 * the raw JSON body when `body` is given) are answered with `status` instead of being handled — no effect,
 * as in the fault mode — so a test can fail one particular call of a flow.
 */
export interface OneOffFault {
  method: string;
  /** Tested against the path as requested (with `/api/v3` when the client used it), without the query. */
  path: RegExp;
  /** Tested against the request's raw body (JSON text). */
  body?: RegExp;
  /** Default 502. */
  status?: 502 | 503;
  /** How many matching requests fail. Default 1. */
  times?: number;
  /** Carry the request out, then answer with the fault (a write GitHub did but answered 5xx). Default false. */
  applied?: boolean;
}

export interface FaultAnswer {
  status: 502 | 503 | 403;
  body: { message: string; documentation_url?: string };
  headers: Record<string, string>;
  /** The request is handled first; only its answer is replaced. */
  applied?: boolean;
}

export interface FaultCounts {
  /** Requests seen while the fault mode was on (over every `start` since the stand-in started). */
  seen: number;
  /** Of those, answered with a fault, by status. */
  faulted: Record<number, number>;
  /** Of the faulted ones, how many were carried out before the fault was answered (`appliedShare`). */
  applied?: number;
}

const contentCreating = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** mulberry32: small, seeded, good enough to pick faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private mode?: FaultMode & { until: number; random: () => number };
  private readonly seenCounts: FaultCounts = { seen: 0, faulted: {} };
  private readonly oneOff: Array<OneOffFault & { left: number }> = [];

  start(mode: FaultMode, now: number): void {
    if (!(mode.percent >= 0 && mode.percent <= 100)) throw new Error(`simulateFaults: percent must be 0–100, got ${mode.percent}`);
    if (!((mode.appliedShare ?? 0) >= 0 && (mode.appliedShare ?? 0) <= 1)) throw new Error(`simulateFaults: appliedShare must be 0–1, got ${mode.appliedShare}`);
    this.mode = { ...mode, until: now + mode.durationMs, random: seededRandom(mode.seed) };
  }

  stop(): void {
    this.mode = undefined;
  }

  /** Whether faults are being injected at `now`. */
  active(now: number): boolean {
    return this.mode !== undefined && now < this.mode.until;
  }

  counts(): FaultCounts {
    return { seen: this.seenCounts.seen, faulted: { ...this.seenCounts.faulted }, ...(this.seenCounts.applied ? { applied: this.seenCounts.applied } : {}) };
  }

  failNext(fault: OneOffFault): void {
    const left = fault.times ?? 1;
    if (!(Number.isInteger(left) && left > 0)) throw new Error(`failNext: times must be a positive integer, got ${fault.times}`);
    this.oneOff.push({ ...fault, left });
  }

  /** One-off failures armed and not yet used up. */
  armed(): number {
    return this.oneOff.reduce((n, f) => n + f.left, 0);
  }

  /** The one-off failure to answer this request with (the first armed one it matches), or undefined. */
  takeOneOff(method: string, path: string, body: string): FaultAnswer | undefined {
    const i = this.oneOff.findIndex((f) => f.method.toUpperCase() === method.toUpperCase() && f.path.test(path) && (f.body === undefined || f.body.test(body)));
    if (i < 0) return undefined;
    const fault = this.oneOff[i];
    if (--fault.left === 0) this.oneOff.splice(i, 1);
    const answer: FaultAnswer = (fault.status ?? 502) === 502
      ? { status: 502, body: { message: 'Server Error' }, headers: {} }
      : { status: 503, body: { message: 'Service Unavailable', documentation_url: 'https://docs.github.com/rest' }, headers: {} };
    return fault.applied ? { ...answer, applied: true } : answer;
  }

  /** The fault to answer this request with, or undefined to handle it. */
  take(method: string, now: number): FaultAnswer | undefined {
    const mode = this.mode;
    if (!mode || now >= mode.until) return undefined;
    this.seenCounts.seen++;
    if (mode.random() * 100 >= mode.percent) return undefined;
    const pick = mode.random();
    const answer: FaultAnswer = contentCreating.has(method.toUpperCase()) && pick < (mode.rateLimitShare ?? 1 / 3)
      ? {
          status: 403,
          body: { message: secondaryLimitMessage, documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits' },
          headers: { 'retry-after': String(mode.retryAfterSeconds ?? 1) },
        }
      : mode.random() < 0.5
        ? { status: 502, body: { message: 'Server Error' }, headers: {} }
        : { status: 503, body: { message: 'Service Unavailable', documentation_url: 'https://docs.github.com/rest' }, headers: {} };
    // Drawn only when asked for, so a seed without `appliedShare` picks the faults it always picked.
    if (mode.appliedShare && answer.status !== 403 && contentCreating.has(method.toUpperCase()) && mode.random() < mode.appliedShare) {
      answer.applied = true;
      this.seenCounts.applied = (this.seenCounts.applied ?? 0) + 1;
    }
    this.seenCounts.faulted[answer.status] = (this.seenCounts.faulted[answer.status] ?? 0) + 1;
    return answer;
  }
}
