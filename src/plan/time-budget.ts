/**
 * The plan's wall-time budget (issue #10, bounded work): each render is bounded on its own (the sandbox's
 * limits, a tool's timeout), but a plan of 2,000 environments that each render just under those bounds
 * would hold a worker — or a CI job running `bosun plan` — for hours. Past the budget, renders in flight
 * are stopped (their process groups killed through the render's abort signal, src/render/process.ts) and
 * every affected environment not rendered yet is reported as not previewed, with why — never dropped,
 * never "no changes". A plan fanned out into parts (src/jobs/plan-parts.ts) has one budget: each part
 * counts from the plan job's start, carried in its job data.
 */
import type { EnvironmentPlan, PlanResult, PlanTimeBudgetSpent } from '../model/plan.ts';
import { durationPattern } from '../config/duration.ts';
import { formatCount } from '../render/object-limits.ts';

export interface PlanTimeBudget {
  /** Wall time the whole plan may take, in milliseconds. */
  ms: number;
  /** When the plan started (epoch ms); default: when planChange starts. A part of a plan fanned out gets its plan job's start. */
  startedAt?: number;
  /** How a user changes it, named in the report: `--plan-timeout` (CLI) or `BOSUN_PLAN_TIMEOUT` (the App). */
  setting: string;
}

/**
 * 30 minutes: the largest plans measured here take seconds to a few minutes (2,002 Flux environments
 * with one touched file: 8.5 s warm; 200 environments rendered in one job: 26 s, bench/plan-fanout.bench.ts),
 * so an honest plan is far inside it, while a pull request making 2,000 environments render just under the
 * per-tool limit (120 s) — about 17 hours at 4 renders at once — holds a worker slot for 30 minutes at most.
 */
export const defaultPlanTimeoutMs = 30 * 60_000;

const maxTimerMs = 2 ** 31 - 1;

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration as Go writes it ("30m", "1h30m", "90s", "500ms") in milliseconds, `0` for no budget, or
 * undefined when the text is neither.
 */
export function parsePlanTimeout(text: string): number | undefined {
  const clean = text.trim();
  if (clean === '0') return 0;
  if (!durationPattern.test(clean)) return undefined;
  let total = 0;
  for (const match of clean.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(match[1]) * unitMs[match[2]];
  const ms = Math.ceil(total);
  return ms >= 1 ? ms : undefined;
}

/** "30m", "1h30m", "1.5s", "250ms": the budget as a user would write it. */
export function formatBudget(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 1000 !== 0 || ms < 60_000) return `${Math.round(ms / 100) / 10}s`.replace(/\.0s$/, 's');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/**
 * One plan's deadline. `signal` aborts when the budget is spent (and when `outer` aborts: a job stopped
 * for a newer head), so every render given it is stopped; `spent` says whether the budget is why.
 */
export class PlanDeadline {
  readonly budget: PlanTimeBudget | undefined;
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onOuterAbort: (() => void) | undefined;
  private readonly outer: AbortSignal | undefined;
  private spentAt = false;

  /** Without a budget (or with 0 ms) it is never spent; it still follows `outer`. */
  constructor(budget: PlanTimeBudget | undefined, opts: { outer?: AbortSignal; now?: () => number } = {}) {
    this.budget = budget && budget.ms > 0 ? budget : undefined;
    this.outer = opts.outer;
    if (this.budget) {
      const now = (opts.now ?? Date.now)();
      const left = (this.budget.startedAt ?? now) + this.budget.ms - now;
      if (left <= 0) this.spend();
      // setTimeout takes at most 2^31-1 ms (24.8 days); a budget longer than that is none.
      else if (left <= maxTimerMs) {
        this.timer = setTimeout(() => this.spend(), left);
        this.timer.unref?.();
      }
    }
    if (this.outer) {
      this.onOuterAbort = () => this.controller.abort(this.outer!.reason);
      if (this.outer.aborted) this.onOuterAbort();
      else this.outer.addEventListener('abort', this.onOuterAbort, { once: true });
    }
  }

  /** Aborted once the budget is spent or the plan is stopped from outside. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the budget is spent (renders not started by now are not previewed). */
  get spent(): boolean {
    return this.spentAt;
  }

  /** Spends the budget now: what the deadline's timer does when the time is up. */
  spend(): void {
    if (this.spentAt) return;
    this.spentAt = true;
    this.controller.abort(new Error(`plan time budget of ${formatBudget(this.budget?.ms ?? 0)} spent`));
  }

  /** Stops the timer and lets go of the outer signal (the plan is done). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.onOuterAbort) this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

/** "plan time budget of 30m (--plan-timeout) spent after 12 of 40 environments". */
export function budgetSpentText(spent: Pick<PlanTimeBudgetSpent, 'budget' | 'setting' | 'rendered' | 'affected'>): string {
  return `plan time budget of ${spent.budget} (${spent.setting}) spent after ${formatCount(spent.rendered)} of ${formatCount(spent.affected)} environment${spent.affected === 1 ? '' : 's'}`;
}

/**
 * The plan's environments with every one the budget left unrendered saying so in its reason, and the
 * plan's `timeBudget` summary; the plan unchanged when the budget left none. Counted over the whole plan,
 * so a plan gathered from parts says the same as the plan in one job: N of M are its affected
 * environments that rendered (or failed) and all its affected environments.
 */
export function settleTimeBudget(plan: PlanResult, budget: Pick<PlanTimeBudget, 'ms' | 'setting'>): PlanResult {
  const left = plan.environments.filter((env) => env.timeBudgetSpent);
  if (left.length === 0) return plan;
  const affected = plan.environments.filter((env) => env.affected).length;
  const spent: PlanTimeBudgetSpent = {
    budget: formatBudget(budget.ms),
    setting: budget.setting,
    rendered: affected - left.length,
    affected,
    notPreviewed: left.map((env) => env.name),
  };
  const reason = `not previewed: ${budgetSpentText(spent)}`;
  return {
    ...plan,
    environments: plan.environments.map((env): EnvironmentPlan => (env.timeBudgetSpent ? { ...env, reason } : env)),
    timeBudget: spent,
  };
}

/**
 * An affected environment the budget left unrendered: affected, not rendered, marked. Its reason is
 * settled once the whole plan is known (settleTimeBudget).
 */
export function leftByBudget(plan: EnvironmentPlan): EnvironmentPlan {
  return { ...plan, render: { skipped: true }, validation: { errors: [], warnings: [] }, changes: [], reason: 'not previewed: plan time budget spent', timeBudgetSpent: true };
}
