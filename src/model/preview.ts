import type { RiskClass } from './change.ts';
import type { ObjectId, SourceRef } from './object.ts';
import type { HookPhase } from './sync.ts';

/**
 * What an apply preview found (the cluster adapter computes it; plans and reports carry it). Plain data,
 * so that the plan model and the report need nothing from src/cluster.
 */

/** A field another field manager holds on the live object. */
export interface FieldConflict {
  manager: string;
  field: string;
}

/** Which object, in every form a report needs. */
export interface ObjectRef {
  id: ObjectId;
  /** `idKey(id)`: `apps/Deployment/web/frontend`. */
  key: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** Where the object came from in the repository, when known. */
  source?: SourceRef;
}

export type PreviewAction = 'create' | 'update' | 'unchanged' | 'conflict' | 'rejected' | 'prune';

export interface PreviewObject extends ObjectRef {
  action: PreviewAction;
  /** Unified diff, live vs what the dry run says the object would become (noise removed, Secrets masked). */
  diff?: string;
  risk?: RiskClass;
  secretKeys?: { added: string[]; removed: string[]; changed: string[] };
  /** Fields other managers hold (a conflict, or what force would take over when forceConflicts is on). */
  conflicts?: FieldConflict[];
  /** Why the server rejected it, or a note on how far the preview could check it. */
  message?: string;
  /** A prune candidate drift detection does not count, and why (Argo CD `compare-options: IgnoreExtraneous`). */
  ignoredInDrift?: string;
  /** Fields left out of `diff` by the environment's ignoreDifferences rules. */
  ignoredFields?: boolean;
}

/** A hook the sync would run (not a change: hooks are created at each sync). */
export interface PreviewHook extends ObjectRef {
  phase: HookPhase;
  wave: number;
  /** Set when the API server's dry run of creating it failed (the hook would fail the sync). */
  problem?: string;
}

export interface PreviewResult {
  environment: string;
  cluster: string;
  objects: PreviewObject[];
  /** Objects bosun applied earlier that Git no longer has (action 'prune'); kept ones carry a message. */
  prunes: PreviewObject[];
  counts: Record<PreviewAction, number>;
  /**
   * Objects bosun applied earlier that Git no longer has and that stay because prune is off (absent: none).
   * Under an Argo CD RollingSync they keep the Application OutOfSync after its sync (queue/workflows/apply/hold.ts).
   */
  leftByPruneOff?: number;
  /**
   * Of the objects prune-off leaves, those a rule keeps even from a sync with prune (`Prune=false`,
   * `Prune=confirm`, `bosun.dev/prune: disabled`) that still keep an Argo CD Application OutOfSync
   * (src/cluster/preview.ts outOfSyncLeft; absent: none). Not part of leftByPruneOff.
   */
  keptByPruneRule?: number;
  /** Environment-level notes (e.g. prune is off, or refused because the render is empty). */
  notes: string[];
  /** No conflicts and no rejections: an apply would be expected to succeed. */
  ok: boolean;
  /** Argo CD hooks the sync runs, in run order (present when there are any). */
  hooks?: PreviewHook[];
}
