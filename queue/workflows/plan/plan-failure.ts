import { completeCheckRun, createCheckRun, findCheckRun, type CheckRunRef } from '../../../src/github/check-runs.ts';
import type { GitHubClient } from '../../../src/github/client.ts';
import { BosunError, formatProblem, type ProblemKind } from '../../../src/model/errors.ts';
import { retryAfterMsOf } from '../../../src/jobs/errors.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { JobContext } from '../../contract.ts';

/** The check run a pull request gets when bosun cannot plan it at all (no environment to hang it on). */
export const planFailureCheckName = 'bosun';

/**
 * Failures of bosun's own machinery (fetching, the worker, a cluster) may pass: they are retried by the
 * job layer, and only the last attempt reports. Everything else is the pull request's content (its
 * `.bosun.yaml`, manifests, paths) and is reported at once: the same input would fail the same way.
 */
const transient: ReadonlySet<ProblemKind> = new Set(['git', 'internal', 'cluster']);

export function reportNow(err: BosunError, ctx: Pick<JobContext, 'job'>): boolean {
  return !transient.has(err.kind) || lastAttempt(ctx);
}

function lastAttempt(ctx: Pick<JobContext, 'job'>): boolean {
  return ctx.job.attemptsMade + 1 >= (ctx.job.attempts ?? 1);
}

/**
 * What a failed plan attempt reports on the pull request, or undefined when the job layer retries it
 * silently. Anything that is not a BosunError (a bug, Redis or the network failing in a way bosun did
 * not name) is retried like bosun's own failures, and on the last attempt reported as an internal
 * problem (unless it asks to be run again later, as a rate limit does): a head is never left without a check or a comment because its plan threw something unnamed.
 */
export function planFailure(err: unknown, ctx: Pick<JobContext, 'job'>): BosunError | undefined {
  // Asked to wait (a rate limit): the job layer runs it again later without using an attempt.
  if (retryAfterMsOf(err) !== undefined) return undefined;
  if (err instanceof BosunError) return reportNow(err, ctx) ? err : undefined;
  if (!lastAttempt(ctx)) return undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new BosunError({ kind: 'internal', message: `bosun failed while planning this head (${ctx.job.attemptsMade + 1} attempts): ${message}` }, { cause: err });
}

/**
 * A failed `bosun` check run on the head, with the problem as its summary and an annotation on the file
 * and line it names — so a required check cannot pass, and the Checks tab points at the line to fix.
 */
export async function failPlanCheck(gh: GitHubClient, args: { owner: string; repo: string; headSha: string; externalId: string; appId?: number; err: BosunError; run?: CheckRunRef }): Promise<CheckRunRef> {
  const problem = args.err.toProblem();
  // The run the plan job opened at its start (plan-check-run.ts), else the head's newest.
  const existing = args.run ?? await findCheckRun(gh, args.owner, args.repo, args.headSha, planFailureCheckName, args.appId !== undefined ? { appId: args.appId } : {});
  const run = existing ?? await createCheckRun(gh, { owner: args.owner, repo: args.repo, name: planFailureCheckName, headSha: args.headSha, status: 'in_progress', externalId: args.externalId });
  const own = !transient.has(problem.kind);
  await completeCheckRun(gh, {
    owner: args.owner,
    repo: args.repo,
    checkRunId: run.id,
    conclusion: 'failure',
    title: own ? 'bosun could not plan this pull request' : 'bosun could not plan this pull request (not caused by its content)',
    summary: `\`\`\`\n${scrub(formatProblem(problem))}\n\`\`\`\n\n${own ? 'Fix the file named above and push again.' : 'This is a problem on bosun\'s side; `/bosun plan` tries again.'}`,
    ...(problem.file ? { annotations: [{ path: problem.file, start_line: problem.line ?? 1, end_line: problem.line ?? 1, annotation_level: 'failure' as const, message: scrub(problem.message), ...(problem.field ? { title: problem.field } : {}) }] } : {}),
  });
  return run;
}
