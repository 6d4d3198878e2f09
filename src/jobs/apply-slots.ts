/**
 * The turn an apply needs before it touches a cluster: a slot of its cluster's semaphore and of the global
 * one (apply-limits.ts decides which apply; cluster-slots.ts is the semaphore), both or neither. Apply jobs
 * take it in the worker runtime before they run; an apply that runs inside another job (a `/bosun apply`
 * before merge, a self-heal) waits for it through the same runtime, so every apply counts against the same
 * limits. Taking never waits while holding: a full semaphore gives back what was taken, so two appliers
 * cannot each hold what the other waits for.
 */
import type { Redis } from 'ioredis';
import { applySlotsOf, clusterBusyDelayMs, type ApplyLimits, type ApplySlot } from './apply-limits.ts';
import { holdClusterSlot, type HeldClusterSlot } from './cluster-slots.ts';
import type { StateKeys } from './ids.ts';

export interface HeldApplySlots {
  /** Stops renewing and frees every slot (best effort: an unreleased slot runs out after one lease). */
  release(): Promise<void>;
}

export interface ApplySlotsRequest {
  redis: Redis;
  keys: StateKeys;
  /** Unique to this apply (a worker's and its job's ids). */
  token: string;
  /** The registered cluster applied to; absent: only the global limit counts it. */
  cluster: string | undefined;
  limits: ApplyLimits;
  leaseMs: number;
  /** A slot lost while held (Redis out of reach for a whole lease): the apply goes on, one over the limit at worst. */
  onLost?: (slot: ApplySlot) => void;
}

export type ApplySlotsGrant = { status: 'acquired'; slots: HeldApplySlots } | { status: 'busy'; slot: ApplySlot; holders: number; firstExpiryInMs: number };

/** What an apply waiting for its turn waits for: the full slot and how many applies hold it. */
export type ApplySlotWait = Pick<Extract<ApplySlotsGrant, { status: 'busy' }>, 'slot' | 'holders'>;

/**
 * What a waiting apply says on GitHub (its check run's summary): which limit is full, how many applies
 * hold it and the setting that sets it, e.g. "waiting for an apply slot: 1 apply running on cluster a;
 * BOSUN_APPLY_CONCURRENCY_PER_CLUSTER=1".
 */
export function applySlotWaitText(wait: ApplySlotWait): string {
  const running = `${wait.holders} ${wait.holders === 1 ? 'apply' : 'applies'} running`;
  return wait.slot.scope === 'global'
    ? `waiting for an apply slot: ${running} across all workers; BOSUN_APPLY_CONCURRENCY=${wait.slot.limit}`
    : `waiting for an apply slot: ${running} on cluster ${wait.slot.cluster}; BOSUN_APPLY_CONCURRENCY_PER_CLUSTER=${wait.slot.limit}`;
}

const released: HeldApplySlots = { release: async () => undefined };

export function applySlotKey(keys: StateKeys, slot: ApplySlot): string {
  return slot.scope === 'global' ? keys.applySlots : keys.clusterSlots(slot.cluster);
}

/** Takes every slot the apply needs, or none and says which one is full. */
export async function holdApplySlots(req: ApplySlotsRequest): Promise<ApplySlotsGrant> {
  const held: HeldClusterSlot[] = [];
  const all: HeldApplySlots = {
    async release() {
      await Promise.all(held.map((slot) => slot.release()));
    },
  };
  try {
    for (const slot of applySlotsOf(req.cluster, req.limits)) {
      const grant = await holdClusterSlot({ redis: req.redis, key: applySlotKey(req.keys, slot), token: req.token, limit: slot.limit, leaseMs: req.leaseMs, onLost: () => req.onLost?.(slot) });
      if (grant.status === 'busy') {
        await all.release();
        return { status: 'busy', slot, holders: grant.holders, firstExpiryInMs: grant.firstExpiryInMs };
      }
      held.push(grant.slot);
    }
  } catch (err) {
    await all.release();
    throw err;
  }
  return { status: 'acquired', slots: held.length ? all : released };
}

/**
 * Waits until every slot the apply needs is free and takes them: asks again after the busy retry (sooner
 * when the oldest holder's lease ends first). `onWait` is told each time it finds one full. Rejects with
 * the signal's reason once it is aborted (the job's shutdown), holding nothing.
 */
export async function waitForApplySlots(req: ApplySlotsRequest & { signal: AbortSignal; busyRetryMs: number; onWait?: (busy: Extract<ApplySlotsGrant, { status: 'busy' }>) => void }): Promise<HeldApplySlots> {
  for (;;) {
    req.signal.throwIfAborted();
    const grant = await holdApplySlots(req);
    if (grant.status === 'acquired') {
      if (!req.signal.aborted) return grant.slots;
      await grant.slots.release();
      req.signal.throwIfAborted();
    }
    if (grant.status === 'busy') {
      req.onWait?.(grant);
      await abortableDelay(clusterBusyDelayMs(grant.firstExpiryInMs, req.busyRetryMs), req.signal);
    }
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
    };
    const aborted = (): void => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener('abort', aborted, { once: true });
  });
}
