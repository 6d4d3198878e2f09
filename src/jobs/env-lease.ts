import type { Redis } from 'ioredis';
import { runScript } from '../locks/run-script.ts';
import type { StateKeys } from './ids.ts';

/**
 * The environment lease: at most one worker changes an environment (`<repo>:<env>`) at a time, whether
 * it applies or heals drift. A lease runs out unless its holder renews it, so a worker that died does
 * not block the environment for longer than one lease.
 */

const acquireScript = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;

const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export async function acquireEnvLease(redis: Redis, keys: StateKeys, repo: string, env: string, token: string, leaseMs: number): Promise<boolean> {
  return Number(await runScript(redis, acquireScript, [keys.envLease(repo, env)], [token, leaseMs])) === 1;
}

/** False when the lease was lost (it ran out, or somebody else holds it now). */
export async function renewEnvLease(redis: Redis, keys: StateKeys, repo: string, env: string, token: string, leaseMs: number): Promise<boolean> {
  return Number(await runScript(redis, renewScript, [keys.envLease(repo, env)], [token, leaseMs])) === 1;
}

export async function releaseEnvLease(redis: Redis, keys: StateKeys, repo: string, env: string, token: string): Promise<boolean> {
  return Number(await runScript(redis, releaseScript, [keys.envLease(repo, env)], [token])) === 1;
}

/** Who holds an environment's lease now, if anybody. */
export async function envLeaseHolder(redis: Redis, keys: StateKeys, repo: string, env: string): Promise<string | undefined> {
  return (await redis.get(keys.envLease(repo, env))) ?? undefined;
}
