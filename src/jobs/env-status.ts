import type { Redis } from 'ioredis';
import { idPart, repoKey } from './ids.ts';
import type { ApplyTrigger } from './types.ts';

/**
 * What bosun knows about each environment it manages, kept in Redis beside the job state: the last
 * apply (and the history of successful ones, for rollbacks), the last drift check, and a pin that
 * holds the environment at an older commit while a rollback's revert PR waits for review. The
 * processors write it; the dashboard, drift detection, promotion and rollback read it. Records hold
 * names, SHAs, counts and URLs only: never manifests, tokens or secret values.
 */

export type HealthVerdict = 'healthy' | 'unhealthy' | 'timeout' | 'not-checked';

export interface ApplyRecord {
  sha: string;
  /** The apply's order (see ApplyJob.seq). */
  seq: number;
  trigger: ApplyTrigger;
  /** Applied, nothing failed, and healthy when health was checked. */
  ok: boolean;
  health: HealthVerdict;
  /** When it finished (epoch ms). */
  at: number;
  durationMs: number;
  /** One line for people: `3 created, 1 configured, 0 pruned, healthy`. */
  summary: string;
  checkRunUrl?: string;
  deploymentId?: number;
  pr?: number;
  requestedBy?: string;
  /**
   * Objects Git no longer has that the apply left because prune was off and that keep the environment out of
   * sync (ApplyReport.leftByPruneOff; absent: none). A later RollingSync step waits while it is set
   * (src/jobs/promotion.ts).
   */
  leftByPruneOff?: number;
  /**
   * Objects Git no longer has that a rule (`Prune=false`…) kept and that keep the environment out of sync
   * (ApplyReport.keptByPruneRule; absent: none): a later RollingSync step waits while it is set, and only
   * deleting them by hand or removing the option releases it.
   */
  keptByPruneRule?: number;
}

export type DriftState = 'in-sync' | 'drifted' | 'healed' | 'error';

export interface DriftRecord {
  state: DriftState;
  /** When the live cluster was last compared (epoch ms). */
  checkedAt: number;
  /** The default-branch commit it was compared with. */
  sha: string;
  /** Objects that differ, are missing, or would be pruned. */
  drifted: number;
  /** One line for people. */
  summary: string;
  issueNumber?: number;
  issueUrl?: string;
}

export interface PinRecord {
  /** The commit the environment is held at. */
  sha: string;
  reason: string;
  at: number;
  by?: string;
  /** The revert pull request that will make Git match the pinned state. */
  revertPr?: number;
  revertPrUrl?: string;
}

export interface EnvironmentRef {
  repo: string;
  env: string;
}

export interface EnvironmentStatus extends EnvironmentRef {
  lastApply?: ApplyRecord;
  drift?: DriftRecord;
  pin?: PinRecord;
}

/** Successful applies kept per environment. */
export const historyLength = 50;

/** How long the end of an apply run is kept for the same job run again (its retries and delays take minutes, at most hours). */
export const runEndTtlMs = 2 * 24 * 3600_000;

export function envStatusKeys(prefix: string) {
  const base = `${prefix}:state:env-status`;
  const env = (repo: string, name: string) => `${idPart(repoKey(repo))}:${idPart(name)}`;
  return {
    /** Set of `JSON [repo, env]`: every environment bosun recorded anything for. */
    index: `${base}:index`,
    /** String JSON ApplyRecord: the last apply, successful or not. */
    lastApply: (repo: string, name: string) => `${base}:last-apply:${env(repo, name)}`,
    /** List of JSON ApplyRecord, newest first: successful applies only. */
    history: (repo: string, name: string) => `${base}:history:${env(repo, name)}`,
    drift: (repo: string, name: string) => `${base}:drift:${env(repo, name)}`,
    pin: (repo: string, name: string) => `${base}:pin:${env(repo, name)}`,
    /** String JSON: how one run of an apply job ended (by the job's tag), until its ending is posted — see keepRunEnd. */
    runEnd: (repo: string, name: string, tag: string) => `${base}:run-end:${env(repo, name)}:${idPart(tag)}`,
  };
}

