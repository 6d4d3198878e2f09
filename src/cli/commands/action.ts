import { ProbotOctokit } from 'probot';
import { withRetries, type GitHubClient } from '../../github/index.ts';
import { noEnvironmentsError } from '../../discover/nothing-found.ts';
import { exitCodeFor } from '../../model/errors.ts';
import type { PlanResult } from '../../model/plan.ts';
import { planChange } from '../../plan/plan.ts';
import { stderrProgress } from '../../plan/progress.ts';
import { changedUncovered } from '../../report/coverage-section.ts';
import { ensureCommits } from '../action/commits.ts';
import { PullRequestReporter, writeJobSummary, writeOutputs } from '../action/report.ts';
import { actionInputEnv, readWorkflowContext, type WorkflowContext } from '../action/workflow-context.ts';
import { parse } from '../args.ts';
import { exitCodeHelp } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { planFailed } from './plan.ts';
import { BosunError } from '../../model/errors.ts';
import { defaultPlanTimeoutMs, parsePlanTimeout } from '../../plan/time-budget.ts';

export const actionHelp = `Usage: bosun action

The entry of bosun's GitHub Action (action.yml): inside a workflow run for a pull request, plans the
change from the pull request's base to its head — \`bosun plan\` — and reports it as the bosun App does:
one \`bosun / <environment>\` check run per affected environment, the neutral \`bosun\` run for files
bosun cannot judge, and one sticky comment, posted with the workflow's token; and always the report in
the job summary. When the token may not write (a fork's pull request), it says so and the job summary
keeps the report. The render sandbox stays on: a fork's pull request is untrusted.

Reads the environment the runner sets — GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_RUN_ID —
and the action's inputs: ${Object.entries(actionInputEnv).map(([input, name]) => `${input} (${name})`).join(', ')}.
BOSUN_PLAN_TIMEOUT (a duration such as 30m, the default; 0: none) bounds the whole plan as --plan-timeout
does for \`bosun plan\`: the environments it leaves are not previewed (timed_out check runs, exit 3).
Outputs (GITHUB_OUTPUT): exit-code, comment-url.

${exitCodeHelp}`;

function tokenClient(ctx: WorkflowContext): GitHubClient | undefined {
  if (!ctx.token) return undefined;
  const octokit = new ProbotOctokit({
    auth: { token: ctx.token },
    baseUrl: ctx.apiUrl,
    // bosun's own retry (src/github/retry.ts) waits out rate limits; Probot's would double it.
    throttle: { enabled: false },
    retry: { enabled: false },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return withRetries(octokit as unknown as GitHubClient);
}

/** Workflow commands go to stdout, where the runner reads them. */
function warn(io: CliIO, message: string): void {
  io.stdout.write(`::warning title=bosun::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`);
}

export async function actionCommand(argv: string[], io: CliIO): Promise<number> {
  parse(argv, {}, 'action');
  const ctx = readWorkflowContext(io.env, io.cwd);
  // The plan's time budget, as the App's (unset: 30m).
  const budgetText = io.env.BOSUN_PLAN_TIMEOUT?.trim();
  const budgetMs = budgetText ? parsePlanTimeout(budgetText) : defaultPlanTimeoutMs;
  if (budgetMs === undefined) throw new BosunError({ kind: 'usage', message: `BOSUN_PLAN_TIMEOUT must be a duration such as 90s, 30m or 1h30m, or 0 for no budget (got "${budgetText}")` });
  const progress = stderrProgress({ stream: io.stderr });
  await ensureCommits(ctx.repoDir, [ctx.pr.baseSha, ctx.pr.headSha], progress);
  const reporter = new PullRequestReporter(tokenClient(ctx), ctx);
  const repoUrl = `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}`;
  let plan: PlanResult;
  try {
    plan = await planChange({
      repoDir: ctx.repoDir,
      base: ctx.pr.baseSha,
      head: ctx.pr.headSha,
      ...(ctx.envs ? { envs: ctx.envs } : {}),
      repoUrls: [repoUrl, `${repoUrl}.git`],
      baseBranch: ctx.pr.baseRef,
      ...(ctx.pr.defaultBranch ? { defaultBranch: ctx.pr.defaultBranch } : {}),
      progress,
      ...(budgetMs > 0 ? { timeBudget: { ms: budgetMs, setting: 'BOSUN_PLAN_TIMEOUT' } } : {}),
      onAffected: async (envs) => {
        for (const env of envs) await reporter.open(env);
      },
    });
  } finally {
    progress.done();
  }
  let posted;
  try {
    posted = await reporter.report(plan);
  } finally {
    // The job summary is written whatever happened on the pull request: it is the report of last resort.
    if (ctx.summaryFile) writeJobSummary(ctx.summaryFile, plan, (env) => reporter.link(env), reporter.posted.warnings);
  }
  for (const w of posted.warnings) warn(io, w);

  let code = 0;
  if (plan.environments.length === 0) {
    const nothing = noEnvironmentsError({ where: 'the repository at either commit' });
    io.stderr.write(`bosun: ${nothing.message}\n`);
    code = exitCodeFor(nothing.kind);
  } else if (planFailed(plan)) {
    code = 1;
  } else if (changedUncovered(plan).length > 0 || plan.timeBudget) {
    code = 3;
  }
  const reported = plan.environments.filter((e) => e.affected).map((e) => e.name);
  io.stdout.write(`bosun: planned #${ctx.pr.number} (${ctx.pr.baseSha.slice(0, 7)} → ${ctx.pr.headSha.slice(0, 7)}): ${reported.length > 0 ? reported.join(', ') : 'no environment affected'}; ${posted.checkRuns.length} check run(s)${posted.comment ? `, comment ${posted.comment.action}: ${posted.comment.url}` : ''}${ctx.summaryFile ? ', report in the job summary' : ''}; exit ${code}\n`);
  if (ctx.outputFile) writeOutputs(ctx.outputFile, { 'exit-code': String(code), 'comment-url': posted.comment?.url ?? '' });
  return code;
}
