/**
 * Limits on applies running at once (pure rules; the Redis side is cluster-slots.ts, the glue is the
 * worker runtime's apply gate):
 * - global (`BOSUN_APPLY_CONCURRENCY`): applies running at once across every worker, enforced by BullMQ's
 *   queue-level global concurrency on the apply queue. Off by default: each worker already runs at most
 *   its own apply concurrency, and the number worth capping (GitHub API rate, bosun's memory) depends on
 *   the installation.
 * - per cluster (`BOSUN_APPLY_CONCURRENCY_PER_CLUSTER`): applies running at once against one registered
 *   cluster, so a change to a shared base does not send every environment of a cluster to its API server
 *   at the same moment. Default 4, the per-cluster parallelism Flux's kustomize-controller uses by default
 *   (`--concurrent=4`): a cluster sees no more of bosun's applies at once than of Flux's reconciles.
 * An apply that finds its cluster full goes back to the queue, delayed, without using an attempt.
 */
import type { ApplyJob } from './types.ts';

export const defaultApplyConcurrencyPerCluster = 4;

export interface ApplyLimits {
  /** Applies at once across every worker; 0 or absent: no global limit. */
  global?: number;
  /** Applies at once per cluster; 0: no per-cluster limit. */
  perCluster: number;
}

/** The cluster slot an apply job needs before it may run, or undefined when no per-cluster limit applies to it. */
export function clusterSlotOf(job: Pick<ApplyJob, 'cluster'>, perCluster: number): { cluster: string; limit: number } | undefined {
  if (!job.cluster || !(perCluster > 0)) return undefined;
  return { cluster: job.cluster, limit: perCluster };
}

/**
 * How long an apply whose cluster is full waits before it asks again: the usual busy retry, or sooner
 * when the first holder's lease runs out before that (a dead worker's slot), spread by up to a quarter
 * so the applies waiting for one cluster do not all ask at the same moment.
 */
export function clusterBusyDelayMs(firstExpiryInMs: number, busyRetryMs: number, random: () => number = Math.random): number {
  const base = Math.max(50, Math.min(busyRetryMs, Math.max(0, firstExpiryInMs)));
  return Math.round(base * (1 + random() / 4));
}
