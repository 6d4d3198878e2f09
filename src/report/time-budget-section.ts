/**
 * The warning at the top of a plan whose time budget was spent (src/plan/time-budget.ts): which affected
 * environments were not previewed and why, so a partial plan never reads as the whole change.
 */
import type { PlanResult } from '../model/plan.ts';
import { budgetSpentText } from '../plan/time-budget.ts';
import { codeSpan, escapeHtml } from './format.ts';

/** Environments named in the warning before the rest is counted. */
const maxNamed = 10;

export function timeBudgetLines(plan: PlanResult): string[] {
  const spent = plan.timeBudget;
  if (!spent) return [];
  const left = spent.notPreviewed;
  const named = left.slice(0, maxNamed).map((name) => codeSpan(name)).join(', ');
  const more = left.length > maxNamed ? ` and ${left.length - maxNamed} more` : '';
  return [
    '',
    '> [!WARNING]',
    `> **${escapeHtml(budgetSpentText(spent))}**: ${left.length === 1 ? 'this environment was' : `these ${left.length} environments were`} not previewed, so this plan does not show everything the change does: ${named}${more}.`,
  ];
}
