/**
 * The plan job's side of a plan fanned out (src/jobs/plan-parts.ts): its parts as child jobs, and their
 * reports gathered back into one plan — every affected environment with its part's report, or, when its
 * part failed its last attempt, a render error saying so: an environment is never silently missing. The
 * plan limit (BOSUN_MAX_PLAN_OBJECTS) is applied again to the parts' object counts in name order, so an
 * environment a part planned without it (the parts before it did not count in time) is refused as the
 * plan in one job refuses it.
 */
import { checkRunName } from '../../../src/github/names.ts';
import { completeCheckRun, findCheckRun, type GitHubClient } from '../../../src/github/index.ts';
import { planPartJobId, type JobOutcome, type PlanJob, type PlanPartJob } from '../../../src/jobs.ts';
import { decodePart, splitParts, type FanoutAnalysis, type PlanFanout, type PlanFanoutStore, type PlanPartResult } from '../../../src/jobs/plan-parts.ts';
import type { DiscoveryNote } from '../../../src/model/discovery.ts';
import type { EnvironmentPlan, PlanResult } from '../../../src/model/plan.ts';
import { overPlanLimit, takeInOrder } from '../../../src/plan/object-budget.ts';
import { objectLimitFor, type ObjectLimits } from '../../../src/render/object-limits.ts';
import { settleTimeBudget, type PlanTimeBudget } from '../../../src/plan/time-budget.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { ChildJob, ChildrenStatus } from '../../contract.ts';

/** The plan as analysed (affected environments not rendered) and its affected environments in parts. */
export function fanoutAnalysis(plan: PlanResult, fanout: PlanFanout, startedAt?: number): FanoutAnalysis {
  return { plan, parts: splitParts(plan.environments.filter((env) => env.affected).map((env) => env.name), fanout.batch), ...(startedAt !== undefined ? { startedAt } : {}) };
}

/** One child job per part; their ids follow the plan job's, so queuing them again queues nothing new. */
export function partJobs(job: PlanJob, parentId: string, parts: string[][], planStartedAt?: number): Array<ChildJob<'planPart'>> {
  const { envs: _envs, commentId: _commentId, ...plan } = job;
  return parts.map((envs, part) => ({
    kind: 'planPart',
    id: planPartJobId(parentId, part),
    data: { ...plan, parentId, part, parts: parts.length, envs, ...(planStartedAt !== undefined ? { planStartedAt } : {}) } satisfies PlanPartJob,
  }));
}

export interface GatherOptions {
  /** The object counts the parts kept (a part that failed may have kept them before it did: the parts after it counted them). */
  counts?: Pick<PlanFanoutStore, 'loadCounts'>;
  limits?: ObjectLimits;
  /**
   * The plan analysed again with the notes the parts' renders added (planChange with `deferRender` and
   * `renderedNotes`): its coverage and discovery replace the first analysis's, which was made before any
   * render. Asked only when the parts' renders added notes (an environment whose remote chart was not
   * fetched): a note changes the coverage — a changed file a not-previewed environment reads counts as GitOps
   * data, and the note explains uncovered files it reads — so the plan job takes coverage and notes from an
   * analysis that has them, as the plan in one job does (without it, they are appended to the first one's).
   */
  analyseWith?: (renderedNotes: DiscoveryNote[]) => Promise<Pick<PlanResult, 'coverage' | 'discovery'>>;
  /**
   * The plan's time budget (BOSUN_PLAN_TIMEOUT), shared by the parts: the environments a part left when it
   * was spent are counted over the whole plan ("spent after N of M environments"), as in one job.
   */
  timeBudget?: Pick<PlanTimeBudget, 'ms' | 'setting'>;
}

/** The analysed plan with each part's reports in place of its environments: what the plan in one job reports. */
export async function gatherParts(analysis: FanoutAnalysis, status: ChildrenStatus, parentId: string, opts: GatherOptions = {}): Promise<PlanResult> {
  const gathered = await gatherReports(analysis, status, parentId, opts);
  return opts.timeBudget ? settleTimeBudget(gathered, opts.timeBudget) : gathered;
}

