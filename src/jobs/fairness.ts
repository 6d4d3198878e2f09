import type { Redis } from 'ioredis';
import { runScript } from '../locks/run-script.ts';

/**
 * Fair share between installations on top of BullMQ, which (open source) has no job groups: every job
 * of a fair queue gets a BullMQ priority (lower runs first, equal ones in the order they were added) from
 * start-time fair queuing with unit cost. Per queue, Redis keeps a virtual clock `vt` (the highest
 * priority a worker has started) and, per installation, the priority of its last job. A new job gets
 *
 *     priority = max(vt, last of its installation) + 1
 *
 * so the k-th waiting job of every installation has about the same priority: the queue serves
 * installations round-robin, a burst of 500 from one of them waits behind the others' single jobs, and
 * each installation's own jobs keep the order they were queued in (its priorities only grow).
 *
 * Nothing is counted up and down per job, so a crash cannot leave a count that starves anyone: a job that
 * never runs (removed, superseded, lost) only leaves a gap in its installation's numbers, and all the
 * state is dropped once the queue has nothing waiting, prioritized, delayed or paused (jobs still
 * running come back, if at all, with their old priority, behind newer ones, as BullMQ's own retries do).
 */

/** BullMQ's highest priority (`PRIORITY_LIMIT`, 2^21 - 1). Past it jobs queue first come, first served. */
export const priorityLimit = 2 ** 21 - 1;

/** The BullMQ keys of one queue that say whether anything waits in it (BullMQ's `queue.keys`). */
export interface QueueWaitKeys {
  wait: string;
  paused: string;
  prioritized: string;
  delayed: string;
}

/** The wait keys out of BullMQ's key map of a queue (`queue.keys`). */
export function queueWaitKeys(keys: Readonly<Record<string, string>>): QueueWaitKeys {
  return { wait: keys.wait, paused: keys.paused, prioritized: keys.prioritized, delayed: keys.delayed };
}

/** Where a queue's fairness state lives, under bosun's prefix (one hash per queue: one Cluster slot). */
export function fairnessKey(prefix: string, queue: string): string {
  return `${prefix}:state:fair:${queue}`;
}

const installationField = (installationId: number): string => `i:${installationId}`;

/**
 * Assigns the next priority to a job of an installation. When the queue has nothing waiting, the state
 * starts over first, so numbers stay small and an idle queue keeps nothing.
 * KEYS: fairness hash, wait, paused, prioritized, delayed. ARGV: installation field, limit.
 */
const assignScript = `
if redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3]) + redis.call('ZCARD', KEYS[4]) + redis.call('ZCARD', KEYS[5]) == 0 then
  redis.call('DEL', KEYS[1])
end
local vt = tonumber(redis.call('HGET', KEYS[1], 'vt')) or 0
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1])) or 0
local p = math.min(math.max(vt, last) + 1, tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], ARGV[1], p)
return p
`;

/** A job started: the clock moves up to its priority. KEYS: fairness hash. ARGV: priority. */
const startedScript = `
local p = tonumber(ARGV[1])
local vt = tonumber(redis.call('HGET', KEYS[1], 'vt')) or 0
if p > vt then redis.call('HSET', KEYS[1], 'vt', p) end
return 0
`;

/** Takes back a priority no job uses, if it is still the installation's last. KEYS: hash. ARGV: field, priority. */
const giveBackScript = `
if tonumber(redis.call('HGET', KEYS[1], ARGV[1])) == tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], tonumber(ARGV[2]) - 1)
end
return 0
`;

/** The priority for the next job of `installationId` on the queue whose keys these are. */
export async function assignPriority(redis: Redis, key: string, queue: QueueWaitKeys, installationId: number): Promise<number> {
  const keys = [key, queue.wait, queue.paused, queue.prioritized, queue.delayed];
  return Number(await runScript(redis, assignScript, keys, [installationField(installationId), priorityLimit]));
}

/**
 * The priority was assigned but no job took it (the request joined a job already queued): when no later
 * job of the installation was assigned one since, the next one reuses it instead of leaving a gap.
 */
export async function giveBackPriority(redis: Redis, key: string, installationId: number, priority: number): Promise<void> {
  await runScript(redis, giveBackScript, [key], [installationField(installationId), priority]);
}

/** Called when a worker starts a job; jobs without a priority (not fair-queued) change nothing. */
export async function jobStarted(redis: Redis, key: string, priority: number | undefined): Promise<void> {
  if (!priority || priority < 1) return;
  await runScript(redis, startedScript, [key], [priority]);
}

/** The fairness state of one queue (for tests and operators): the clock and each installation's last priority. */
export async function fairnessState(redis: Redis, key: string): Promise<{ vt: number; last: Record<number, number> }> {
  const raw = await redis.hgetall(key);
  const last: Record<number, number> = {};
  for (const [field, value] of Object.entries(raw)) if (field.startsWith('i:')) last[Number(field.slice(2))] = Number(value);
  return { vt: Number(raw.vt ?? 0), last };
}
