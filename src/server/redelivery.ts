/**
 * No webhook lost while Redis is away: a delivery bosun could not queue was answered 503, so GitHub
 * logged it as failed. Once Redis answers again, this asks GitHub for the App's recent deliveries and
 * redelivers each event none of whose attempts succeeded and that bosun did not queue after all. Jobs
 * are keyed by the delivery id, which a redelivery keeps, so an event redelivered twice is queued once.
 *
 * It runs when the server starts, every `everyMs`, and shortly after Redis is back from an outage (or
 * after a delivery was answered 503). Several servers may run it: a short Redis lease lets one look at
 * a time, and a redelivery that races another is still a no-op.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GitHubClient } from '../github/client.ts';
import { deliverySucceeded, listRecentDeliveries, planRedeliveries, redeliverableForMs, redeliverDelivery } from '../github/webhook-deliveries.ts';
import { idPart } from '../jobs/ids.ts';

export interface RedeliveryLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  debug?(fields: Record<string, unknown>, msg: string): void;
}

/** Which deliveries bosun has handled (their jobs queued), kept in Redis beside the job state. */
export interface DeliveryLedger {
  markHandled(deliveryId: string): Promise<void>;
  handled(deliveryIds: readonly string[]): Promise<Set<string>>;
}

export function createDeliveryLedger(redis: Redis, prefix: string, ttlMs = 24 * 3600 * 1000): DeliveryLedger {
  const key = (id: string): string => `${prefix}:state:delivery-handled:${idPart(id)}`;
  return {
    async markHandled(deliveryId) {
      await redis.set(key(deliveryId), '1', 'PX', ttlMs);
    },
    async handled(deliveryIds) {
      if (deliveryIds.length === 0) return new Set();
      const found = await redis.mget(...deliveryIds.map(key));
      return new Set(deliveryIds.filter((_, i) => found[i] !== null));
    },
  };
}

export interface RedeliveryRound {
  /** Attempts GitHub listed within the look-back window. */
  listed: number;
  /** Events with no successful attempt. */
  failed: number;
  redelivered: number;
  /** Failed events bosun had queued after all. */
  alreadyQueued: number;
  /** Failed events redelivered too often already; left to a person. */
  givenUp: number;
  /** The page bound stopped the listing before the window's start. */
  truncated: boolean;
}

export interface RedeliveryLoopOptions {
  /** Watched for outages; holds the ledger and the lease. */
  redis: Redis;
  prefix: string;
  /** A client authenticated as the App (JWT). */
  github: () => Promise<GitHubClient>;
  log: RedeliveryLogger;
  /** How far back a round looks at least; an outage this process saw is always covered. Default 1 h. */
  windowMs?: number;
  /** Rounds in between. Default 5 min. */
  everyMs?: number;
  /** Wait after Redis is back before looking, so deliveries being answered 503 right then are listed. */
  settleMs?: number;
  /** How long one server may hold the look (a server that died mid-round frees it this late). Default 60 s. */
  leaseMs?: number;
  now?: () => number;
}

export interface RedeliveryLoop {
  /** Looks now (if Redis answers and no other server is looking); resolves with what it did. */
  runNow(): Promise<RedeliveryRound | undefined>;
  /** A delivery was answered 503: look once Redis answers again. */
  queueUnavailable(): void;
  /** Resolves when no round is running or scheduled soon. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function startRedeliveryLoop(opts: RedeliveryLoopOptions): RedeliveryLoop {
  const now = opts.now ?? Date.now;
  const windowMs = opts.windowMs ?? 3600_000;
  const settleMs = opts.settleMs ?? 5_000;
  const leaseMs = opts.leaseMs ?? 60_000;
  const ledger = createDeliveryLedger(opts.redis, opts.prefix);
  const leaseKey = `${opts.prefix}:state:redelivery-lease`;
  /** Attempt ids already sent again by this process, with when (forgotten after GitHub's 3 days). */
  const requested = new Map<number, number>();
  let outageSince: number | undefined;
  let closed = false;
  let running: Promise<RedeliveryRound | undefined> | undefined;
  let soon: NodeJS.Timeout | undefined;

  /** A round was asked for while one ran (it may have listed before the failure that asked): run another. */
  let again = false;
  /** Consecutive rounds that could not look (lease held elsewhere, Redis or GitHub failing) while an outage is open. */
  let misses = 0;

