import type { Change } from './change.ts';
import type { Coverage, DiscoveryNote } from './discovery.ts';
import type { EnvironmentSource } from './environment.ts';
import type { Problem } from './errors.ts';
import type { SyncPlan } from './sync-plan.ts';
import type { ValidationFinding } from './validation.ts';
import type { PreviewResult } from './preview.ts';

/**
 * The result of planning one environment between two commits. This is the stable JSON shape of
 * `bosun plan --format json` (documented in docs/cli.md); add fields, never rename or remove them.
 */
export interface EnvironmentPlan {
  name: string;
  source: EnvironmentSource;
  path: string;
  cluster?: string;
  /** Whether any input of the environment's render changed between base and head. */
  affected: boolean;
  /** Why it was rendered or skipped, e.g. "apps/frontend/deployment.yaml changed" or "no input changed". */
  reason: string;
  /** 'added' / 'removed' when the environment exists only at head / only at base. */
  lifecycle?: 'added' | 'removed';
  /** Argo CD: the Application (app of apps) or ApplicationSet that produces it, and the environment that renders that parent. */
  producedBy?: { kind: 'Application' | 'ApplicationSet'; name: string; environment?: string };
  /** Argo CD: the tag, branch or commit it follows instead of the branch the change merges into (then it is skipped). */
  pinned?: string;
  /** Object counts when rendered; `skipped` when not affected (nothing was rendered); or the render error. */
  render: { objects: number; baseObjects?: number } | { skipped: true } | { error: Problem & { tool?: string; side?: 'base' | 'head' } };
  validation: { errors: ValidationFinding[]; warnings: ValidationFinding[] };
  changes: Change[];
  /** How the head render is synced when that is more than one plain apply: hooks, waves, skipped objects. */
  sync?: SyncPlan;
  /**
   * Apply preview against the live cluster (server-side-apply dry run), when the environment's cluster is
   * registered and the plan was asked for it; or why it could not be made.
   */
  preview?: PreviewResult | { error: Problem };
  /**
   * The plan's time budget was spent before this environment rendered: not previewed (`render` is
   * `skipped`, `reason` says so), never "no changes". The plan's `timeBudget` says how far it got.
   */
  timeBudgetSpent?: true;
}

/** How far a plan got when its time budget was spent (`--plan-timeout`, `BOSUN_PLAN_TIMEOUT`). */
export interface PlanTimeBudgetSpent {
  /** The budget as set, e.g. "30m". */
  budget: string;
  /** How it is changed: `--plan-timeout` or `BOSUN_PLAN_TIMEOUT`. */
  setting: string;
  /** Affected environments that rendered (or failed) within it. */
  rendered: number;
  /** Every affected environment of the plan. */
  affected: number;
  /** The affected environments it left unrendered, in the plan's order. */
  notPreviewed: string[];
}

export interface PlanResult {
  base: string;
  head: string;
  environments: EnvironmentPlan[];
  /** GitOps files at head that no environment reads (and deleted ones no environment read), with why. Set by `planChange`. */
  coverage?: Coverage;
  /** What discovery saw and did not turn into a previewed environment, and caveats about those it did. Set by `planChange`. */
  discovery?: DiscoveryNote[];
  /** Set when the plan's time budget was spent before every affected environment rendered. */
  timeBudget?: PlanTimeBudgetSpent;
}
