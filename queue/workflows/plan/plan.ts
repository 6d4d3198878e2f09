/**
 * The plan job: fetch the PR's commits into the mirror, plan base → head, and report on the PR — one
 * check run per affected environment ("in progress" as soon as the environments are known, then its
 * full report) and the sticky comment: the index linking to them, then each environment's diffs. A
 * plan that a newer head made stale posts nothing as current.
 */
import { createHash } from 'node:crypto';
import { checkRunExternalId, checkRunName, planCommentMarker, prFromExternalId } from '../../../src/github/names.ts';
import { commentMarker, completeCheckRun, createCheckRun, ensureStickyComment, listCheckRuns, maxCommentChars, type CheckRunInfo, type CheckRunRef, type GitHubClient } from '../../../src/github/index.ts';
import type { PlanJob } from '../../../src/jobs.ts';
import { appliedBlockRoom, renderAppliedBlock, withAppliedBlock } from '../../../src/github/applied-lines.ts';
import { BosunError, formatProblem } from '../../../src/model/errors.ts';
import type { DiscoveryNote } from '../../../src/model/discovery.ts';
import type { PlanResult } from '../../../src/model/plan.ts';
import { planChange } from '../../../src/plan/plan.ts';
import { shouldFanOut, type FanoutAnalysis } from '../../../src/jobs/plan-parts.ts';
import { RenderCache } from '../../../src/render/index.ts';
import { renderComment } from '../../../src/report/comment.ts';
import type { IndexLock } from '../../../src/report/index.ts';
import { mapLimit } from '../../../src/util/limit.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { JobContext, Processor } from '../../contract.ts';
import { checkReport } from './check-report.ts';
import { cancelOpenRuns, fanoutAnalysis, gatherParts, partJobs } from './plan-fanout.ts';
import { planSetup } from './plan-options.ts';
import { planTimings } from './plan-timings.ts';
import type { PlanProcessorDeps } from './plan-deps.ts';
import { reportCoverageCheck } from './coverage-check.ts';
import { environmentLocks, renewPullRequestLocks } from '../../../src/locks/pr-locks.ts';
import { failPlanCheck, planFailure } from './plan-failure.ts';
import { cancelOpenPlanCheck, cancelPlanCheck, PlanCheckRun } from './plan-check-run.ts';

/**
 * Check-run requests a plan has in flight at once: a few, not one per environment — GitHub's secondary
 * rate limits are about concurrent content-creating requests.
 */
const postConcurrency = 4;

export interface PlanOutcome {
  head: string;
  environments: Array<{ name: string; conclusion: string; checkRunId: number }>;
  comment: 'created' | 'updated' | 'unchanged' | 'not posted';
}

