/**
 * A plan fanned out into child jobs (issue #16): when a change affects more environments than
 * `BOSUN_PLAN_FANOUT_ENVS`, the plan job renders them in parts of at most `BOSUN_PLAN_FANOUT_BATCH` on the
 * plan-part queue, so several workers render at once, and gathers the parts' reports into one comment.
 * Here: when to split and how, the parts' results as they travel through Redis (gzip JSON: a part's
 * reports may hold large diffs), and the plan job's analysis kept while its parts run.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { EnvironmentPlan, PlanResult } from '../model/plan.ts';
import { takeInOrder, type PlanBudgetCarry } from '../plan/object-budget.ts';
import { objectLimitFor, type ObjectLimits } from '../render/object-limits.ts';
import { stateKeys } from './ids.ts';

const zip = promisify(gzip);
const unzip = promisify(gunzip);

/** gzip JSON, the form of everything here that travels through Redis. */
const pack = async (value: unknown): Promise<Buffer> => zip(JSON.stringify(value));
const unpack = async <T>(packed: Buffer): Promise<T> => JSON.parse((await unzip(packed)).toString('utf8')) as T;

export interface PlanFanout {
  /** Split when more environments than this are affected; 0: never. */
  envs: number;
  /** Environments per part. */
  batch: number;
}

export const defaultPlanFanout: PlanFanout = { envs: 40, batch: 10 };

/**
 * Whether a plan of `affected` environments is split into parts: only past the threshold, and only when
 * more than one worker process renders parts — on one process the parts run one after another anyway and
 * each pays for its own fetch, checkout and discovery (bench/plan-fanout.bench.ts: 200 environments on one
 * worker took 26 s as one job and 31 s in parts).
 */
export function shouldFanOut(fanout: PlanFanout | undefined, affected: number, partWorkers: number): boolean {
  return fanout !== undefined && fanout.envs > 0 && affected > fanout.envs && partWorkers > 1;
}

/** The environments in parts of at most `size`, in order. */
export function splitParts(envs: readonly string[], size: number): string[][] {
  const step = Math.max(1, Math.floor(size));
  const parts: string[][] = [];
  for (let i = 0; i < envs.length; i += step) parts.push(envs.slice(i, i + step));
  return parts;
}

/** What one part returns: its environments' reports, and discovery notes its renders added (a remote chart not judged). */
export interface PlanPartResult {
  environments: EnvironmentPlan[];
  notes: DiscoveryNote[];
  /**
   * Objects each environment rendered (base and head), what it counts against BOSUN_MAX_PLAN_OBJECTS;
   * absent for an environment not rendered. The plan job applies the limit to the parts' counts in order.
   */
  objects?: Record<string, number>;
}

/** A part's result as its job's return value: gzip JSON, base64. */
export async function encodePart(result: PlanPartResult): Promise<{ gz: string }> {
  return { gz: (await pack(result)).toString('base64') };
}

export async function decodePart(value: unknown): Promise<PlanPartResult | undefined> {
  const gz = (value as { gz?: unknown } | null | undefined)?.gz;
  if (typeof gz !== 'string') return undefined;
  return unpack<PlanPartResult>(Buffer.from(gz, 'base64'));
}

/**
 * How long a part whose environments rendered waits for the parts before it to count theirs. Past it, it
 * plans its environments without the plan limit (the plan job still applies it to the reports): a part
 * before it that is not running (queued behind this one, retried, failed) must not hold it forever.
 */
export const defaultCountWaitMs = 30_000;

/**
 * Objects the parts before `part` took of the plan limit, counted as the plan in one job counts them (in
 * name order, a refused environment taking nothing): once every part before it has kept its counts, or
 * undefined when they have not within `waitMs`, or one of them failed before it counted.
 */
export async function objectsBefore(store: Pick<PlanFanoutStore, 'loadCounts'>, args: { parentId: string; part: number; limit: number; waitMs: number; signal?: AbortSignal }): Promise<number | undefined> {
  const end = Date.now() + args.waitMs;
  for (;;) {
    const counts = await store.loadCounts(args.parentId, args.part);
    if (counts.every((c) => Array.isArray(c))) return takeInOrder(counts.flatMap((c) => c ?? []), args.limit).total;
    // A part before it failed before it counted: its counts will not come in time.
    if (counts.includes(null) || Date.now() >= end) return undefined;
    await delay(100, undefined, args.signal ? { signal: args.signal } : {});
  }
}