function parse<T>(raw: string | null): T | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export interface EnvStatusStore {
  recordApply(repo: string, env: string, record: ApplyRecord): Promise<void>;
  lastApply(repo: string, env: string): Promise<ApplyRecord | undefined>;
  /** Successful applies, newest first. */
  history(repo: string, env: string): Promise<ApplyRecord[]>;
  recordDrift(repo: string, env: string, record: DriftRecord): Promise<void>;
  drift(repo: string, env: string): Promise<DriftRecord | undefined>;
  setPin(repo: string, env: string, pin: PinRecord): Promise<void>;
  /** Removes the pin; returns it when there was one. */
  clearPin(repo: string, env: string): Promise<PinRecord | undefined>;
  pin(repo: string, env: string): Promise<PinRecord | undefined>;
  /** Every environment with a record, sorted by repository then name. */
  environments(): Promise<EnvironmentRef[]>;
  status(repo: string, env: string): Promise<EnvironmentStatus>;
  /** Forgets an environment (removed from the configuration). */
  forget(repo: string, env: string): Promise<void>;
  /**
   * Keeps how one run of an apply job ended (`tag`: the job's), before the ending is posted on GitHub: when
   * posting fails after the cluster was changed, the same job run again posts this end instead of applying again.
   */
  keepRunEnd(repo: string, env: string, tag: string, end: unknown): Promise<void>;
  /** The end kept for the job's tag, if any. */
  runEnd(repo: string, env: string, tag: string): Promise<unknown>;
}

export function createEnvStatusStore(redis: Redis, prefix: string): EnvStatusStore {
  const keys = envStatusKeys(prefix);
  const member = (repo: string, env: string) => JSON.stringify([repo, env]);
  return {
    async recordApply(repo, env, record) {
      const tx = redis.multi().sadd(keys.index, member(repo, env)).set(keys.lastApply(repo, env), JSON.stringify(record));
      if (record.ok) tx.lpush(keys.history(repo, env), JSON.stringify(record)).ltrim(keys.history(repo, env), 0, historyLength - 1);
      await tx.exec();
    },
    async lastApply(repo, env) {
      return parse<ApplyRecord>(await redis.get(keys.lastApply(repo, env)));
    },
    async history(repo, env) {
      return (await redis.lrange(keys.history(repo, env), 0, -1)).map((raw) => parse<ApplyRecord>(raw)).filter((r): r is ApplyRecord => r !== undefined);
    },
    async recordDrift(repo, env, record) {
      await redis.multi().sadd(keys.index, member(repo, env)).set(keys.drift(repo, env), JSON.stringify(record)).exec();
    },
    async drift(repo, env) {
      return parse<DriftRecord>(await redis.get(keys.drift(repo, env)));
    },
    async setPin(repo, env, pin) {
      await redis.multi().sadd(keys.index, member(repo, env)).set(keys.pin(repo, env), JSON.stringify(pin)).exec();
    },
    async clearPin(repo, env) {
      const [[, raw]] = (await redis.multi().get(keys.pin(repo, env)).del(keys.pin(repo, env)).exec()) as [[Error | null, string | null], unknown];
      return parse<PinRecord>(raw);
    },
    async pin(repo, env) {
      return parse<PinRecord>(await redis.get(keys.pin(repo, env)));
    },
    async environments() {
      const refs = (await redis.smembers(keys.index))
        .map((raw) => parse<[string, string]>(raw))
        .filter((p): p is [string, string] => Array.isArray(p) && p.length === 2)
        .map(([repo, env]) => ({ repo, env }));
      return refs.sort((a, b) => a.repo.localeCompare(b.repo) || a.env.localeCompare(b.env));
    },
    async status(repo, env) {
      const [last, drift, pin] = await redis.mget(keys.lastApply(repo, env), keys.drift(repo, env), keys.pin(repo, env));
      const lastApply = parse<ApplyRecord>(last);
      const driftRecord = parse<DriftRecord>(drift);
      const pinRecord = parse<PinRecord>(pin);
      return { repo, env, ...(lastApply ? { lastApply } : {}), ...(driftRecord ? { drift: driftRecord } : {}), ...(pinRecord ? { pin: pinRecord } : {}) };
    },
    async keepRunEnd(repo, env, tag, end) {
      await redis.set(keys.runEnd(repo, env, tag), JSON.stringify(end), 'PX', runEndTtlMs);
    },
    async runEnd(repo, env, tag) {
      return parse<unknown>(await redis.get(keys.runEnd(repo, env, tag)));
    },
    async forget(repo, env) {
      await redis
        .multi()
        .srem(keys.index, member(repo, env))
        .del(keys.lastApply(repo, env), keys.history(repo, env), keys.drift(repo, env), keys.pin(repo, env))
        .exec();
    },
  };
}
