import { BosunError } from '../model/errors.ts';
import { defaultObjectLimits, formatCount, type ObjectLimits } from '../render/object-limits.ts';
import { defaultPlanTimeoutMs, formatBudget, parsePlanTimeout, type PlanTimeBudget } from '../plan/time-budget.ts';

/** `--max-objects` and `--max-plan-objects`, shared by plan, validate and render. */
export const limitOptions = {
  'max-objects': { type: 'string' },
  'max-plan-objects': { type: 'string' },
} as const;

export const limitHelp = `  --max-objects N   objects one environment may render before it fails (default: ${formatCount(defaultObjectLimits.perEnvironment)})
  --max-plan-objects N
                    objects all environments together may render, base and head counted, before the
                    ones that do not fit fail (default: ${formatCount(defaultObjectLimits.perPlan)})`;

/** The limits the flags ask for; errors name the flag, so the limit messages do too. */
export function objectLimitsFrom(values: { 'max-objects'?: string; 'max-plan-objects'?: string }): ObjectLimits {
  return {
    ...(values['max-objects'] !== undefined ? { perEnvironment: count(values['max-objects'], 'max-objects') } : {}),
    ...(values['max-plan-objects'] !== undefined ? { perPlan: count(values['max-plan-objects'], 'max-plan-objects') } : {}),
    names: { perEnvironment: '--max-objects', perPlan: '--max-plan-objects' },
  };
}

function count(text: string, flag: string): number {
  const clean = text.replace(/[_,]/g, '');
  if (!/^[1-9]\d{0,9}$/.test(clean)) {
    throw new BosunError({ kind: 'usage', message: `--${flag} must be a whole number of objects, at least 1 (got "${text}")` });
  }
  return Number(clean);
}

/** `--plan-timeout`: the whole plan's wall-time budget (plan only; src/plan/time-budget.ts). */
export const planTimeoutOptions = {
  'plan-timeout': { type: 'string' },
} as const;

export const planTimeoutHelp = `  --plan-timeout DURATION
                    wall time the whole plan may take, as 90s, 30m or 1h30m; once spent, renders in
                    flight are stopped and the environments not rendered are reported as not previewed
                    (exit 3) (default: ${formatBudget(defaultPlanTimeoutMs)}; 0: no budget)`;

/** The plan's time budget the flag asks for (the default when absent; undefined for 0); errors name the flag. */
export function planTimeoutFrom(values: { 'plan-timeout'?: string }): PlanTimeBudget | undefined {
  const text = values['plan-timeout'];
  const ms = text === undefined ? defaultPlanTimeoutMs : parsePlanTimeout(text);
  if (ms === undefined) {
    throw new BosunError({ kind: 'usage', message: `--plan-timeout must be a duration such as 90s, 30m or 1h30m, or 0 for no budget (got "${text}")` });
  }
  return ms === 0 ? undefined : { ms, setting: '--plan-timeout' };
}
