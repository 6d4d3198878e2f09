// Waiting for bosun's applies of a commit, the way a person watches GitHub: the `bosun / apply (<env>)`
// check run completes and the environment's GitHub Deployment gets its final status.
import type { TourContext } from './context.ts';
import type { TourEnv } from './repo.ts';

type Json = Record<string, unknown>;

export const applyCheckName = (env: TourEnv): string => `bosun / apply (${env.name})`;

export interface AppliedEnv {
  env: TourEnv;
  run: Json;
  deployment?: Json;
}

const finalStates = new Set(['success', 'failure', 'error', 'inactive']);

export async function waitForApply(ctx: TourContext, env: TourEnv, sha: string): Promise<AppliedEnv> {
  const { gh } = ctx.stack;
  const name = applyCheckName(env);
  const run = await ctx.wait(`the "${name}" check run on ${sha.slice(0, 7)} to complete`, () =>
    gh.checkRuns(ctx.owner, ctx.name, sha).find((r) => r.name === name && r.status === 'completed'), 120_000);
  const deployment = gh.deployments(ctx.owner, ctx.name).find((d) => d.sha === sha && d.environment === env.name);
  if (deployment) {
    await ctx.wait(`the final status of the ${env.name} deployment`, () =>
      finalStates.has(String(gh.deploymentStatuses(Number(deployment.id)).sort((a, b) => Number(a.id) - Number(b.id)).at(-1)?.state)), 30_000);
  }
  return { env, run, ...(deployment ? { deployment } : {}) };
}

/** Throws with the check run's own words when an apply did not succeed. */
export function expectApplied(applied: AppliedEnv): void {
  if (applied.run.conclusion === 'success') return;
  const output = (applied.run.output ?? {}) as { title?: string; summary?: string };
  throw new Error(`${String(applied.run.name)} ended ${String(applied.run.conclusion)}: ${output.title ?? ''}\n${(output.summary ?? '').slice(0, 1_500)}`);
}