export function planProcessor(deps: PlanProcessorDeps): Processor<PlanJob, PlanOutcome> {
  const cache = deps.cache ?? new RenderCache();
  const planJob = async (job: PlanJob, ctx: JobContext, check: PlanCheckRun): Promise<PlanOutcome> => {
    const timings = planTimings();
    // The plan's time budget counts from here; a plan run again after its parts finished keeps its first start (its analysis).
    let startedAt = Date.now();
    const timeBudget = deps.planTimeoutMs ? { ms: deps.planTimeoutMs, setting: 'BOSUN_PLAN_TIMEOUT' } : undefined;
    timings.mark('fetch');
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const bot = await deps.auth.botLogin();
    const owner = job.repo.owner;
    const repo = job.repo.name;
    const runs = new Map<string, CheckRunRef>();
    // This job's own runs (the same job run again finds them; an earlier plan's are never taken for them).
    const runExternalId = checkRunExternalId(job.pr, jobTag(ctx.job));
    // The head's newest run per name, listed once as the job starts: its `bosun` run and the environments'
    // runs an earlier attempt left are found in it (every lookup is waited for before the render starts).
    const headRuns = listCheckRuns(gh, owner, repo, job.headSha, undefined, { appId: deps.auth.appId, filter: 'latest' });
    headRuns.catch(() => undefined); // awaited where it is used
    const fetching = `fetching ${job.repo.fullName} at ${job.headSha.slice(0, 7)}`;
    // The PR shows the plan from its first second: `bosun` in progress, saying what the plan is doing (plan-check-run.ts).
    check.open({ gh, owner, repo, headSha: job.headSha, externalId: runExternalId, listed: headRuns }, fetching);

    /** The environments' runs on the head, found or created in progress; `runs` holds them after. */
    const openRuns = async (envs: readonly string[]): Promise<void> => {
      const wanted = [...new Set(envs)].filter((env) => !runs.has(env));
      if (wanted.length === 0) return;
      // One listing of the head's newest run per name instead of a lookup per environment: before the
      // render starts, every request here is waited for.
      const newest = new Map<string, CheckRunInfo>();
      const names = new Set(wanted.map((env) => checkRunName(env)));
      // After the `bosun` run: the PR shows that the plan runs before it shows its environments.
      await check.run();
      for (const run of await headRuns) {
        if (names.has(run.name) && run.id > (newest.get(run.name)?.id ?? -1)) newest.set(run.name, run);
      }
      await mapLimit(wanted, postConcurrency, async (env) => {
        ctx.signal.throwIfAborted();
        const name = checkRunName(env);
        // A retried attempt finds the run its predecessor left in progress instead of adding another, and
        // also one its predecessor completed: started after this job was queued, it is this job's (a job
        // run again after the check runs were done, because posting the comment failed, must not add a
        // second run per environment). A completed run from before is an earlier plan's: a new plan gets a new run.
        const existing = newest.get(name);
        const ours = existing !== undefined && existing.externalId === runExternalId;
        const run = existing && (existing.status !== 'completed' || ours)
          ? existing
          : await createCheckRun(gh, { owner, repo, name, headSha: job.headSha, status: 'in_progress', externalId: runExternalId, title: 'Planning…', summary: `Rendering, validating and diffing ${env}.` });
        runs.set(env, run);
      });
    };

    // Any activity on the PR keeps the environments it applied to locked (see pr-locks.ts).
    if (deps.locks) await renewPullRequestLocks(deps.locks, job.repo, job.pr);
    await ctx.progress(fetching);
    const fanout = deps.fanout;
    /** Planned here, up to the affected environments: `defer` leaves them to parts (plan-fanout.ts). */
    const analyse = async (defer: (affected: string[]) => boolean): Promise<PlanResult> => {
      const setup = await planSetup(deps, cache, job, token, ctx, startedAt);
      timings.mark('analyse');
      try {
        const progress = setup.options.progress!;
        return await planChange({
          ...setup.options,
          // Each line also on the `bosun` run (at most every 10 s).
          progress: Object.assign((message: string) => {
            progress(message);
            check.say(message);
          }, { done: () => progress.done() }),
          // Set in progress while the environments render (planChange waits for it before going on).
          onAffected: (envs) => {
            const opened = timings.during('openChecks', openRuns(envs));
            timings.mark('render');
            return opened;
          },
          deferRender: defer,
        });
      } finally {
        await setup.close();
      }
    };
    /**
     * A plan in parts whose renders added notes, analysed again with them (plan-fanout.ts gatherParts): its
     * coverage and notes are then those of the plan in one job. Nothing is rendered here.
     */
    const analyseWith = async (renderedNotes: DiscoveryNote[]): Promise<PlanResult> => {
      const setup = await planSetup(deps, cache, job, token, ctx);
      try {
        return await planChange({ ...setup.options, deferRender: () => true, renderedNotes });
      } finally {
        await setup.close();
      }
    };
    let plan: PlanResult | undefined;
    // Affected environments to render in parts on other workers; this job waits for them without a worker slot.
    let park: { analysis: FanoutAnalysis; queue: boolean } | undefined;
    try {
      // Inside the try: a fetch that fails on the last attempt is reported on the PR like any other failure.
      const parts = fanout ? await ctx.children.status() : undefined;
      if (fanout && parts && parts.total > 0) {
        // Run again once its parts finished (or a retry of a run that had queued them).
        const stored = await fanout.store.load(ctx.job.id);
        if (stored?.startedAt !== undefined) startedAt = stored.startedAt;
        const analysis = stored ?? fanoutAnalysis(await analyse(() => true), fanout, startedAt);
        await openRuns(analysis.parts.flat());
        if (parts.pending > 0) park = { analysis, queue: false };
        else plan = await gatherParts(analysis, parts, ctx.job.id, { counts: fanout.store, analyseWith, ...(timeBudget ? { timeBudget } : {}) });
      } else {
        let deferred = false;
        const partWorkers = fanout && fanout.envs > 0 ? await ctx.children.workers('planPart') : 0;
        const result = await analyse((affected) => (deferred = shouldFanOut(fanout, affected.length, partWorkers)));
        if (deferred && fanout) park = { analysis: fanoutAnalysis(result, fanout, startedAt), queue: true };
        else plan = result;
      }
    } catch (err) {
      await check.stop();
      if (ctx.signal.aborted) {
        await supersedeRuns(gh, owner, repo, runs);
        await cancelPlanCheck(gh, { owner, repo }, await check.run());
        throw err;
      }
      // Retried: the run stays in progress for the next attempt (which finds it by its external id).
      const failure = planFailure(err, ctx);
      if (!failure) throw err;
      // The PR's own configuration or manifests are broken (or bosun's side failed for the last time):
      // tell the PR with a failed check, never leave it without one; the same input is not retried.
      if (await stale(ctx)) {
        await cancelPlanCheck(gh, { owner, repo }, await check.run());
        return { head: job.headSha, environments: [], comment: 'not posted' };
      }
      await failRuns(gh, owner, repo, runs, failure);
      await failPlanCheck(gh, { owner, repo, headSha: job.headSha, externalId: checkRunExternalId(job.pr), appId: deps.auth.appId, err: failure, run: await check.run() });
      const body = `## bosun plan · \`${job.headSha.slice(0, 7)}\`\n\n❌ bosun could not plan this pull request:\n\n\`\`\`\n${scrub(formatProblem(failure.toProblem()))}\n\`\`\``;
      const comment = await ensureStickyComment(gh, { owner, repo, issue: job.pr, marker: planCommentMarker, body, author: bot, log: ctx.log });
      await fanout?.store.drop(ctx.job.id);
      return { head: job.headSha, environments: [], comment: comment.action };
    }

    if (park && fanout) {
      const { analysis } = park;
      const total = analysis.parts.flat().length;
      await fanout.store.save(ctx.job.id, analysis);
      const parked = `rendering ${total} environment(s) in ${analysis.parts.length} part(s) on other workers`;
      await ctx.progress(parked);
      // Said on the `bosun` run at once: nothing else is said while this job waits for its parts.
      await check.sayNow(parked);
      // Parks this job (rejects with the runtime's signal) until every part finished; then it runs again from the top.
      await ctx.children.waitFor(park.queue ? partJobs(job, ctx.job.id, analysis.parts, analysis.startedAt ?? startedAt) : []);
      plan = await gatherParts(analysis, await ctx.children.status(), ctx.job.id, { counts: fanout.store, analyseWith, ...(timeBudget ? { timeBudget } : {}) });
    }
    if (!plan) throw new Error('plan job: no plan and nothing to wait for');

    await check.stop();
    if (await stale(ctx)) {
      await supersedeRuns(gh, owner, repo, runs);
      await cancelPlanCheck(gh, { owner, repo }, await check.run());
      return { head: job.headSha, environments: [], comment: 'not posted' };
    }

    const reported = plan.environments.filter((env) => env.affected || job.envs?.includes(env.name));
    timings.mark('checks');
    await openRuns(reported.map((env) => env.name));
    // A few at a time: one after the other, 40 environments' reports took 40 round trips before the comment.
    const environments: PlanOutcome['environments'] = await mapLimit(reported, postConcurrency, async (env) => {
      const run = runs.get(env.name)!;
      const report = checkReport(plan, env);
      await completeCheckRun(gh, { owner, repo, checkRunId: run.id, ...report });
      // What reviewers saw: an apply on merge compares the merge commit's render with this head's.
      if (!('error' in env.render)) await deps.prRecords?.recordPlanned(job.repo.fullName, job.pr, env.name, { sha: job.headSha, at: Date.now(), checkRunUrl: run.url });
      return { name: env.name, conclusion: report.conclusion, checkRunId: run.id };
    });

    // Changed files no environment reads: a neutral `bosun` run, never a silent green (also with no environment affected).
    timings.mark('coverage');
    // Completes the `bosun` run this job opened: neutral, timed_out or (nothing to say) success.
    await reportCoverageCheck(gh, { owner, repo, headSha: job.headSha, externalId: checkRunExternalId(job.pr), appId: deps.auth.appId, plan, run: await check.run() });

    // Checked again right before the comment: the abort signal may fire a moment late.
    if (await stale(ctx)) return { head: job.headSha, environments, comment: 'not posted' };
    timings.mark('report');
    // Read last, so the comment shows the locks as they stand when it is posted.
    const locked = deps.locks ? await environmentLocks(deps.locks, job.repo).catch(() => new Map<string, IndexLock>()) : new Map<string, IndexLock>();
    // The "applied to <env>" lines of earlier merge applies stay below the report.
    const applied = deps.prRecords ? renderAppliedBlock(await deps.prRecords.applied(job.repo.fullName, job.pr)) : '';
    // The comment is the report (index, then each environment's diffs, riskiest first) within GitHub's
    // limit less the marker line and the room of the "After merge" block; the rest is counted and linked.
    const report = renderComment(plan, {
      links: (env) => runs.get(env.name)?.url || undefined,
      locks: (env) => locked.get(env.name),
      maxChars: maxCommentChars - commentMarker(planCommentMarker).length - 1 - appliedBlockRoom(applied, reported.map((env) => env.name)),
    });
    const body = applied ? withAppliedBlock(report, applied) : report;
    timings.mark('comment');
    const comment = await ensureStickyComment(gh, { owner, repo, issue: job.pr, marker: planCommentMarker, body, author: bot, log: ctx.log });
    ctx.log.info({ phasesMs: timings.phases() }, 'plan timings');
    await deps.lockViewers?.record({ installationId: job.installationId, repo: job.repo, baseRef: job.baseRef, pr: job.pr, envs: reported.map((env) => env.name) });
    await fanout?.store.drop(ctx.job.id);
    await ctx.progress(`reported ${environments.length} environment(s); comment ${comment.action}`);
    return { head: job.headSha, environments, comment: comment.action };
  };
  const processor = async (job: PlanJob, ctx: JobContext): Promise<PlanOutcome> => {
    const check = new PlanCheckRun(ctx.log);
    try {
      return await planJob(job, ctx, check);
    } finally {
      // No progress update after the run's end, nor from a job that parked or threw.
      await check.stop();
    }
  };
  return Object.assign(processor, {
    // BullMQ gave up on the plan without running it again (its workers vanished too often): the head gets
    // a failed `bosun` check saying so, and the environment runs its attempts left in progress are closed —
    // a head is never left with no plan and nothing saying why.
    abandoned: async (job: PlanJob, message: string) => {
      const { client: gh } = await deps.auth.installation(job.installationId);
      const err = new BosunError({ kind: 'internal', message: `bosun gave up planning ${job.headSha.slice(0, 7)}: ${message}. \`/bosun plan\` tries again.` });
      await failOpenRuns(gh, { owner: job.repo.owner, repo: job.repo.name, headSha: job.headSha, pr: job.pr, appId: deps.auth.appId }, err);
      await failPlanCheck(gh, { owner: job.repo.owner, repo: job.repo.name, headSha: job.headSha, externalId: checkRunExternalId(job.pr), appId: deps.auth.appId, err });
    },
    // A plan found stale before it ran, or run again after its parts finished and stale by then: the PR's
    // newest request is placed again (a no-op unless it was lost while this plan parked), and the check
    // runs a parked plan opened are closed as superseded.
    superseded: async (job: PlanJob, _by: unknown, ctx: JobContext) => {
      await deps.placeNewestPlan?.(job.repo.fullName, job.pr).catch((err: unknown) => ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not place the PR\'s newest plan request again'));
      const analysis = await deps.fanout?.store.load(ctx.job.id);
      if (!analysis) return;
      const { client: gh } = await deps.auth.installation(job.installationId);
      const target = { owner: job.repo.owner, repo: job.repo.name, headSha: job.headSha, externalId: checkRunExternalId(job.pr, jobTag(ctx.job)), appId: deps.auth.appId };
      await cancelOpenRuns(gh, target, analysis.parts.flat());
      await cancelOpenPlanCheck(gh, target);
      await deps.fanout?.store.drop(ctx.job.id);
    },
  });
}

