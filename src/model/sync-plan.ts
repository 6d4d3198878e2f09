import type { HookDeletePolicy, HookPhase } from './sync.ts';

/**
 * How an environment's head render will be synced, for the plan report: its hooks in run order, its sync
 * waves, and what is never applied. Present only when there is something beyond one plain apply (a hook,
 * a second wave, a skipped object). Part of the JSON report (`environments[].sync`).
 */
export interface SyncPlan {
  /** Hooks in the order they run: phase, wave, kind, name (a hook in two phases is listed in each). */
  hooks: PlannedHook[];
  /** Objects per wave, lowest first; each wave waits for the previous one to be healthy. */
  waves: Array<{ wave: number; objects: number }>;
  /** Rendered objects a sync never applies, with why (`Skip`, Helm `test`, `PreDelete`…). */
  skipped: SkippedObject[];
  /**
   * Objects the change removes from Git that the controller leaves in the cluster (`Prune=false`, `Delete=false`, Flux `prune: disabled`, `helm.sh/resource-policy: keep`…),
   * with why: not among the environment's deletions (plan/kept.ts).
   */
  kept?: KeptObject[];
}

/** An object Git no longer has that stays in the cluster: listed as kept, never as deleted. */
export type KeptObject = SkippedObject;

export interface PlannedHook {
  phase: HookPhase;
  wave: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  /** Its name, or `<generateName>*` when the cluster names it at each run. */
  name: string;
  generateName?: boolean;
  deletePolicies: HookDeletePolicy[];
  /** The annotation that makes it a hook, e.g. `helm.sh/hook: pre-upgrade`. */
  declaredBy: string;
  file?: string;
  line?: number;
}

export interface SkippedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  reason: string;
  file?: string;
  line?: number;
}
