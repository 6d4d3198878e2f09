import type { RiskClass } from '../model/change.ts';
import type { HookPhase } from '../model/sync.ts';
import type { ObjectId, SourceRef } from '../model/object.ts';
import type { FieldConflict } from './api-error.ts';

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
  /** Environment-level notes (e.g. prune is off, or refused because the render is empty). */
  notes: string[];
  /** No conflicts and no rejections: an apply would be expected to succeed. */
  ok: boolean;
  /** Argo CD hooks the sync runs, in run order (present when there are any). */
  hooks?: PreviewHook[];
}

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'failed' | 'pruned' | 'skipped';

export interface ObjectResult extends ObjectRef {
  action: ApplyAction;
  /** 'prune' for objects removed (or kept) because Git no longer has them; 'hook' for a hook run. */
  stage: 'apply' | 'prune' | 'hook';
  /** Sync wave it was applied (or pruned) in, when the environment has more than one. */
  wave?: number;
  /** For a hook: the phase it ran in and what became of it. */
  hook?: { phase: HookPhase; wave: number; outcome: 'succeeded' | 'failed' | 'not run'; deleted?: boolean };
  /** What went wrong, scrubbed; for 'skipped', why. */
  error?: string;
  conflicts?: FieldConflict[];
}

export type HealthStatus = 'healthy' | 'progressing' | 'failed' | 'missing';

export interface ObjectHealth extends ObjectRef {
  status: HealthStatus;
  message: string;
}

export interface HealthReport {
  verdict: 'healthy' | 'unhealthy' | 'timeout';
  objects: ObjectHealth[];
  elapsedMs: number;
}

export interface ApplyReport {
  environment: string;
  cluster: string;
  mode: 'apply' | 'sync';
  dryRun: boolean;
  /** Every desired object, then every prune candidate, each with what happened to it. */
  objects: ObjectResult[];
  /** Number of objects deleted by prune. */
  pruned: number;
  counts: Record<ApplyAction, number>;
  /** Present when health was checked (not after a failed apply, not for dry runs, not when disabled). */
  health?: HealthReport;
  /** Environment-level problems and notes, in the order they happened. */
  notes: string[];
  /** Everything applied, nothing failed, prune did what it should, and health (when checked) is healthy. */
  ok: boolean;
  durationMs: number;
  /** The sync's steps in the order they ran, when there were hooks or more than one wave. */
  steps?: SyncStep[];
}

/** One step of a sync: a phase's hooks, one wave, prune. */
export interface SyncStep {
  phase: HookPhase | 'Prune';
  wave?: number;
  /** Objects applied (or pruned) and hooks run in it. */
  objects: number;
  hooks: number;
  outcome: 'ok' | 'failed' | 'unhealthy' | 'timeout' | 'not run';
  message?: string;
  elapsedMs: number;
}

export interface ProgressEvent {
  stage: 'prepare' | 'apply' | 'prune' | 'health' | 'inventory' | 'retry' | 'preview' | 'hook';
  message: string;
  done?: number;
  total?: number;
}

export type ProgressFn = (event: ProgressEvent) => void;
