import type { Problem } from '../model/errors.ts';
import { formatCount, objectLimitFor, type ObjectLimits } from '../render/object-limits.ts';

/**
 * The objects environments planned in other jobs take of the same plan limit: a part of a plan fanned out
 * (src/jobs/plan-parts.ts) counts on from the environments of the parts before it, so a split plan refuses
 * exactly the environments the plan in one job refuses, and renders no more than the limit past them.
 */
export interface PlanBudgetCarry {
  /** Told each environment's object count as soon as it rendered (before its turn to take its share). */
  counted(slot: number, env: string, count: number): void;
  /**
   * Objects the environments before this budget's first slot took of the plan limit. Undefined when that
   * cannot be known (the parts before did not count in time): every environment here then takes its share
   * and is fully planned, and whoever gathers the parts applies the limit (`takeInOrder`).
   */
  before(): Promise<number | undefined>;
}

/**
 * The per-plan object limit, shared by the environments of one plan. Environments render concurrently,
 * but take their share in a fixed order (their slot: the plan's name order), so the same input always
 * refuses the same environments whichever render happens to finish first. An environment that does not
 * fit is refused; a later, smaller one may still fit.
 */
export class PlanObjectBudget {
  private readonly limit: number;
  private readonly name: string;
  private readonly finished: Array<() => void> = [];
  /** ready[i]: every slot up to and including i has taken its share or given it up. */
  private readonly ready: Array<Promise<void>> = [];
  private readonly carry: PlanBudgetCarry | undefined;
  /** The total before the first slot (the carry's); undefined: no limit applies here. */
  private start: Promise<number | undefined> | undefined;
  private total = 0;

  constructor(slots: number, limits?: ObjectLimits, carry?: PlanBudgetCarry) {
    ({ limit: this.limit, name: this.name } = objectLimitFor(limits, 'perPlan'));
    this.carry = carry;
    let previous: Promise<void> = Promise.resolve();
    for (let i = 0; i < slots; i++) {
      const own = new Promise<void>((resolve) => this.finished.push(resolve));
      previous = previous.then(() => own);
      this.ready.push(previous);
    }
  }

  /**
   * Waits until every earlier slot is settled, then counts `count` objects against the limit. Returns
   * the problem that refuses this environment, or undefined when it fits.
   */
  async take(slot: number, env: string, count: number, what?: string): Promise<Problem | undefined> {
    this.carry?.counted(slot, env, count);
    try {
      if (slot > 0) await this.ready[slot - 1];
      this.start ??= this.carry ? this.carry.before().then((before) => (before === undefined ? undefined : (this.total = before))) : Promise.resolve(0);
      if ((await this.start) === undefined) return undefined;
      if (this.total + count <= this.limit) {
        this.total += count;
        return undefined;
      }
      return overPlanLimit({ env, count, before: this.total, limit: this.limit, name: this.name, ...(what ? { what } : {}) });
    } finally {
      this.finished[slot]();
    }
  }

  /** A slot that will not take a share (its environment was not rendered, or failed): later slots stop waiting for it. */
  release(slot: number): void {
    this.finished[slot]?.();
  }
}

/** The problem of an environment refused by the plan limit, worded the same wherever the limit is applied. */
export function overPlanLimit(args: { env: string; count: number; before: number; limit: number; name: string; what?: string }): Problem {
  const before = args.before === 0 ? '' : ` on top of the ${formatCount(args.before)} of the environments before it`;
  return {
    kind: 'render',
    message: `${args.env} renders ${formatCount(args.count)} objects${args.what ? ` (${args.what})` : ''}${before}, which would take this plan over the limit of ${formatCount(args.limit)} `
      + `objects per plan (${args.name}); plan fewer environments at once, or raise the limit`,
  };
}

/**
 * The plan limit applied to object counts in the plan's order, from `start` objects already taken: for
 * each count, the total taken before it and whether it is refused (an undefined count, an environment not
 * rendered, takes nothing), and the total after the last. The rule `PlanObjectBudget` applies one slot at a time.
 */
export function takeInOrder(counts: ReadonlyArray<number | undefined>, limit: number, start = 0): { before: number[]; refused: boolean[]; total: number } {
  let total = start;
  const before: number[] = [];
  const refused: boolean[] = [];
  for (const count of counts) {
    before.push(total);
    const fits = count === undefined || total + count <= limit;
    refused.push(!fits);
    if (count !== undefined && fits) total += count;
  }
  return { before, refused, total };
}
