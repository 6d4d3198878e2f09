/**
 * What planChange gets from a worker, the same for a whole plan job and for each part of one fanned out
 * (plan-part.ts): the PR's commits in the mirror, the registered clusters (apply previews and their
 * schemas), remote charts, the shared input index and render cache.
 */
import type { PlanJob, PlanPartJob } from '../../../src/jobs.ts';
import { clusterChecksHook, previewHook } from '../../../src/cluster/plan-hooks.ts';
import { inventoryOf } from '../../../src/cluster/registry.ts';
import type { PlanOptions } from '../../../src/plan/plan.ts';
import type { RenderCache } from '../../../src/render/index.ts';
import type { JobContext } from '../../contract.ts';
import { commitRange } from './commit-range.ts';
import type { PlanProcessorDeps } from './plan-deps.ts';

export interface PlanSetup {
  options: PlanOptions;
  /** Closes the cluster connections of previews and schema checks. */
  close(): Promise<void>;
}

/** Fetches the job's commits and builds planChange's options (besides envs and hooks the caller adds); close it after. */
export async function planSetup(deps: PlanProcessorDeps, cache: RenderCache, job: PlanJob | PlanPartJob, token: () => Promise<string>, ctx: JobContext, startedAt?: number): Promise<PlanSetup> {
  const preview = deps.clusters ? previewHook(deps.clusters, { partOf: job.repo.fullName }) : undefined;
  const clusterChecks = deps.clusters ? clusterChecksHook(deps.clusters, deps.schemaCacheDir ? { cacheDir: deps.schemaCacheDir } : {}) : undefined;
  const close = async (): Promise<void> => {
    await preview?.close();
    await clusterChecks?.close();
  };
  try {
    const range = await commitRange(deps.mirrors, job.repo, token, job);
    return {
      options: {
        repoDir: range.repoDir,
        base: range.base,
        head: range.head,
        ...(job.envs?.length ? { envs: job.envs } : {}),
        repoUrls: [job.repo.cloneUrl, `https://github.com/${job.repo.fullName}`],
        baseBranch: job.baseRef,
        defaultBranch: job.repo.defaultBranch,
        // Argo CD ApplicationSet clusters generators list the registry's clusters (names and labels).
        ...(deps.clusters ? { clusters: inventoryOf(deps.clusters) } : {}),
        cache,
        ...(preview ? { preview: preview.hook } : {}),
        ...(clusterChecks ? { clusterChecks: clusterChecks.hook } : {}),
        ...(deps.charts ? { charts: deps.charts } : {}),
        ...(deps.inputIndex ? { inputIndex: deps.inputIndex } : {}),
        // The whole plan's time budget, counted from the plan job's start (a part gets it in its data).
        ...(deps.planTimeoutMs ? { timeBudget: { ms: deps.planTimeoutMs, setting: 'BOSUN_PLAN_TIMEOUT', ...(startedAt !== undefined ? { startedAt } : {}) } } : {}),
        // Superseded (a newer head), shut down or the lease lost: renders in flight are stopped.
        signal: ctx.signal,
        // Superseded: stop at the next step instead of rendering for a head nobody will look at.
        progress: Object.assign((message: string) => {
          ctx.signal.throwIfAborted();
          void ctx.progress(message);
        }, { done: () => undefined }),
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
