/**
 * The `bosun` check run of a pull request that changes GitOps files no environment reads: neutral,
 * never green (timed_out when the plan's time budget was spent, planCheckOutput) — bosun cannot say what those files change, so "no changes" (or only the changes of the
 * environments it knows) must not read as the whole truth. Same name as the failed run of a plan that
 * could not run at all (plan-failure.ts), so a branch protection rule can require one check.
 */
import { completeCheckRun, createCheckRun, findCheckRun, type CheckAnnotation, type CheckRunRef, type GitHubClient } from '../../../src/github/index.ts';
import type { PlanResult } from '../../../src/model/plan.ts';
import { changedUncovered, coverageSectionLines } from '../../../src/report/coverage-section.ts';
import { codeSpan, escapeHtml, plural } from '../../../src/report/format.ts';
import { splitMarkdown } from '../../../src/report/index.ts';
import { scrub } from '../../../src/util/scrub.ts';
import { conclusionOf } from './check-report.ts';
import { planFailureCheckName } from './plan-failure.ts';
import { budgetSpentText } from '../../../src/plan/time-budget.ts';

/** GitHub's limit for a check run's summary and text, each. */
const maxOutputChars = 65_535;
/** Annotations on the changed files: one request's worth. */
const maxAnnotations = 50;

/** The title of the neutral run: "bosun cannot judge 2 changed files". */
export function cannotJudgeTitle(count: number): string {
  return `bosun cannot judge ${plural(count, 'changed file')}`;
}

/** Summary (the changed files and why) and text (every uncovered file and discovery note). Pure. */
export function coverageCheckOutput(plan: PlanResult): { title: string; summary: string; text: string; annotations: CheckAnnotation[] } | undefined {
  const changed = changedUncovered(plan);
  if (changed.length === 0) return undefined;
  const lines = [
    `bosun does not preview what ${changed.length === 1 ? 'this changed file deploys' : 'these changed files deploy'} (no environment it found reads ${changed.length === 1 ? 'it' : 'them'}, or ${changed.length === 1 ? 'it feeds' : 'they feed'} something it cannot render), so no \`bosun / <environment>\` check shows everything ${changed.length === 1 ? 'it changes' : 'they change'}. Review ${changed.length === 1 ? 'it' : 'them'} by hand, or make bosun see what deploys ${changed.length === 1 ? 'it' : 'them'} (a \`.bosun.yaml\` environment, or the repository URL for Flux/Argo CD sources).`,
    '',
    ...changed.map((u) => `- ${codeSpan(u.file)}${u.deleted ? ' (deleted)' : ''}: ${escapeHtml(scrub(u.reason ?? 'no environment reads it'))}`),
  ];
  const [summary = ''] = splitMarkdown(lines.join('\n'), maxOutputChars, { maxParts: 1, truncationHint: 'Run `bosun plan --format json` for the full list (`coverage.uncovered`).' });
  const [text = ''] = splitMarkdown(coverageSectionLines(plan).join('\n').trim(), maxOutputChars, { maxParts: 1, truncationHint: 'Run `bosun plan --format json` for the full list.' });
  const annotations = changed.filter((u) => !u.deleted).slice(0, maxAnnotations).map((u): CheckAnnotation => ({
    path: u.file,
    start_line: 1,
    end_line: 1,
    annotation_level: 'warning',
    title: 'bosun cannot judge this file',
    message: scrub(u.reason ?? 'No environment bosun found reads this file.'),
  }));
  return { title: cannotJudgeTitle(changed.length), summary, text, annotations };
}

/**
 * Posts the neutral `bosun` run when the plan's change touches uncovered files (reusing a run of that
 * name on the head); does nothing otherwise. With `run` (the App's plan job opened it in progress at its
 * start, plan-check-run.ts), completes that one — with success when there is nothing to say: the plan
 * ran and judged every changed file.
 */
export async function reportCoverageCheck(gh: GitHubClient, args: { owner: string; repo: string; headSha: string; externalId: string; appId?: number; plan: PlanResult; run?: CheckRunRef }): Promise<CheckRunRef | undefined> {
  const output = withFailingEnvironments(planCheckOutput(args.plan), args.plan) ?? (args.run ? plannedCheckOutput(args.plan) : undefined);
  if (!output) return undefined;
  const existing = args.run ?? await findCheckRun(gh, args.owner, args.repo, args.headSha, planFailureCheckName, args.appId !== undefined ? { appId: args.appId } : {});
  const run = existing ?? await createCheckRun(gh, { owner: args.owner, repo: args.repo, name: planFailureCheckName, headSha: args.headSha, status: 'in_progress', externalId: args.externalId });
  await completeCheckRun(gh, { owner: args.owner, repo: args.repo, checkRunId: run.id, ...output });
  return run;
}

