import { controllerKeepReason, objectApplyOptions, type ApplyPolicy, type Deleter } from '../model/apply-options.ts';
import type { KubeObject } from '../model/object.ts';
import { syncOptionsAnnotation, type SyncSemantics } from '../model/sync.ts';
import { isPruneDisabled, pruneAnnotation, pruneDisabled } from './labels.ts';

/** What prune needs to know about the environment besides its labels. */
export interface PruneRules {
  semantics: SyncSemantics;
  policy?: ApplyPolicy;
  /** The environment itself is being removed: Argo CD's `Delete=` options apply instead of `Prune=`. */
  removal?: boolean;
  /** Whose deletion rules hold beyond sync options (model/apply-options.ts deleterOf): Argo CD's, Helm's… */
  deleter?: Deleter;
}

/**
 * Why a prune candidate stays in the cluster although Git no longer has it, or undefined when it may be
 * deleted: `bosun.dev/prune: disabled`; Argo CD `Prune=false` (never pruned) or `Prune=confirm` (bosun has
 * no confirmation step: it is kept until someone deletes it); when the environment itself is removed,
 * `Delete=false` / `Delete=confirm` instead. The options are read from the live object (what was applied) and
 * the environment's sync options, the object's own winning.
 */
export function pruneKeepReason(live: KubeObject, rules: PruneRules): string | undefined {
  if (isPruneDisabled(live)) return `annotated ${pruneAnnotation}: ${pruneDisabled}`;
  // CRDs and `helm.sh/resource-policy: keep` objects the controller's own deletion leaves (the plan's rule too).
  const held = controllerKeepReason(live, rules.deleter, rules.removal === true);
  if (held) return held;
  const options = objectApplyOptions(live, rules.policy, rules.semantics);
  // Flux: `prune: disabled` / `reconcile: disabled` keep it, for a prune and when the environment goes alike.
  if (rules.semantics === 'flux') return options.keepReason;
  const own = live.metadata?.annotations?.[syncOptionsAnnotation] !== undefined;
  const where = (key: string) => (own && live.metadata?.annotations?.[syncOptionsAnnotation]?.includes(`${key}=`) ? `annotated ${syncOptionsAnnotation}: ${key}=` : `the Application's syncOptions ${key}=`);
  // Argo CD: Prune= guards a sync's prune, Delete= the deletion of the whole Application (app_deletion.md).
  if (rules.removal) {
    if (options.delete === 'no') return `${where('Delete')}false: kept when its environment is removed`;
    if (options.delete === 'confirm') return `${where('Delete')}confirm; bosun has no confirmation step, so delete it by hand when you are sure`;
    return undefined;
  }
  if (options.prune === 'no') return `${where('Prune')}false`;
  if (options.prune === 'confirm') return `${where('Prune')}confirm; bosun has no confirmation step, so delete it by hand when you are sure`;
  return undefined;
}