/** A short tag of one job (its id and when it was queued), for the external id of the check runs it creates. */
function jobTag(job: JobContext['job']): string {
  return createHash('sha256').update(`${job.id}\0${job.enqueuedAt ?? ''}`).digest('hex').slice(0, 12);
}

async function stale(ctx: JobContext): Promise<boolean> {
  return ctx.signal.aborted || (await ctx.supersededBy()) !== undefined;
}

async function failRuns(gh: GitHubClient, owner: string, repo: string, runs: Map<string, CheckRunRef>, err: BosunError): Promise<void> {
  for (const run of runs.values()) {
    await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: 'failure', title: 'bosun could not plan', summary: `\`\`\`\n${scrub(formatProblem(err.toProblem()))}\n\`\`\`` });
  }
}

/** This PR's environment runs on the head that are still in progress (any plan job's), failed with `err`. */
async function failOpenRuns(gh: GitHubClient, args: { owner: string; repo: string; headSha: string; pr: number; appId?: number }, err: BosunError): Promise<void> {
  const runs = await listCheckRuns(gh, args.owner, args.repo, args.headSha, undefined, { filter: 'all', ...(args.appId !== undefined ? { appId: args.appId } : {}) });
  const open = runs.filter((run) => run.status !== 'completed' && run.name.startsWith(checkRunName('')) && prFromExternalId(run.externalId) === args.pr);
  await failRuns(gh, args.owner, args.repo, new Map(open.map((run) => [run.name, run])), err);
}

/** Runs opened for a head that is no longer the PR's: closed so they do not spin forever. */
async function supersedeRuns(gh: GitHubClient, owner: string, repo: string, runs: Map<string, CheckRunRef>): Promise<void> {
  for (const run of runs.values()) {
    await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: 'cancelled', title: 'Superseded', summary: 'A newer commit was pushed to this pull request; see its checks.' })
      .catch(() => undefined);
  }
}
