import type { RiskClass } from '../model/change.ts';
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
}

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'failed' | 'pruned' | 'skipped';

export interface ObjectResult extends ObjectRef {
  action: ApplyAction;
  /** 'prune' for objects removed (or kept) because Git no longer has them. */
  stage: 'apply' | 'prune';
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
}

export interface ProgressEvent {
  stage: 'prepare' | 'apply' | 'prune' | 'health' | 'inventory' | 'retry' | 'preview';
  message: string;
  done?: number;
  total?: number;
}

export type ProgressFn = (event: ProgressEvent) => void;
