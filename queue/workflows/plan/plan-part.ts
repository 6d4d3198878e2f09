/**
 * One part of a plan fanned out (src/jobs/plan-parts.ts): renders, validates and diffs only its
 * environments at the plan's commits and returns their reports to the plan job, which posts them. A part
 * talks to GitHub only to fetch the commits; it is idempotent (the same commits give the same reports)
 * and retried by the job layer like any job. A newer head for the PR aborts it.
 */
import type { PlanPartJob } from '../../../src/jobs.ts';
import { encodePart } from '../../../src/jobs/plan-parts.ts';
import { BosunError } from '../../../src/model/errors.ts';
import { planChange } from '../../../src/plan/plan.ts';
import { RenderCache } from '../../../src/render/index.ts';
import type { Processor } from '../../contract.ts';
import { planSetup } from './plan-options.ts';
import type { PlanProcessorDeps } from './plan-deps.ts';

export function planPartProcessor(deps: PlanProcessorDeps): Processor<PlanPartJob, { gz: string }> {
  const cache = deps.cache ?? new RenderCache();
  return async (job, ctx) => {
    const { token } = await deps.auth.installation(job.installationId);
    await ctx.progress(`rendering part ${job.part + 1}/${job.parts} of the plan of ${job.repo.fullName}#${job.pr} at ${job.headSha.slice(0, 7)}: ${job.envs.length} environment(s)`);
    const setup = await planSetup(deps, cache, job, token, ctx);
    try {
      const plan = await planChange({ ...setup.options, envs: job.envs, coverage: false });
      const environments = plan.environments.filter((env) => job.envs.includes(env.name));
      const missing = job.envs.filter((name) => !environments.some((env) => env.name === name));
      // Never a part without one of its environments: the plan job would have nothing to report for it.
      if (missing.length) throw new BosunError({ kind: 'internal', message: `part ${job.part + 1} did not plan ${missing.join(', ')}` });
      return await encodePart({ environments, notes: plan.discovery ?? [] });
    } finally {
      await setup.close();
    }
  };
}
