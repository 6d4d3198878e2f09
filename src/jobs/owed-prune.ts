import type { Redis } from 'ioredis';
import { runScript } from '../locks/run-script.ts';
import { stateKeys, type StateKeys } from './ids.ts';
import type { ApplyJob, ApplyTrigger } from './types.ts';

/**
 * A `--prune` (`/bosun sync <env> --prune`, `/bosun apply <env> --prune`) is owed to its environment from
 * the moment its apply request is recorded (apply-order.ts recordScript) until an apply of that commit or a
 * newer one finishes with it. Apply requests coalesce — a newer merge supersedes a queued sync and the
 * older job never runs — and the newer job carries no prune of its own: without this, the prune a person
 * asked for vanished behind a green apply. `argocd app sync --prune` is one operation that prunes; here the
 * operation may be overtaken, so the prune moves on to the apply that overtook it.
 */
export interface OwedPrune {
  /** The commit the `--prune` was asked for. */
  sha: string;
  seq: number;
  /** Who asked (GitHub login), when known. */
  requestedBy?: string;
}

/**
 * Which applies carry an owed prune: those applying Git's state at the same or a newer point — a merge,
 * `/bosun apply` after merge, a sync. A rollback applies an older state on purpose and a removed
 * environment's prune deletes everything anyway: neither pays it, it stays owed.
 */
export function carriesOwedPrune(job: Pick<ApplyJob, 'trigger' | 'removed'>): boolean {
  const carrying: readonly ApplyTrigger[] = ['merge', 'command', 'sync'];
  return !job.removed && carrying.includes(job.trigger);
}

/** Deletes the owed prune when this apply's order reaches it (an owed prune asked later stays). KEYS: owed. ARGV: seq. */
const payScript = `
local owed = tonumber(redis.call('HGET', KEYS[1], 'seq'))
if owed and owed <= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) return 1 end
return 0
`;

export interface OwedPrunes {
  /** The prune this apply owes its environment: one asked for its commit or an older one, if it carries it. */
  owed(job: Pick<ApplyJob, 'repo' | 'env' | 'seq' | 'trigger' | 'removed'>): Promise<OwedPrune | undefined>;
  /** The apply finished with prune: what was owed up to its order is done. */
  pay(job: Pick<ApplyJob, 'repo' | 'env' | 'seq'>): Promise<void>;
}

export function createOwedPrunes(redis: Redis, prefixOrKeys: string | StateKeys): OwedPrunes {
  const keys = typeof prefixOrKeys === 'string' ? stateKeys(prefixOrKeys) : prefixOrKeys;
  return {
    async owed(job) {
      if (!carriesOwedPrune(job)) return undefined;
      const [sha, seq, by] = await redis.hmget(keys.applyPruneOwed(job.repo.fullName, job.env), 'sha', 'seq', 'by');
      if (sha === null || seq === null || Number(seq) > job.seq) return undefined;
      return { sha, seq: Number(seq), ...(by ? { requestedBy: by } : {}) };
    },
    async pay(job) {
      await runScript(redis, payScript, [keys.applyPruneOwed(job.repo.fullName, job.env)], [job.seq]);
    },
  };
}
