/**
 * The plan job's side of a plan fanned out (src/jobs/plan-parts.ts): its parts as child jobs, and their
 * reports gathered back into one plan — every affected environment with its part's report, or, when its
 * part failed its last attempt, a render error saying so: an environment is never silently missing.
 */
import { checkRunName } from '../../../src/github/names.ts';
import { completeCheckRun, findCheckRun, type GitHubClient } from '../../../src/github/index.ts';
import { planPartJobId, type JobOutcome, type PlanJob, type PlanPartJob } from '../../../src/jobs.ts';
import { decodePart, splitParts, type FanoutAnalysis, type PlanFanout } from '../../../src/jobs/plan-parts.ts';
import type { DiscoveryNote } from '../../../src/model/discovery.ts';
import type { EnvironmentPlan, PlanResult } from '../../../src/model/plan.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { ChildJob, ChildrenStatus } from '../../contract.ts';

/** The plan as analysed (affected environments not rendered) and its affected environments in parts. */
export function fanoutAnalysis(plan: PlanResult, fanout: PlanFanout): FanoutAnalysis {
  return { plan, parts: splitParts(plan.environments.filter((env) => env.affected).map((env) => env.name), fanout.batch) };
}

/** One child job per part; their ids follow the plan job's, so queuing them again queues nothing new. */
export function partJobs(job: PlanJob, parentId: string, parts: string[][]): Array<ChildJob<'planPart'>> {
  const { envs: _envs, commentId: _commentId, ...plan } = job;
  return parts.map((envs, part) => ({
    kind: 'planPart',
    id: planPartJobId(parentId, part),
    data: { ...plan, parentId, part, parts: parts.length, envs } satisfies PlanPartJob,
  }));
}

/** The analysed plan with each part's reports in place of its environments. */
export async function gatherParts(analysis: FanoutAnalysis, status: ChildrenStatus, parentId: string): Promise<PlanResult> {
  const reports = new Map<string, EnvironmentPlan>();
  const failed = new Map<string, string>();
  const notes: DiscoveryNote[] = [];
  for (const [part, envs] of analysis.parts.entries()) {
    const id = planPartJobId(parentId, part);
    const outcome = status.values.get(id) as JobOutcome | undefined;
    const result = outcome?.status === 'done' ? await decodePart(outcome.value) : undefined;
    for (const env of result?.environments ?? []) if (envs.includes(env.name)) reports.set(env.name, env);
    notes.push(...(result?.notes ?? []));
    const why = status.failed.get(id)
      ?? (outcome?.status === 'superseded' ? 'it was stopped: a newer commit was pushed to this pull request'
        : outcome === undefined ? 'it did not finish' : 'it returned no report for this environment');
    for (const env of envs) if (!reports.has(env)) failed.set(env, `bosun could not render this environment: the worker job rendering it (part ${part + 1} of ${analysis.parts.length}) failed for the last time: ${scrub(why)}`);
  }
  const environments = analysis.plan.environments.map((env): EnvironmentPlan => {
    const report = reports.get(env.name);
    if (report) return report;
    const why = failed.get(env.name);
    return why ? { ...env, render: { error: { kind: 'internal', message: why } } } : env;
  });
  const discovery = [...(analysis.plan.discovery ?? []), ...notes];
  return { ...analysis.plan, environments, ...(analysis.plan.discovery || notes.length ? { discovery } : {}) };
}

/** The check runs a plan job opened for these environments and left in progress: cancelled (a newer head won). */
export async function cancelOpenRuns(gh: GitHubClient, args: { owner: string; repo: string; headSha: string; externalId: string; appId?: number }, envs: string[]): Promise<void> {
  for (const env of envs) {
    const run = await findCheckRun(gh, args.owner, args.repo, args.headSha, checkRunName(env), args.appId !== undefined ? { appId: args.appId } : {});
    if (!run || run.status === 'completed' || run.externalId !== args.externalId) continue;
    await completeCheckRun(gh, { owner: args.owner, repo: args.repo, checkRunId: run.id, conclusion: 'cancelled', title: 'Superseded', summary: 'A newer commit was pushed to this pull request; see its checks.' })
      .catch(() => undefined);
  }
}
