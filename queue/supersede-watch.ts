import type { Redis } from 'ioredis';
import { closeRedis, createRedis, parseSupersededMessage, planSupersededBy, type Newer, type PlanJob, type RedisConnection, type StateKeys } from '../src/jobs.ts';
import type { Logger } from './log.ts';

export interface SupersedeWatch {
  /** Calls `onSuperseded` once when the PR of `plan` gets a newer head SHA; returns the unwatch. */
  watch(plan: PlanJob, onSuperseded: (by: Newer) => void): () => void;
  close(): Promise<void>;
}

interface Watcher {
  plan: PlanJob;
  onSuperseded: (by: Newer) => void;
}

/**
 * Tells running plans that their PR moved on. Producers publish each new head SHA; a subscriber
 * delivers it at once (checked against the PR's newest-SHA record, so a notice read late aborts
 * nothing), and a slow poll of the records covers messages lost while the subscriber was reconnecting.
 */
export function watchSuperseded(opts: { connection: RedisConnection; redis: Redis; keys: StateKeys; pollMs: number; log: Logger }): SupersedeWatch {
  const { redis, keys, log } = opts;
  const byKey = new Map<string, Set<Watcher>>();
  const subscriber = createRedis(opts.connection, { blocking: true, name: 'bosun-supersede-watch' });
  subscriber.on('error', (err: Error) => log.warn({ err }, 'supersede watch: Redis subscriber error'));
  subscriber.subscribe(keys.supersededChannel).catch((err: unknown) => log.error({ err }, 'supersede watch: could not subscribe'));

  const fire = (watcher: Watcher, by: Newer): void => {
    const set = byKey.get(keys.planLatest(watcher.plan.repo.fullName, watcher.plan.pr));
    if (!set?.delete(watcher)) return;
    watcher.onSuperseded(by);
  };

  subscriber.on('message', (_channel: string, message: string) => {
    const parsed = parseSupersededMessage(message);
    if (!parsed) return;
    for (const watcher of [...(byKey.get(parsed.key) ?? [])]) {
      if (watcher.plan.headSha === parsed.sha) continue;
      // A notice can be read late (a subscriber that fell behind reads an older head's notice after the
      // plan of a newer head started): the PR's record says whether this plan is still the newest.
      planSupersededBy(redis, keys, watcher.plan).then(
        (by) => by && fire(watcher, by),
        (err: unknown) => log.warn({ err }, 'supersede watch: could not read the PR\'s newest head'),
      );
    }
  });

  let polling = false;
  const timer = setInterval(() => {
    if (polling || byKey.size === 0) return;
    polling = true;
    const watchers = [...byKey.values()].flatMap((set) => [...set]);
    Promise.all(
      watchers.map(async (watcher) => {
        const by = await planSupersededBy(redis, keys, watcher.plan);
        if (by) fire(watcher, by);
      }),
    )
      .catch((err: unknown) => log.warn({ err }, 'supersede watch: poll failed'))
      .finally(() => {
        polling = false;
      });
  }, opts.pollMs);
  timer.unref();

  return {
    watch(plan, onSuperseded) {
      const key = keys.planLatest(plan.repo.fullName, plan.pr);
      const watcher: Watcher = { plan, onSuperseded };
      let set = byKey.get(key);
      if (!set) byKey.set(key, (set = new Set()));
      set.add(watcher);
      return () => {
        set.delete(watcher);
        if (set.size === 0 && byKey.get(key) === set) byKey.delete(key);
      };
    },
    async close() {
      clearInterval(timer);
      byKey.clear();
      await closeRedis(subscriber);
    },
  };
}
