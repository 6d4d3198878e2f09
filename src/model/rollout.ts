/**
 * Where an environment sits in its ApplicationSet's progressive sync (`strategy.type: RollingSync`), as far
 * as applying on merge needs it: which step syncs it, how many of that step sync at once, or why only a
 * person syncs it. Discovery fills it (src/discover/argocd-rolling-sync.ts); the push turns it into ordering
 * edges between the applies it queues (src/jobs/rollout-order.ts).
 */
export interface RolloutOrder {
  /** The ApplicationSet's name, and the file that defines it (two ApplicationSets may share a name). */
  appSet: string;
  file?: string;
  /** 1-based step that syncs it; absent when no step selects it. */
  step?: number;
  /**
   * How many of the step's Applications Argo CD syncs at once (`maxUpdate` resolved against the step's
   * size); absent: all of them.
   */
  maxAtOnce?: number;
  /** Argo CD's rollout never syncs it (no step selects it, or its step has `maxUpdate: 0`): why. */
  manual?: string;
}