/** The affected environments whose own run fails (check-report.ts conclusionOf). Pure. */
function failingEnvironments(plan: PlanResult): string[] {
  return plan.environments.filter((e) => e.affected && conclusionOf(e) === 'failure').map((e) => e.name);
}

function failingTitle(failing: readonly string[], affected: number): string {
  return `${failing.length} of ${plural(affected, 'affected environment')} failing`;
}

/**
 * The `bosun` run of a plan that judged every changed file (no time budget spent): success, saying how
 * many environments the change affects — each one's verdict is its own `bosun / <env>` run — or failure
 * when one of those runs fails, so that `bosun` alone, as a required check, is never green beside a red
 * environment. Pure.
 */
export function plannedCheckOutput(plan: PlanResult): { conclusion: 'success' | 'failure'; title: string; summary: string; annotations: CheckAnnotation[] } {
  const affected = plan.environments.filter((e) => e.affected).length;
  const failing = failingEnvironments(plan);
  if (failing.length > 0) {
    return {
      conclusion: 'failure',
      title: failingTitle(failing, affected),
      summary: `bosun planned this pull request: ${plural(affected, 'environment')} affected, and the \`bosun / <environment>\` check run of ${failing.length === 1 ? 'this one fails' : `these ${failing.length} fail`} (it does not render, does not validate, or its apply preview fails):\n\n${failing.slice(0, 100).map((name) => `- ${codeSpan(name)}`).join('\n')}${failing.length > 100 ? `\n- … and ${failing.length - 100} more` : ''}`,
      annotations: [],
    };
  }
  return {
    conclusion: 'success',
    title: affected === 0 ? 'No environment affected' : `Planned: ${plural(affected, 'environment')} affected`,
    summary: affected === 0
      ? 'bosun planned this pull request: no environment is affected, and every changed file could be judged.'
      : `bosun planned this pull request: ${plural(affected, 'environment')} affected, each with its own \`bosun / <environment>\` check run (its diff, findings and verdict) — this run says only that the plan ran and every changed file could be judged.`,
    annotations: [],
  };
}

/**
 * A neutral run (files bosun cannot judge) becomes failure when an affected environment's own run fails:
 * what bosun could judge is wrong, whatever the rest. Pure.
 */
function withFailingEnvironments<T extends { conclusion: string; title: string; summary: string }>(output: T | undefined, plan: PlanResult): T | (Omit<T, 'conclusion'> & { conclusion: 'failure' }) | undefined {
  if (!output || output.conclusion !== 'neutral') return output;
  const failing = failingEnvironments(plan);
  if (failing.length === 0) return output;
  const affected = plan.environments.filter((e) => e.affected).length;
  return { ...output, conclusion: 'failure', title: `${failingTitle(failing, affected)}; ${output.title}`, summary: `${failing.map((name) => codeSpan(name)).slice(0, 20).join(', ')}${failing.length > 20 ? ` and ${failing.length - 20} more` : ''}: ${failing.length === 1 ? 'its' : 'their'} own check run fails.\n\n${output.summary}` };
}

/**
 * The `bosun` run of a plan that did not judge everything: timed_out when its time budget was spent
 * (GitHub's conclusion for work stopped by a time limit; branch protection counts it as failing, as a
 * partial plan must not pass), with the environments it left; else neutral when changed files cannot be
 * judged. Undefined when neither. Pure.
 */
export function planCheckOutput(plan: PlanResult): { conclusion: 'timed_out' | 'neutral'; title: string; summary: string; text?: string; annotations: CheckAnnotation[] } | undefined {
  const coverage = coverageCheckOutput(plan);
  const spent = plan.timeBudget;
  if (!spent) return coverage ? { conclusion: 'neutral', ...coverage } : undefined;
  const left = spent.notPreviewed;
  const lines = [
    `bosun stopped planning when its time budget was spent (\`${spent.setting}\`): ${left.length === 1 ? 'this affected environment was' : `these ${left.length} affected environments were`} not rendered, so no check shows what the change does to ${left.length === 1 ? 'it' : 'them'}. Run \`/bosun plan\` again (renders already done are cached), plan fewer environments at once (\`/bosun plan <environment>\`), or ask the operator to raise the budget.`,
    '',
    ...left.map((env) => `- ${codeSpan(env)}`),
    ...(coverage ? ['', `**${escapeHtml(coverage.title)}**`, '', coverage.summary] : []),
  ];
  const [summary = ''] = splitMarkdown(lines.join('\n'), maxOutputChars, { maxParts: 1, truncationHint: 'Run `bosun plan --format json` for the full list (`timeBudget.notPreviewed`).' });
  return {
    conclusion: 'timed_out',
    title: budgetSpentText(spent),
    summary,
    ...(coverage ? { text: coverage.text } : {}),
    annotations: coverage?.annotations ?? [],
  };
}
