import type { HookPhase } from '../model/sync.ts';
import type { FieldConflict, ObjectRef } from '../model/preview.ts';

export type { ObjectRef, PreviewAction, PreviewHook, PreviewObject, PreviewResult } from '../model/preview.ts';

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
  /** It failed because the API server did not answer (no connection, reset, timeout, 502/503/504, past the client's retries): nothing about the object itself. */
  unreachable?: true;
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
  /**
   * Set on a failed run when the API server stopped answering during it (what failed says nothing about
   * the objects): the first such failure. The same apply can run again once the server answers.
   */
  unreachable?: string;
  /**
   * Prune was off and objects bosun applied earlier that Git no longer has stay: how many of them keep the
   * environment out of sync, counted as the preview counts them (PreviewResult.leftByPruneOff: with Argo CD
   * semantics not one annotated `compare-options: IgnoreExtraneous`, nor one another environment took over,
   * nor one a rule keeps even from a sync with prune: those are keptByPruneRule). Absent: none.
   */
  leftByPruneOff?: number;
  /**
   * Objects Git no longer has that a rule kept (`Prune=false`, `Prune=confirm`, `bosun.dev/prune: disabled`),
   * with or without prune, and that keep an Argo CD environment OutOfSync (preview.ts outOfSyncLeft): a sync
   * with prune does not remove them, deleting them by hand (or removing the option) does. Absent: none.
   */
  keptByPruneRule?: number;
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
