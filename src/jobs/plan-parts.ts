/**
 * A plan fanned out into child jobs (issue #16): when a change affects more environments than
 * `BOSUN_PLAN_FANOUT_ENVS`, the plan job renders them in parts of at most `BOSUN_PLAN_FANOUT_BATCH` on the
 * plan-part queue, so several workers render at once, and gathers the parts' reports into one comment.
 * Here: when to split and how, the parts' results as they travel through Redis (gzip JSON: a part's
 * reports may hold large diffs), and the plan job's analysis kept while its parts run.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { EnvironmentPlan, PlanResult } from '../model/plan.ts';
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

/** The plan job's analysis (every environment, affected ones not rendered yet, coverage) and its parts. */
export interface FanoutAnalysis {
  plan: PlanResult;
  parts: string[][];
}

export interface PlanFanoutStore {
  save(jobId: string, analysis: FanoutAnalysis): Promise<void>;
  load(jobId: string): Promise<FanoutAnalysis | undefined>;
  drop(jobId: string): Promise<void>;
}

/** Kept a day at most: a plan whose parts take longer is analysed again when it resumes. */
const analysisTtlMs = 24 * 3600 * 1000;

export function createPlanFanoutStore(redis: Redis, prefix: string): PlanFanoutStore {
  const keys = stateKeys(prefix);
  return {
    async save(jobId, analysis) {
      await redis.set(keys.planFanout(jobId), await pack(analysis), 'PX', analysisTtlMs);
    },
    async load(jobId) {
      const stored = await redis.getBuffer(keys.planFanout(jobId));
      return stored ? unpack<FanoutAnalysis>(stored) : undefined;
    },
    async drop(jobId) {
      await redis.del(keys.planFanout(jobId));
    },
  };
}