async function gatherReports(analysis: FanoutAnalysis, status: ChildrenStatus, parentId: string, opts: GatherOptions): Promise<PlanResult> {
  const reports = new Map<string, EnvironmentPlan>();
  const failed = new Map<string, string>();
  const results: Array<PlanPartResult | undefined> = [];
  for (const [part, envs] of analysis.parts.entries()) {
    const id = planPartJobId(parentId, part);
    const outcome = status.values.get(id) as JobOutcome | undefined;
    const result = outcome?.status === 'done' ? await decodePart(outcome.value) : undefined;
    results.push(result);
    for (const env of result?.environments ?? []) if (envs.includes(env.name)) reports.set(env.name, env);
    const why = status.failed.get(id)
      ?? (outcome?.status === 'superseded' ? 'it was stopped: a newer commit was pushed to this pull request'
        : outcome === undefined ? 'it did not finish' : 'it returned no report for this environment');
    for (const env of envs) if (!reports.has(env)) failed.set(env, `bosun could not render this environment: the worker job rendering it (part ${part + 1} of ${analysis.parts.length}) failed for the last time: ${scrub(why)}`);
  }
  const refused = await refuseOverLimit({ analysis, parentId, results, reports }, opts);
  const notes = results.flatMap((result) => result?.notes ?? [])
    // A refused environment is not judged further: no note from its renders, as in one job.
    .filter((note) => !(note.kind === 'Environment' && note.status === 'not-previewed' && note.name !== undefined && refused.has(note.name)));
  const environments = analysis.plan.environments.map((env): EnvironmentPlan => {
    const report = reports.get(env.name);
    if (report) return report;
    const why = failed.get(env.name);
    return why ? { ...env, render: { error: { kind: 'internal', message: why } } } : env;
  });
  if (opts.analyseWith && notes.length > 0) {
    const again = await opts.analyseWith(notes);
    return { ...analysis.plan, environments, ...(again.coverage ? { coverage: again.coverage } : {}), ...(again.discovery ? { discovery: again.discovery } : {}) };
  }
  const discovery: DiscoveryNote[] = [...(analysis.plan.discovery ?? []), ...notes];
  return { ...analysis.plan, environments, ...(analysis.plan.discovery || notes.length ? { discovery } : {}) };
}

/**
 * The plan limit over every part's counts in name order, as one job applies it: each environment it
 * refuses gets the refusal in place of a report a part made without the limit. Returns the refused names.
 */
async function refuseOverLimit(args: { analysis: FanoutAnalysis; parentId: string; results: ReadonlyArray<PlanPartResult | undefined>; reports: Map<string, EnvironmentPlan> }, opts: Pick<GatherOptions, 'counts' | 'limits'>): Promise<Set<string>> {
  const { analysis, results, reports } = args;
  // A part that failed: the counts it kept, if any (the parts after it took their shares after them).
  const kept = opts.counts && results.some((result) => !result) ? await opts.counts.loadCounts(args.parentId, analysis.parts.length) : [];
  const names = analysis.parts.flat();
  const counts = analysis.parts.flatMap((envs, part) => envs.map((env, i) => (results[part] ? results[part].objects?.[env] : kept[part]?.[i] ?? undefined)));
  const { limit, name } = objectLimitFor(opts.limits, 'perPlan');
  const taken = takeInOrder(counts, limit);
  const refused = new Set<string>();
  const analysed = new Map(analysis.plan.environments.map((env) => [env.name, env]));
  for (const [i, env] of names.entries()) {
    const report = reports.get(env);
    const count = counts[i];
    // An environment whose part failed keeps saying so.
    if (!taken.refused[i] || !report || count === undefined) continue;
    refused.add(env);
    // The words planChange uses: the plan in one job counts base and head.
    const error = overPlanLimit({ env, count, before: taken.before[i], limit, name, what: 'base and head' });
    if ('error' in report.render && report.render.error.message === error.message) continue;
    reports.set(env, { ...(analysed.get(env) ?? report), render: { error } });
  }
  return refused;
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
