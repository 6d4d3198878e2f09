/**
 * One part of a plan fanned out (src/jobs/plan-parts.ts): renders, validates and diffs only its
 * environments at the plan's commits and returns their reports to the plan job, which posts them. A part
 * talks to GitHub only to fetch the commits; it is idempotent (the same commits give the same reports)
 * and retried by the job layer like any job. A newer head for the PR aborts it.
 *
 * The plan limit (BOSUN_MAX_PLAN_OBJECTS) holds across the parts as in one job: each part keeps its
 * environments' object counts in Redis as soon as they rendered, and takes its share after the parts
 * before it, so it refuses the environments the plan in one job refuses and diffs no more than the limit.
 */
import type { PlanPartJob } from '../../../src/jobs.ts';
import { withChangedReads } from '../../../src/discover/coverage.ts';
import { changedFiles } from '../../../src/git/index.ts';
import { encodePart, partCounting, type PartCounting, type PlanPartResult } from '../../../src/jobs/plan-parts.ts';
import { BosunError } from '../../../src/model/errors.ts';
import { planChange, type PlanOptions } from '../../../src/plan/plan.ts';
import { RenderCache } from '../../../src/render/index.ts';
import type { Processor } from '../../contract.ts';
import { planSetup } from './plan-options.ts';
import type { PlanProcessorDeps } from './plan-deps.ts';

export function planPartProcessor(deps: PlanProcessorDeps): Processor<PlanPartJob, { gz: string }> {
  const cache = deps.cache ?? new RenderCache();
  return async (job, ctx) => {
    // The process's limits (planSetup sets none of its own).
    const counting = deps.partCounts ? partCounting(deps.partCounts, {
      parentId: job.parentId, part: job.part, envs: job.envs, signal: ctx.signal,
      ...(deps.partCounts.waitMs !== undefined ? { waitMs: deps.partCounts.waitMs } : {}),
      onUncounted: (waitMs) => ctx.log.info({ part: job.part + 1, waitMs }, 'the parts before this one did not count their objects in time: it plans without the plan limit, the plan job applies it'),
      onKeepFailed: (err) => ctx.log.warn({ part: job.part + 1, err: err instanceof Error ? err.message : String(err) }, 'could not keep the part\'s object counts: the parts after it plan without the plan limit'),
    }) : undefined;
    try {
      const { token } = await deps.auth.installation(job.installationId);
      await ctx.progress(`rendering part ${job.part + 1}/${job.parts} of the plan of ${job.repo.fullName}#${job.pr} at ${job.headSha.slice(0, 7)}: ${job.envs.length} environment(s)`);
      // The plan's time budget is the whole plan's: counted from the plan job's start, not this part's.
      const setup = await planSetup(deps, cache, job, token, ctx, job.planStartedAt);
      try {
        return await encodePart(await planPart(setup.options, job, counting));
      } finally {
        await setup.close();
      }
    } catch (err) {
      // Not stopped by a newer head (then every part stops): the parts after this one need not wait for its counts.
      if (!ctx.signal.aborted) await counting?.failed();
      throw err;
    }
  };
}

/**
 * Plans one part's environments: their reports, the discovery notes their renders added with the changed
 * files each reads (as the plan in one job annotates them: a not-previewed environment's changed inputs
 * make the plan say bosun cannot judge them), and, when counting, their object counts.
 */
export async function planPart(options: PlanOptions, part: Pick<PlanPartJob, 'part' | 'envs'>, counting?: PartCounting): Promise<PlanPartResult> {
  const plan = await planChange({ ...options, envs: part.envs, coverage: false, ...(counting ? { planBudget: counting.budget } : {}) });
  const environments = plan.environments.filter((env) => part.envs.includes(env.name));
  const missing = part.envs.filter((name) => !environments.some((env) => env.name === name));
  // Never a part without one of its environments: the plan job would have nothing to report for it.
  if (missing.length) throw new BosunError({ kind: 'internal', message: `part ${part.part + 1} did not plan ${missing.join(', ')}` });
  await counting?.kept();
  const notes = plan.discovery?.length ? withChangedReads(plan.discovery, await changedFiles(options.repoDir, plan.base, plan.head)) : [];
  return { environments, notes, ...(counting ? { objects: Object.fromEntries(counting.objects) } : {}) };
}
