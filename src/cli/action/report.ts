/**
 * What `bosun action` leaves on the pull request — the same as the bosun App: one `bosun / <env>` check
 * run per environment the change affects (with its full report and annotations), the neutral `bosun`
 * run for files bosun cannot judge, and one sticky comment (the index, then each environment's diffs),
 * posted with the workflow's token — and, whatever the token may do, the report in the job summary.
 * The same adapters (src/github) and renderers (src/report) as the App, so both read alike.
 */
import { appendFileSync } from 'node:fs';
import { checkRunExternalId, checkRunName } from '../../github/names.ts';
import { commentMarker, completeCheckRun, createCheckRun, ensureStickyComment, GitHubError, maxCommentChars, type CheckRunRef, type GitHubClient } from '../../github/index.ts';
import type { PlanResult } from '../../model/plan.ts';
import { renderComment } from '../../report/comment.ts';
import { checkReport } from '../../../queue/workflows/plan/check-report.ts';
import { reportCoverageCheck } from '../../../queue/workflows/plan/coverage-check.ts';
import type { WorkflowContext } from './workflow-context.ts';

/** The action's own sticky comment: never the App's (`plan`), so both can run on one repository. */
export const actionCommentMarker = 'action-plan';
/** GitHub keeps 1 MiB of summary per step; room is left for multi-byte characters. */
const maxSummaryChars = 900_000;

export interface Posted {
  checkRuns: Array<{ env: string; url: string; conclusion: string }>;
  comment?: { action: string; url: string };
  /** What could not be posted, and why (a fork's read-only token, a missing permission). */
  warnings: string[];
}

/** Check runs and the comment; a refusal by GitHub becomes a warning, the report stays in the summary. */
export class PullRequestReporter {
  private readonly runs = new Map<string, CheckRunRef>();
  private checksRefused = false;
  readonly posted: Posted = { checkRuns: [], warnings: [] };

  private readonly gh: GitHubClient | undefined;
  private readonly ctx: WorkflowContext;

  constructor(gh: GitHubClient | undefined, ctx: WorkflowContext) {
    this.gh = gh;
    this.ctx = ctx;
    if (!gh && (ctx.checkRuns || ctx.comment)) this.posted.warnings.push('no token (the github-token input is empty): the report is only in the job summary');
  }

  private get checksOn(): boolean {
    return this.gh !== undefined && this.ctx.checkRuns && !this.checksRefused;
  }

  private refused(what: string, err: unknown): void {
    if (!(err instanceof GitHubError)) throw err;
    const hint = err.status === 403 || err.status === 401 || err.status === 404
      ? ' — the workflow\'s token may not write here (a fork\'s pull request gets a read-only token; the job needs `permissions: { checks: write, pull-requests: write }`)'
      : '';
    this.posted.warnings.push(`could not post ${what}: ${err.message}${hint}; the report is in the job summary`);
  }

  /** An in-progress run as soon as an environment is known to be affected, as the App does. */
  async open(env: string): Promise<void> {
    if (!this.checksOn || this.runs.has(env)) return;
    const { owner, repo, pr } = this.ctx;
    try {
      this.runs.set(env, await createCheckRun(this.gh!, { owner, repo, name: checkRunName(env), headSha: pr.headSha, status: 'in_progress', externalId: checkRunExternalId(pr.number), ...(this.ctx.runUrl ? { detailsUrl: this.ctx.runUrl } : {}), title: 'Planning…', summary: `Rendering, validating and diffing ${env}.` }));
    } catch (err) {
      this.checksRefused = true;
      this.refused('check runs', err);
    }
  }

  async report(plan: PlanResult): Promise<Posted> {
    const { owner, repo, pr } = this.ctx;
    const reported = plan.environments.filter((env) => env.affected || this.ctx.envs?.includes(env.name));
    for (const env of reported) {
      await this.open(env.name);
      const run = this.runs.get(env.name);
      if (!run || !this.checksOn) continue;
      const result = checkReport(plan, env);
      try {
        await completeCheckRun(this.gh!, { owner, repo, checkRunId: run.id, ...result });
        this.posted.checkRuns.push({ env: env.name, url: run.url, conclusion: result.conclusion });
      } catch (err) {
        this.checksRefused = true;
        this.refused(`the check run of ${env.name}`, err);
      }
    }
    if (this.checksOn) {
      await reportCoverageCheck(this.gh!, { owner, repo, headSha: pr.headSha, externalId: checkRunExternalId(pr.number), plan }).catch((err: unknown) => this.refused('the `bosun` check run', err));
    }
    if (this.gh && this.ctx.comment) {
      const body = renderComment(plan, { links: (env) => this.runs.get(env.name)?.url || undefined, maxChars: maxCommentChars - commentMarker(actionCommentMarker).length - 1 });
      try {
        const comment = await ensureStickyComment(this.gh, { owner, repo, issue: pr.number, marker: actionCommentMarker, body, ...(this.ctx.commentAuthor ? { author: this.ctx.commentAuthor } : {}), log: { warn: (_fields, msg) => this.posted.warnings.push(msg) } });
        this.posted.comment = { action: comment.action, url: comment.url };
      } catch (err) {
        this.refused('the pull request comment', err);
      }
    }
    return this.posted;
  }

  /** Links for the job summary: the runs that were opened. */
  link(env: string): string | undefined {
    return this.runs.get(env)?.url || undefined;
  }
}

/** The report in the job summary (GITHUB_STEP_SUMMARY), appended as GitHub expects. */
export function writeJobSummary(file: string, plan: PlanResult, links: (env: string) => string | undefined, warnings: string[]): void {
  const body = renderComment(plan, { links: (env) => links(env.name), maxChars: maxSummaryChars });
  const notes = warnings.map((w) => `> [!WARNING]\n> ${w.replace(/\n/g, ' ')}\n`).join('\n');
  appendFileSync(file, `${notes ? `${notes}\n` : ''}${body}\n`);
}

/** `name=value` lines for GITHUB_OUTPUT (values here are single-line). */
export function writeOutputs(file: string, outputs: Record<string, string>): void {
  appendFileSync(file, Object.entries(outputs).map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}\n`).join(''));
}