/** A part's share of the plan limit: what its planChange is given, and what it counted. */
export interface PartCounting {
  /** The part's share of the plan limit, for planChange's `planBudget`. */
  budget: PlanBudgetCarry;
  /** Each environment's object count, once it rendered. */
  objects: Map<string, number>;
  /** Settles once the part's counts are kept (or could not be); undefined until they all rendered. */
  kept(): Promise<void> | undefined;
  /** The part failed: if it kept no counts, the parts after it stop waiting for them (best effort). */
  failed(): Promise<void>;
}

/**
 * A part's share of the plan limit: its counts kept for the parts after it as soon as all its environments
 * rendered, its first share taken after the parts before it — or, when they do not count within `waitMs`,
 * none (`onUncounted` is told): it plans without the limit and the plan job applies it.
 */
export function partCounting(store: Pick<PlanFanoutStore, 'saveCounts' | 'loadCounts'>, args: {
  parentId: string; part: number; envs: readonly string[]; limits?: ObjectLimits; waitMs?: number; signal?: AbortSignal;
  onUncounted?: (waitMs: number) => void; onKeepFailed?: (err: unknown) => void;
}): PartCounting {
  const objects = new Map<string, number>();
  let kept: Promise<void> | undefined;
  const carry: PlanBudgetCarry = {
    counted(_slot, env, count) {
      objects.set(env, count);
      if (kept || !args.envs.every((name) => objects.has(name))) return;
      // Best effort: parts after this one that never see these counts plan without the limit.
      kept = store.saveCounts(args.parentId, args.part, args.envs.map((name) => objects.get(name)!)).catch((err: unknown) => args.onKeepFailed?.(err));
    },
    async before() {
      if (args.part === 0) return 0;
      const waitMs = args.waitMs ?? defaultCountWaitMs;
      const before = await objectsBefore(store, { parentId: args.parentId, part: args.part, limit: objectLimitFor(args.limits, 'perPlan').limit, waitMs, ...(args.signal ? { signal: args.signal } : {}) });
      if (before === undefined) args.onUncounted?.(waitMs);
      return before;
    },
  };
  return {
    budget: carry,
    objects,
    kept: () => kept,
    failed: async () => {
      if (!kept) await store.saveCounts(args.parentId, args.part, null).catch((err: unknown) => args.onKeepFailed?.(err));
    },
  };
}

/** The plan job's analysis (every environment, affected ones not rendered yet, coverage) and its parts. */
export interface FanoutAnalysis {
  plan: PlanResult;
  parts: string[][];
  /** When the plan job started (epoch ms): its parts share the plan's time budget from there. */
  startedAt?: number;
}

export interface PlanFanoutStore {
  save(jobId: string, analysis: FanoutAnalysis): Promise<void>;
  load(jobId: string): Promise<FanoutAnalysis | undefined>;
  /** Drops the analysis and the parts' object counts. */
  drop(jobId: string): Promise<void>;
  /**
   * Keeps a part's object counts (its environments' in order), as soon as they rendered: the parts after
   * it take their share of the plan limit after these. `null`: the part failed before it counted, the
   * parts after it need not wait for it. The first counts kept for a part stay.
   */
  saveCounts(jobId: string, part: number, counts: number[] | null): Promise<void>;
  /** The object counts of parts 0 to `parts` - 1 (undefined for a part with none kept yet, null for one that failed first). */
  loadCounts(jobId: string, parts: number): Promise<Array<number[] | null | undefined>>;
}

/** Kept a day at most: a plan whose parts take longer is analysed again when it resumes. */
const analysisTtlMs = 24 * 3600 * 1000;

export function createPlanFanoutStore(redis: Redis, prefix: string): PlanFanoutStore {
  const keys = stateKeys(prefix);
  // Beside the analysis: a hash {<part>: JSON counts}.
  const countsKey = (jobId: string): string => `${keys.planFanout(jobId)}:objects`;
  return {
    async save(jobId, analysis) {
      await redis.set(keys.planFanout(jobId), await pack(analysis), 'PX', analysisTtlMs);
    },
    async load(jobId) {
      const stored = await redis.getBuffer(keys.planFanout(jobId));
      return stored ? unpack<FanoutAnalysis>(stored) : undefined;
    },
    async drop(jobId) {
      await redis.del(keys.planFanout(jobId), countsKey(jobId));
    },
    async saveCounts(jobId, part, counts) {
      await redis.multi().hsetnx(countsKey(jobId), String(part), JSON.stringify(counts)).pexpire(countsKey(jobId), analysisTtlMs).exec();
    },
    async loadCounts(jobId, parts) {
      if (parts <= 0) return [];
      const stored = await redis.hmget(countsKey(jobId), ...Array.from({ length: parts }, (_, part) => String(part)));
      return stored.map((text) => (text === null ? undefined : (JSON.parse(text) as number[] | null)));
    },
  };
}