  /**
   * An outage is open but this round could not look: another server holds the lease (and may itself go
   * away before it looks), or Redis or GitHub failed mid-round. Nothing else would ask again before the
   * next periodic round, so look again soon, backing off to a minute.
   */
  const retryLater = (): void => {
    if (closed || outageSince === undefined) return;
    misses++;
    scheduleIn(Math.min(60_000, settleMs * 2 ** Math.min(misses - 1, 5)));
  };

  const round = async (): Promise<RedeliveryRound | undefined> => {
    if (closed || opts.redis.status !== 'ready') return undefined;
    const token = randomUUID();
    const leased = await opts.redis.set(leaseKey, token, 'PX', leaseMs, 'NX').catch(() => null);
    if (leased === null) {
      retryLater();
      return undefined;
    }
    const startedOutage = outageSince;
    try {
      const t = now();
      for (const [id, at] of requested) if (t - at > redeliverableForMs) requested.delete(id);
      const since = Math.max(t - redeliverableForMs, Math.min(t - windowMs, (startedOutage ?? t) - 60_000));
      const client = await opts.github();
      const { deliveries, truncated } = await listRecentDeliveries(client, { sinceMs: since });
      const succeeded = new Set(deliveries.filter(deliverySucceeded).map((d) => d.guid));
      const failedGuids = [...new Set(deliveries.map((d) => d.guid).filter((guid) => !succeeded.has(guid)))];
      const handled = await ledger.handled(failedGuids);
      const plan = planRedeliveries(deliveries, { handled, requested: new Set(requested.keys()), now: t });
      let redelivered = 0;
      for (const d of plan.redeliver) {
        if (closed) break;
        try {
          await redeliverDelivery(client, d.id);
          requested.set(d.id, now());
          redelivered++;
        } catch (err) {
          opts.log.warn({ delivery: d.guid, attempt: d.id, err: err instanceof Error ? err.message : String(err) }, 'GitHub did not redeliver a failed webhook delivery');
        }
      }
      const result: RedeliveryRound = {
        listed: deliveries.length,
        failed: failedGuids.length,
        redelivered,
        alreadyQueued: plan.handled.length,
        givenUp: plan.givenUp.length,
        truncated,
      };
      if (outageSince === startedOutage) outageSince = undefined;
      misses = 0;
      if (result.failed > 0 || truncated) {
        opts.log.info({ ...result }, `asked GitHub to redeliver ${redelivered} webhook deliveries that failed (${result.alreadyQueued} queued after all, ${result.givenUp} given up)`);
      }
      if (plan.givenUp.length > 0) {
        opts.log.warn({ deliveries: plan.givenUp.slice(0, 20) }, 'webhook deliveries that failed again and again are not redelivered any more; see the App\'s Advanced tab');
      }
      return result;
    } catch (err) {
      opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not look for failed webhook deliveries; trying again later');
      retryLater();
      return undefined;
    } finally {
      // Only our own lease: compare and delete in one step.
      await opts.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, leaseKey, token).catch(() => undefined);
    }
  };

  const runNow = (): Promise<RedeliveryRound | undefined> => {
    if (running) {
      again = true;
      opts.log.debug?.({}, 'a look for failed webhook deliveries was asked for while one was running: another follows it');
      return running;
    }
    running = round().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        scheduleSoon();
      }
    });
    return running;
  };

  const scheduleIn = (ms: number): void => {
    if (closed || soon) return;
    soon = setTimeout(() => {
      soon = undefined;
      void runNow();
    }, ms);
  };
  const scheduleSoon = (): void => scheduleIn(settleMs);

  const onDown = (): void => {
    outageSince ??= now();
  };
  const onReady = (): void => {
    if (outageSince !== undefined) scheduleSoon();
  };
  opts.redis.on('error', onDown);
  opts.redis.on('close', onDown);
  opts.redis.on('ready', onReady);
  const every = setInterval(() => void runNow(), opts.everyMs ?? 5 * 60_000);
  every.unref();
  if (opts.redis.status === 'ready') void runNow();
  else opts.redis.once('ready', () => void runNow());

  return {
    runNow,
    queueUnavailable() {
      outageSince ??= now();
      if (opts.redis.status === 'ready') scheduleSoon();
    },
    async idle() {
      while (running || soon) {
        if (running) await running;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      closed = true;
      clearInterval(every);
      clearTimeout(soon);
      soon = undefined;
      opts.redis.off('error', onDown);
      opts.redis.off('close', onDown);
      opts.redis.off('ready', onReady);
      // A round in flight is not awaited: GitHub may be slow or unreachable, and shutdown must not wait
      // on it; with `closed` set it redelivers nothing more.
    },
  };
}
