import type { Redis } from 'ioredis';
import { runScript } from '../locks/run-script.ts';
import type { StateKeys } from './ids.ts';
import type { ApplyJob, Newer } from './types.ts';

/**
 * Lua helper shared by the scripts below: the record (newest requested, or last applied) that makes an
 * apply of (sha, seq) stale. Equal sequence numbers with different commits are decided for the record,
 * so two such requests can never both run.
 */
const staleAgainst = `
local function staleAgainst(key, sha, seq)
  local rec = redis.call('HMGET', key, 'sha', 'seq')
  local recSeq = tonumber(rec[2])
  if recSeq and (seq < recSeq or (seq == recSeq and sha ~= rec[1])) then return {rec[1], rec[2]} end
  return nil
end
`;

/**
 * Records an apply request: marks the delivery as seen, then raises the environment's newest request
 * unless this one is older than the newest request or the last applied commit. A request with `--prune`
 * that is recorded also makes the prune owed to the environment (owed-prune.ts), keeping the oldest
 * unpaid one: a newer request may supersede the job, never the prune a person asked for.
 * KEYS: seen, newest, applied, owed prune. ARGV: sha, seq, seenTtlMs, prune (1/0), requestedBy.
 */
const recordScript = `${staleAgainst}
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then return {'duplicate'} end
local seq = tonumber(ARGV[2])
local by = staleAgainst(KEYS[2], ARGV[1], seq) or staleAgainst(KEYS[3], ARGV[1], seq)
if by then return {'superseded', by[1], by[2]} end
redis.call('HSET', KEYS[2], 'sha', ARGV[1], 'seq', ARGV[2])
if ARGV[4] == '1' then
  local owed = tonumber(redis.call('HGET', KEYS[4], 'seq'))
  if not owed or seq < owed then redis.call('HSET', KEYS[4], 'sha', ARGV[1], 'seq', ARGV[2], 'by', ARGV[5]) end
end
return {'latest'}
`;

/**
 * Run-time gate of an apply, in one step so no other worker can slip in between the check and the
 * lease: stale → superseded; otherwise take the environment lease, or report who holds it.
 * KEYS: lease, newest, applied. ARGV: token, leaseMs, sha, seq.
 */
const gateScript = `${staleAgainst}
local seq = tonumber(ARGV[4])
local by = staleAgainst(KEYS[2], ARGV[3], seq) or staleAgainst(KEYS[3], ARGV[3], seq)
if by then return {'superseded', by[1], by[2]} end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'acquired'} end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'acquired'}
end
return {'busy', redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1])}
`;

/**
 * After an apply attempt: a success raises "last applied" (never lowers it); the lease is released if
 * this worker still holds it. KEYS: lease, applied. ARGV: token, sha, seq, succeeded (1/0).
 */
const finishScript = `
if ARGV[4] == '1' then
  local cur = tonumber(redis.call('HGET', KEYS[2], 'seq'))
  if not cur or tonumber(ARGV[3]) >= cur then redis.call('HSET', KEYS[2], 'sha', ARGV[2], 'seq', ARGV[3]) end
end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`;

export type ApplyRecordResult = { status: 'latest' } | { status: 'duplicate' } | { status: 'superseded'; by: Newer };

export async function recordApplyRequest(redis: Redis, keys: StateKeys, job: ApplyJob, seenKey: string, seenTtlMs: number): Promise<ApplyRecordResult> {
  const reply = (await runScript(
    redis,
    recordScript,
    [seenKey, keys.applyNewest(job.repo.fullName, job.env), keys.applyApplied(job.repo.fullName, job.env), keys.applyPruneOwed(job.repo.fullName, job.env)],
    [job.sha, job.seq, seenTtlMs, job.prune && !job.removed ? '1' : '0', job.requestedBy ?? ''],
  )) as string[];
  if (reply[0] === 'duplicate') return { status: 'duplicate' };
  if (reply[0] === 'superseded') return { status: 'superseded', by: { sha: reply[1], seq: Number(reply[2]) } };
  return { status: 'latest' };
}

export type ApplyGate =
  | { status: 'acquired' }
  | { status: 'superseded'; by: Newer }
  | { status: 'busy'; holder: string; retryInMs: number };

export async function enterApply(redis: Redis, keys: StateKeys, job: ApplyJob, token: string, leaseMs: number): Promise<ApplyGate> {
  const { fullName } = job.repo;
  const reply = (await runScript(
    redis,
    gateScript,
    [keys.envLease(fullName, job.env), keys.applyNewest(fullName, job.env), keys.applyApplied(fullName, job.env)],
    [token, leaseMs, job.sha, job.seq],
  )) as Array<string | number>;
  if (reply[0] === 'superseded') return { status: 'superseded', by: { sha: String(reply[1]), seq: Number(reply[2]) } };
  if (reply[0] === 'busy') return { status: 'busy', holder: String(reply[1]), retryInMs: Math.max(0, Number(reply[2])) };
  return { status: 'acquired' };
}

export async function leaveApply(redis: Redis, keys: StateKeys, job: ApplyJob, token: string, succeeded: boolean): Promise<void> {
  const { fullName } = job.repo;
  await runScript(redis, finishScript, [keys.envLease(fullName, job.env), keys.applyApplied(fullName, job.env)], [token, job.sha, job.seq, succeeded ? '1' : '0']);
}

/** The newer request or applied commit that makes this apply stale, if any. */
export async function applySupersededBy(redis: Redis, keys: StateKeys, job: Pick<ApplyJob, 'repo' | 'env' | 'sha' | 'seq'>): Promise<Newer | undefined> {
  const { fullName } = job.repo;
  for (const key of [keys.applyNewest(fullName, job.env), keys.applyApplied(fullName, job.env)]) {
    const [sha, rawSeq] = await redis.hmget(key, 'sha', 'seq');
    if (sha === null || rawSeq === null) continue;
    const seq = Number(rawSeq);
    if (job.seq < seq || (job.seq === seq && job.sha !== sha)) return { sha, seq };
  }
  return undefined;
}

/** The commit last applied to an environment by bosun, if any. */
export async function lastApplied(redis: Redis, keys: StateKeys, repo: string, env: string): Promise<Newer | undefined> {
  const [sha, seq] = await redis.hmget(keys.applyApplied(repo, env), 'sha', 'seq');
  return sha && seq ? { sha, seq: Number(seq) } : undefined;
}
