/**
 * Limits on applies running at once (pure rules; the Redis side is cluster-slots.ts and apply-slots.ts):
 * - global (`BOSUN_APPLY_CONCURRENCY`): applies running at once across every worker. Two counters hold it:
 *   BullMQ's queue-level global concurrency on the apply queue keeps queued apply jobs waiting in the queue,
 *   and a leased slot of the same size in Redis counts every apply that touches a cluster — apply jobs and
 *   the applies that run inside another job (a `/bosun apply` before merge, a self-heal), which BullMQ's
 *   count of active apply jobs cannot see. Off by default: each worker already runs at most its own apply
 *   concurrency (`BOSUN_APPLY_WORKER_CONCURRENCY`), and the number worth capping (GitHub API rate, bosun's
 *   memory) depends on the installation.
 * - per cluster (`BOSUN_APPLY_CONCURRENCY_PER_CLUSTER`): applies running at once against one registered
 *   cluster, so a change to a shared base does not send every environment of a cluster to its API server
 *   at the same moment. Default 4, the per-cluster parallelism Flux's kustomize-controller uses by default
 *   (`--concurrent=4`): a cluster sees no more of bosun's applies at once than of Flux's reconciles.
 * Every apply to a cluster takes the same slots. An apply job that finds one full goes back to the queue,
 * delayed, without using an attempt; an apply inside another job waits for its turn where it is.
 */

export const defaultApplyConcurrencyPerCluster = 4;

export interface ApplyLimits {
  /** Applies at once across every worker; 0 or absent: no global limit. */
  global?: number;
  /** Applies at once per cluster; 0: no per-cluster limit. */
  perCluster: number;
}

/** One counting semaphore an apply must hold a slot of while it runs. */
export type ApplySlot = { scope: 'global'; limit: number } | { scope: 'cluster'; cluster: string; limit: number };

/**
 * The slots an apply to `cluster` needs before it may touch it, most often full first: its cluster's, then
 * the global one; each only when limited. An apply without a cluster (a job queued by an older bosun)
 * counts only against the global limit.
 */
export function applySlotsOf(cluster: string | undefined, limits: ApplyLimits): ApplySlot[] {
  const slots: ApplySlot[] = [];
  const perCluster = clusterSlotOf({ cluster }, limits.perCluster);
  if (perCluster) slots.push({ scope: 'cluster', ...perCluster });
  if (limits.global !== undefined && limits.global > 0) slots.push({ scope: 'global', limit: limits.global });
  return slots;
}

/** What a full slot is called in logs and progress lines. */
export function applySlotName(slot: ApplySlot): string {
  return slot.scope === 'global' ? 'the global apply limit' : `cluster ${slot.cluster}`;
}

/** The cluster slot an apply job needs before it may run, or undefined when no per-cluster limit applies to it. */
export function clusterSlotOf(job: { cluster?: string | undefined }, perCluster: number): { cluster: string; limit: number } | undefined {
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
