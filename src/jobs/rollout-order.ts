/**
 * Argo CD's progressive sync (ApplicationSet `strategy.type: RollingSync`) as ordering edges between the
 * applies one push queues — the same `after` edges `dependsOn` gives (src/jobs/promotion.ts decides each
 * wait), not a scheduler of its own. As the ApplicationSet controller rolls out
 * (argoproj/argo-cd applicationset/controllers/applicationset_controller.go buildAppSyncMap,
 * updateApplicationSetApplicationStatusProgress; docs operator-manual/applicationset/Progressive-Syncs.md):
 * - a step syncs only once every Application of the steps before it is healthy and in sync: each environment
 *   of step N waits for the environments of the nearest earlier step that this push applies (that step waited
 *   for the ones before it, and a failure stops the chain there); one applied without prune that left what Git
 *   dropped is not done (appSyncEnabledForNextStep: isApplicationHealthy wants it not OutOfSync), so the wait
 *   goes on until a sync with prune (src/jobs/promotion.ts, DependencyState.rollout);
 * - `maxUpdate` caps how many of a step sync at once: the step's environments, by name, form `maxAtOnce`
 *   lanes, each waiting for the one `maxAtOnce` places before it — never more than `maxAtOnce` at a time,
 *   and a failed one stops the rest of its lane (Argo CD keeps its slot taken);
 * - an environment of a `maxUpdate: 0` step, or one several steps select (placed in its first step;
 *   src/discover/argocd-rolling-sync.ts says why Argo CD never syncs it), is not applied on merge (it waits
 *   for `/bosun apply`, the manual sync), takes no `maxUpdate` lane, and later steps wait for it, as Argo
 *   CD's rollout waits for someone to sync it;
 * - one no step selects is outside the rollout: nothing waits for it.
 * Environments the push does not apply have nothing to wait for (Argo CD sees them synced and healthy).
 */
import type { RolloutOrder } from '../model/rollout.ts';

export interface RolloutMember {
  name: string;
  rollout?: RolloutOrder;
}

export interface RolloutWait {
  /** Environments of the same push this one is applied after. */
  after: string[];
  /** Why, per environment waited for (shown on the waiting and the stopped check runs). */
  why: Record<string, string>;
}

/** The waits of each member of one push that has any; members without a rollout step get none. */
export function rolloutWaits(members: readonly RolloutMember[]): Map<string, RolloutWait> {
  const byAppSet = new Map<string, Array<{ name: string; rollout: RolloutOrder & { step: number } }>>();
  for (const m of members) {
    if (!m.rollout || m.rollout.step === undefined) continue;
    const key = `${m.rollout.file ?? ''}\u0000${m.rollout.appSet}`;
    const group = byAppSet.get(key) ?? [];
    group.push({ name: m.name, rollout: { ...m.rollout, step: m.rollout.step } });
    byAppSet.set(key, group);
  }
  const waits = new Map<string, RolloutWait>();
  const add = (env: string, dep: string, why: string) => {
    const w = waits.get(env) ?? { after: [], why: {} };
    if (!w.after.includes(dep)) w.after.push(dep);
    w.why[dep] ??= why;
    waits.set(env, w);
  };
  for (const group of byAppSet.values()) {
    const steps = [...new Set(group.map((m) => m.rollout.step))].sort((a, b) => a - b);
    for (const [i, step] of steps.entries()) {
      const mine = group.filter((m) => m.rollout.step === step).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const appSet = mine[0].rollout.appSet;
      const previous = i > 0 ? group.filter((m) => m.rollout.step === steps[i - 1]).map((m) => m.name).sort() : [];
      // One the rollout never syncs takes no maxUpdate slot (its ApplicationSet status never becomes Pending).
      const syncing = mine.filter((m) => m.rollout.manual === undefined);
      for (const m of mine) {
        for (const dep of previous) {
          add(m.name, dep, `ApplicationSet ${appSet}'s RollingSync syncs step ${step} once the Applications of step ${steps[i - 1]} are healthy`);
        }
        const lanes = m.rollout.maxAtOnce;
        const j = syncing.indexOf(m);
        if (lanes !== undefined && lanes > 0 && j >= lanes) {
          add(m.name, syncing[j - lanes].name, `ApplicationSet ${appSet}'s RollingSync step ${step} has maxUpdate ${lanes === 1 ? '1: one Application syncs at a time' : `${lanes}: at most ${lanes} Applications sync at once`}`);
        }
      }
    }
  }
  for (const w of waits.values()) w.after.sort();
  return waits;
}
