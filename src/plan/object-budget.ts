import type { Problem } from '../model/errors.ts';
import { formatCount, objectLimitFor, type ObjectLimits } from '../render/object-limits.ts';

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
  private total = 0;

  constructor(slots: number, limits?: ObjectLimits) {
    ({ limit: this.limit, name: this.name } = objectLimitFor(limits, 'perPlan'));
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
    if (slot > 0) await this.ready[slot - 1];
    try {
      if (this.total + count <= this.limit) {
        this.total += count;
        return undefined;
      }
      const before = this.total === 0 ? '' : ` on top of the ${formatCount(this.total)} of the environments before it`;
      return {
        kind: 'render',
        message: `${env} renders ${formatCount(count)} objects${what ? ` (${what})` : ''}${before}, which would take this plan over the limit of ${formatCount(this.limit)} `
          + `objects per plan (${this.name}); plan fewer environments at once, or raise the limit`,
      };
    } finally {
      this.finished[slot]();
    }
  }

  /** A slot that will not take a share (its environment was not rendered, or failed): later slots stop waiting for it. */
  release(slot: number): void {
    this.finished[slot]?.();
  }
}
