/**
 * Where one plan job's time went, phase by phase, for the line the plan logs when it is done: an operator
 * asking why a comment took 9 s sees the fetch, the analysis, the render and the posting apart.
 */

/** The phases in the order a plan runs them; one that did not run is left out. */
export type PlanPhase =
  /** Installation token, PR locks, the mirror fetch and the commit range. */
  | 'fetch'
  /** Checkouts, discovery and the input index, up to the affected environments. */
  | 'analyse'
  /** The affected environments' check runs set in progress (while they render: its own time, overlapping `render`). */
  | 'openChecks'
  /** Render, validate and diff the affected environments, coverage, storing the input index. */
  | 'render'
  /** Each environment's check run completed with its report. */
  | 'checks'
  /** The neutral `bosun` run for changed files no environment reads. */
  | 'coverage'
  /** The comment's locks and "After merge" lines read, the report rendered. */
  | 'report'
  /** The sticky comment posted. */
  | 'comment';

export interface PlanTimings {
  /** Ends the running phase (its time adds to what it had) and starts `next`. */
  mark(next: PlanPhase): void;
  /**
   * Work that runs alongside the phases: `phase` gets its own time, from now until `work` settles, and
   * the running phase goes on. Listed where it started; the phases around it still add up to the job.
   */
  during<T>(phase: PlanPhase, work: Promise<T>): Promise<T>;
  /** Milliseconds per phase, in order of first start, the running one included. */
  phases(): Partial<Record<PlanPhase, number>>;
}

export function planTimings(now: () => number = () => performance.now()): PlanTimings {
  const spent = new Map<PlanPhase, number>();
  let running: PlanPhase | undefined;
  let since = now();
  const close = (at: number): void => {
    if (running) spent.set(running, (spent.get(running) ?? 0) + at - since);
    since = at;
  };
  return {
    mark(next) {
      close(now());
      running = next;
      if (!spent.has(next)) spent.set(next, 0);
    },
    during(phase, work) {
      const started = now();
      if (!spent.has(phase)) spent.set(phase, 0);
      const settle = (): void => void spent.set(phase, (spent.get(phase) ?? 0) + now() - started);
      return work.finally(settle);
    },
    phases() {
      close(now());
      return Object.fromEntries([...spent].map(([phase, ms]) => [phase, Math.round(ms)]));
    },
  };
}
