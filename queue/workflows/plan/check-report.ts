/**
 * What one environment's check run says: conclusion, title, summary/text and annotations. Pure: the
 * plan processor only posts it.
 */
import { checkRunName } from '../../../src/github/names.ts';
import type { CheckAnnotation, CheckConclusion } from '../../../src/github/index.ts';
import type { EnvironmentPlan, PlanResult } from '../../../src/model/plan.ts';
import type { ValidationFinding } from '../../../src/model/validation.ts';
import { renderMarkdown } from '../../../src/report/index.ts';
import { scrub } from '../../../src/util/scrub.ts';

/** GitHub's limit for a check run's summary and text, each. */
const maxOutputChars = 65_535;

export interface CheckReport {
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text?: string;
  annotations: Array<CheckAnnotation | ValidationFinding>;
}

/**
 * timed_out: the plan's time budget was spent before it rendered (not previewed);
 * failure: the head does not render, does not validate, or the apply preview predicts a failed apply or
 * could not be taken (the registered cluster did not answer);
 * neutral: nothing changes; success otherwise. A base that does not render is the base branch's
 * problem, not this PR's: it is shown but does not fail the check.
 */
export function conclusionOf(env: EnvironmentPlan): CheckConclusion {
  // Not previewed because the plan ran out of time: GitHub's timed_out, which branch protection counts as failing.
  if (env.timeBudgetSpent) return 'timed_out';
  if ('error' in env.render && env.render.error.side !== 'base') return 'failure';
  if (env.validation.errors.length > 0) return 'failure';
  if (env.preview && ('error' in env.preview || !env.preview.ok)) return 'failure';
  if (!env.affected || env.changes.length === 0) return 'neutral';
  return 'success';
}

export function titleOf(env: EnvironmentPlan): string {
  if ('error' in env.render && env.render.error.side !== 'base') return 'Render failed';
  if (env.timeBudgetSpent) return 'Not previewed: the plan\'s time budget was spent';
  // Affected but not rendered: not previewed (a remote chart not fetched…), never "no changes".
  if ('skipped' in env.render && env.affected) return 'Not previewed';
  if ('skipped' in env.render) return 'No changes: no input of this environment changed';
  const counts = { create: 0, update: 0, delete: 0 };
  for (const change of env.changes) {
    if (change.action in counts) counts[change.action as keyof typeof counts]++;
  }
  const parts = [`+${counts.create} ~${counts.update} −${counts.delete}`];
  if (env.changes.length === 0) parts[0] = 'No changes';
  if (env.validation.errors.length > 0) parts.push(`${env.validation.errors.length} validation error(s)`);
  if (env.validation.warnings.length > 0) parts.push(`${env.validation.warnings.length} warning(s)`);
  if (env.preview && 'error' in env.preview) parts.push('no apply preview: the cluster could not be checked');
  else if (env.preview && !env.preview.ok) parts.push('apply preview predicts failure');
  return parts.join(' · ');
}

export function checkReport(plan: PlanResult, env: EnvironmentPlan): CheckReport {
  const parts = renderMarkdown(
    { base: plan.base, head: plan.head, environments: [env] },
    { title: checkRunName(env.name), maxPartChars: maxOutputChars, maxParts: 2, truncationHint: 'Run `bosun plan` locally for the full output.' },
  );
  const annotations: Array<CheckAnnotation | ValidationFinding> = [...env.validation.errors, ...env.validation.warnings];
  if ('error' in env.render && env.render.error.side !== 'base' && env.render.error.file) {
    const line = env.render.error.line ?? 1;
    annotations.unshift({
      path: env.render.error.file,
      start_line: line,
      end_line: line,
      annotation_level: 'failure',
      title: 'render failed',
      message: scrub(env.render.error.message),
    });
  }
  return {
    conclusion: conclusionOf(env),
    title: titleOf(env),
    summary: parts[0] ?? '',
    ...(parts[1] ? { text: parts[1] } : {}),
    annotations,
  };
}
