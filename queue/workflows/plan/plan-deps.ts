/** What the plan job and its parts are given by the worker (queue/workflows/index.ts). */
import type { ClusterRegistry } from '../../../src/cluster/index.ts';
import type { MirrorCache } from '../../../src/git/mirror.ts';
import type { GitHubAppAuth } from '../../../src/github/app-auth.ts';
import type { LockViewers } from '../../../src/jobs.ts';
import type { PlanFanout, PlanFanoutStore } from '../../../src/jobs/plan-parts.ts';
import type { PrRecords } from '../../../src/jobs/pr-records.ts';
import type { LockManager } from '../../../src/locks/index.ts';
import type { PlanChartOptions } from '../../../src/plan/chart-fetcher.ts';
import type { IndexOption } from '../../../src/plan/input-index-sides.ts';
import type { RenderCache } from '../../../src/render/index.ts';

export interface PlanProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  /** Shared by every plan in this process: unchanged environments are not rendered twice. */
  cache?: RenderCache;
  /** Environments whose cluster is registered here get an apply preview, and validation against that cluster's own OpenAPI. */
  clusters?: ClusterRegistry;
  /** Where the clusters' OpenAPI schemas are cached (the data dir). */
  schemaCacheDir?: string;
  /** Remote charts: BOSUN_CHART_SOURCES and the data dir's chart cache (the base branch's declarations are added per plan). */
  charts?: PlanChartOptions;
  /** Environment locks: the PR's own are renewed, and every lock is shown in the comment. */
  locks?: LockManager;
  /** Records the head planned per environment (plan pinning on merge); keeps the "applied to" lines. */
  prRecords?: PrRecords;
  /** Records which environments this PR's comment shows, so a lock change elsewhere refreshes it. */
  lockViewers?: Pick<LockViewers, 'record'>;
  /** The input index shared by every worker (src/jobs/input-index-store.ts): affected detection looks inputs up instead of walking every environment. */
  inputIndex?: IndexOption;
  /** Plans of many environments render in parts on the plan-part queue (BOSUN_PLAN_FANOUT_ENVS, _BATCH); absent: never. */
  fanout?: PlanFanout & { store: PlanFanoutStore };
  /**
   * A part of a plan fanned out: where the parts keep their object counts, so the plan limit
   * (BOSUN_MAX_PLAN_OBJECTS) holds across them; `waitMs` bounds a part's wait for the parts before it
   * (default: src/jobs/plan-parts.ts defaultCountWaitMs). Absent: each part applies the limit on its own.
   */
  partCounts?: Pick<PlanFanoutStore, 'saveCounts' | 'loadCounts'> & { waitMs?: number };
  /** Wall time a plan may take, its parts together (BOSUN_PLAN_TIMEOUT); absent or 0: no budget. */
  planTimeoutMs?: number;
  /** Places the PR's newest plan request again (src/jobs/producers.ts placeNewestPlan): a stale plan makes sure the newest head is planned. */
  placeNewestPlan?: (repo: string, pr: number) => Promise<void>;
}
