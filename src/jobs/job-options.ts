import type { JobsOptions } from 'bullmq';

export interface RetryPolicy {
  /** Runs in all, the first included. Default 3. */
  attempts?: number;
  /** First backoff; each retry waits twice as long as the one before. Default 5 s. */
  backoffMs?: number;
}

/**
 * Finished jobs are kept a day (and at most 10,000 per queue): long enough to look at, and a job id that
 * still exists makes BullMQ ignore a second add with that id. Failed jobs are kept a week for debugging.
 */
export const keepCompleted = { age: 24 * 3600, count: 10_000 };
export const keepFailed = { age: 7 * 24 * 3600, count: 10_000 };

export function defaultJobOptions(policy: RetryPolicy = {}): JobsOptions {
  return {
    attempts: policy.attempts ?? 3,
    backoff: { type: 'exponential', delay: policy.backoffMs ?? 5_000 },
    removeOnComplete: keepCompleted,
    removeOnFail: keepFailed,
  };
}
