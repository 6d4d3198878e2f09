import type { Redis } from 'ioredis';
import { applySupersededBy } from './apply-order.ts';
import type { StateKeys } from './ids.ts';
import { planSupersededBy } from './plan-latest.ts';
import type { JobDataByKind, JobKind, Newer } from './types.ts';

/**
 * The newer request that makes a job stale: a plan (or a part of one) whose PR has a newer head SHA, an apply older than
 * its environment's newest request or last applied commit. Commands and reconciles are never stale.
 */
export async function isSuperseded<K extends JobKind>(redis: Redis, keys: StateKeys, kind: K, data: JobDataByKind[K]): Promise<Newer | undefined> {
  if (kind === 'plan' || kind === 'planPart') return planSupersededBy(redis, keys, data as JobDataByKind['plan' | 'planPart']);
  if (kind === 'apply') return applySupersededBy(redis, keys, data as JobDataByKind['apply']);
  return undefined;
}
