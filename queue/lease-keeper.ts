import type { Redis } from 'ioredis';
import { renewEnvLease, type StateKeys } from '../src/jobs.ts';
import type { Logger } from './log.ts';

export interface LeaseKeeper {
  stop(): void;
}

/**
 * Renews an environment lease every third of its length while a job works on the environment. When
 * a renewal finds the lease gone, or no renewal succeeded for a whole lease length (Redis out of
 * reach), the lease must be taken as lost: `onLost` runs once.
 */
export function keepLease(opts: {
  redis: Redis;
  keys: StateKeys;
  repo: string;
  env: string;
  token: string;
  leaseMs: number;
  log: Logger;
  onLost: () => void;
}): LeaseKeeper {
  let lastRenewed = Date.now();
  let stopped = false;
  let busy = false;
  const lost = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    opts.onLost();
  };
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    renewEnvLease(opts.redis, opts.keys, opts.repo, opts.env, opts.token, opts.leaseMs)
      .then((held) => {
        if (held) lastRenewed = Date.now();
        else lost();
      })
      .catch((err: unknown) => {
        opts.log.warn({ err, env: opts.env }, 'could not renew the environment lease');
        if (Date.now() - lastRenewed >= opts.leaseMs) lost();
      })
      .finally(() => {
        busy = false;
      });
  }, Math.max(10, Math.floor(opts.leaseMs / 3)));
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
