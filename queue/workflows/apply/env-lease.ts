/**
 * The environment lease for an apply that does not run as an apply job (`/bosun apply` before merge,
 * inside a command job): the same lease and the same keeper (queue/lease-keeper.ts) the job layer uses
 * for apply and reconcile jobs — renewed every third of its length; lost when a renewal finds it gone or
 * no renewal succeeded for a whole lease — and, like there, a lost lease aborts the run's signal.
 */
import type { Redis } from 'ioredis';
import { acquireEnvLease, releaseEnvLease, type StateKeys } from '../../../src/jobs.ts';
import { JobAborted, keepLease, silentLogger, type Logger } from '../../contract.ts';

export interface HeldEnvLease {
  /** Aborted with JobAborted('lease-lost') when the lease is lost. */
  signal: AbortSignal;
  release(): Promise<void>;
}

export const defaultEnvLeaseMs = 60_000;

/** Takes the lease, or undefined when another job holds it. */
export async function takeEnvLease(opts: { redis: Redis; keys: StateKeys; repo: string; env: string; token: string; leaseMs?: number; log?: Logger }): Promise<HeldEnvLease | undefined> {
  const leaseMs = opts.leaseMs ?? defaultEnvLeaseMs;
  if (!(await acquireEnvLease(opts.redis, opts.keys, opts.repo, opts.env, opts.token, leaseMs))) return undefined;
  const controller = new AbortController();
  const keeper = keepLease({
    redis: opts.redis,
    keys: opts.keys,
    repo: opts.repo,
    env: opts.env,
    token: opts.token,
    leaseMs,
    log: opts.log ?? silentLogger,
    onLost: () => controller.abort(new JobAborted('lease-lost')),
  });
  return {
    signal: controller.signal,
    async release() {
      keeper.stop();
      // Not released (Redis out of reach): it runs out by itself after one lease.
      await releaseEnvLease(opts.redis, opts.keys, opts.repo, opts.env, opts.token).catch(() => undefined);
    },
  };
}
