import type { Redis } from 'ioredis';
import { runScript } from '../locks/run-script.ts';
import type { StateKeys } from './ids.ts';
import type { Newer, PlanJob } from './types.ts';

/**
 * Records a plan request atomically: marks the delivery as seen (a redelivery stops here), then makes
 * its head SHA the PR's newest unless a newer request for another SHA was recorded already. A request
 * for the SHA that is already the newest is current whatever its `seq` (a `/bosun plan` that read the
 * head just before the webhook of that head was recorded); the recorded `seq` only goes up. The request
 * itself is kept beside the SHA (`job`), so a producer can place it again (producers.ts). When the newest
 * SHA changes the script publishes it, so workers running a plan for the old SHA abort.
 */
const recordScript = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then return {'duplicate'} end
local cur = redis.call('HMGET', KEYS[2], 'sha', 'seq')
local seq = tonumber(ARGV[2])
local curSeq = tonumber(cur[2])
local newSeq = ARGV[2]
if curSeq and seq < curSeq then
  if cur[1] ~= ARGV[1] then return {'superseded', cur[1], cur[2]} end
  newSeq = cur[2]
end
redis.call('HSET', KEYS[2], 'sha', ARGV[1], 'seq', newSeq, 'job', ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if cur[1] ~= ARGV[1] then
  redis.call('PUBLISH', ARGV[5], cjson.encode({key = KEYS[2], sha = ARGV[1], seq = ARGV[2]}))
end
return {'latest'}
`;

export type RecordResult = { status: 'latest' } | { status: 'duplicate' } | { status: 'superseded'; by: Newer };

export interface RecordTimes {
  /** How long a delivery id is remembered. */
  seenTtlMs: number;
  /** How long a PR's newest head SHA is kept after its last plan request. */
  latestTtlMs: number;
}

export async function recordPlanRequest(
  redis: Redis,
  keys: StateKeys,
  job: PlanJob & { seq: number },
  seenKey: string,
  times: RecordTimes,
): Promise<RecordResult> {
  const reply = (await runScript(
    redis,
    recordScript,
    [seenKey, keys.planLatest(job.repo.fullName, job.pr)],
    [job.headSha, job.seq, times.seenTtlMs, times.latestTtlMs, keys.supersededChannel, JSON.stringify(job)],
  )) as string[];
  if (reply[0] === 'duplicate') return { status: 'duplicate' };
  if (reply[0] === 'superseded') return { status: 'superseded', by: { sha: reply[1], seq: Number(reply[2]) } };
  return { status: 'latest' };
}

/** The PR's newest plan request as recorded (undefined before the first, or for a record written before requests were kept). */
export async function newestPlanRequest(redis: Redis, keys: StateKeys, repo: string, pr: number): Promise<(PlanJob & { seq: number }) | undefined> {
  const raw = await redis.hget(keys.planLatest(repo, pr), 'job');
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as PlanJob & { seq: number };
  } catch {
    return undefined;
  }
}

/** The newer head SHA that makes this plan stale, or undefined while it is still the PR's newest. */
export async function planSupersededBy(redis: Redis, keys: StateKeys, job: Pick<PlanJob, 'repo' | 'pr' | 'headSha'>): Promise<Newer | undefined> {
  const [sha, seq] = await redis.hmget(keys.planLatest(job.repo.fullName, job.pr), 'sha', 'seq');
  return sha && sha !== job.headSha ? { sha, seq: Number(seq) } : undefined;
}

/** A message from the superseded channel, or undefined when it is not one of ours. */
export function parseSupersededMessage(message: string): { key: string; sha: string; seq: number } | undefined {
  try {
    const parsed = JSON.parse(message) as { key?: unknown; sha?: unknown; seq?: unknown };
    if (typeof parsed.key !== 'string' || typeof parsed.sha !== 'string') return undefined;
    return { key: parsed.key, sha: parsed.sha, seq: Number(parsed.seq) };
  } catch {
    return undefined;
  }
}
