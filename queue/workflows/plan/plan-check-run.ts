/**
 * The pull request's `bosun` check run from the first second of a plan job. Before, a PR showed nothing
 * until the analysis ended (the environments' runs are opened once the affected ones are known: on a
 * large repository after a minute or more). Now the job opens `bosun` in progress as it starts ("Planning…",
 * what it is doing: fetching, discovering, analysing, rendering), updates it from the plan's progress at
 * most every `everyMs` (10 s: GitHub's secondary rate limits count content-creating requests, and a
 * check run's output is one), and the end is decided as before (coverage-check.ts: neutral when changed
 * files cannot be judged, timed_out when the time budget was spent; plan-failure.ts: failure) — or, where
 * before there was no `bosun` run at all, success: the plan ran and judged every changed file (each
 * environment's verdict is its own `bosun / <env>` run). GitHub's check-run semantics: a run is
 * `in_progress` while the work runs, `completed` with a conclusion once; a completed run is never set back
 * in progress (GitHub keeps its conclusion), so an earlier plan's completed run is left as it is and a new
 * plan opens a new one — as the environments' runs do (plan.ts `openRuns`).
 */
import { checkRunName } from '../../../src/github/names.ts';
import { completeCheckRun, createCheckRun, findCheckRun, updateCheckRun, type CheckRunInfo, type CheckRunRef, type GitHubClient } from '../../../src/github/index.ts';
import { codeSpan } from '../../../src/report/format.ts';
import { scrub } from '../../../src/util/scrub.ts';
import type { Logger } from '../../contract.ts';
import { planFailureCheckName } from './plan-failure.ts';

/** How often the run's output is updated at most. */
export const planCheckEveryMs = 10_000;

/** The run's title while the plan runs. */
export const planningTitle = 'Planning…';

export interface PlanCheckTarget {
  gh: GitHubClient;
  owner: string;
  repo: string;
  headSha: string;
  /** The job's own external id (names.ts checkRunExternalId with the job's tag): a retried attempt finds its run by it. */
  externalId: string;
  /** The head's newest run per name (this App's), listed once at the job's start. */
  listed: Promise<CheckRunInfo[]>;
}

/**
 * One plan job's `bosun` run: `open` at the start, `say` each progress line, `stop` before anything
 * completes it (no update may land after the conclusion), `run` for whoever completes it.
 */
export class PlanCheckRun {
  private target?: PlanCheckTarget;
  private opened?: Promise<{ ref: CheckRunRef; inProgress: boolean } | undefined>;
  private latest?: string;
  private sentAt = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private inFlight?: Promise<void>;
  private stopped = false;
  private readonly startedAt: number;
  private readonly log: Logger;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(log: Logger, opts: { everyMs?: number; now?: () => number } = {}) {
    this.log = log;
    this.everyMs = opts.everyMs ?? planCheckEveryMs;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  /**
   * Finds this job's run on the head (left by an earlier attempt: in progress, or completed with this
   * job's external id) or creates one in progress saying `first`. Not awaited by the caller's first steps:
   * `run` (and the environments' runs, which wait for it) is where it is waited for.
   */
  open(target: PlanCheckTarget, first: string): void {
    this.target = target;
    this.sentAt = this.now();
    this.opened = (async () => {
      const existing = (await target.listed).filter((r) => r.name === planFailureCheckName).reduce<CheckRunInfo | undefined>((a, b) => (a && a.id > b.id ? a : b), undefined);
      if (existing && (existing.status !== 'completed' || existing.externalId === target.externalId)) {
        return { ref: existing, inProgress: existing.status !== 'completed' };
      }
      const ref = await createCheckRun(target.gh, { owner: target.owner, repo: target.repo, name: planFailureCheckName, headSha: target.headSha, status: 'in_progress', externalId: target.externalId, title: planningTitle, summary: this.summary(first) });
      return { ref, inProgress: true };
    })();
    this.opened.catch(() => undefined); // awaited where it is used (`run`, `flush`)
  }

  /** The run, once opened; undefined when the job never opened it or it could not be opened (never rejects). */
  async run(): Promise<CheckRunRef | undefined> {
    return (await this.opened?.catch(() => undefined))?.ref;
  }

  /**
   * A progress line of the plan: the run's summary says it within `everyMs`. Never throws. Sent from here
   * when the interval has passed — the plan's long stretches (discovery, the affected analysis) give timers
   * no turn, while a request started here goes out on the connection as they run — else by a timer, so the
   * last line of a burst is said too.
   */
  say(message: string): void {
    if (this.stopped || !this.opened) return;
    this.latest = message;
    // An update in flight says the newest line after it (`flush`).
    if (this.inFlight) return;
    const wait = this.sentAt + this.everyMs - this.now();
    if (wait <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref?.();
  }

  /** Says `message` on the run at once (waiting for an update in flight), then no more: the job waits (its parts render elsewhere). */
  async sayNow(message: string): Promise<void> {
    if (this.stopped || !this.opened) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.latest = message;
    this.flush();
    await this.stop();
  }

  /** No more updates; waits for one in flight. Call before the run is completed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private flush(): void {
    this.timer = undefined;
    const message = this.latest;
    const target = this.target;
    if (this.stopped || message === undefined || !target) return;
    this.latest = undefined;
    this.sentAt = this.now();
    this.inFlight = (async () => {
      const opened = await this.opened;
      // A run completed by an earlier attempt of this job keeps its conclusion until this one completes it.
      // (`stop` waits for this update: it is never sent after the run's end.)
      if (!opened?.inProgress) return;
      await updateCheckRun(target.gh, { owner: target.owner, repo: target.repo, checkRunId: opened.ref.id, title: planningTitle, summary: this.summary(message) });
    })().catch((err: unknown) => {
      // Progress only: the end is what matters, and the run is completed whatever happens here.
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not update the bosun check run\'s progress');
    }).finally(() => {
      this.inFlight = undefined;
      if (this.latest !== undefined) this.say(this.latest);
    });
  }

  private summary(message: string): string {
    const head = this.target ? ` at \`${this.target.headSha.slice(0, 7)}\`` : '';
    return [
      `bosun is planning this pull request${head}. Each affected environment gets a \`${checkRunName('<environment>')}\` check run with its diff and findings; this run ends once the plan is done, saying whether every changed file could be judged.`,
      '',
      `Now: ${codeSpan(scrub(message))} (${Math.round((this.now() - this.startedAt) / 1000)} s after the start)`,
    ].join('\n');
  }
}

/** The head's `bosun` run still in progress with this job's external id (a parked plan found stale), cancelled. */
export async function cancelOpenPlanCheck(gh: GitHubClient, args: { owner: string; repo: string; headSha: string; externalId: string; appId?: number }): Promise<void> {
  const run = await findCheckRun(gh, args.owner, args.repo, args.headSha, planFailureCheckName, args.appId !== undefined ? { appId: args.appId } : {});
  if (run && run.status !== 'completed' && run.externalId === args.externalId) await cancelPlanCheck(gh, args, run);
}

/** Closes a run this plan opened for a head that is no longer the PR's (or a plan stopped): it must not spin forever. */
export async function cancelPlanCheck(gh: GitHubClient, args: { owner: string; repo: string }, run: CheckRunRef | undefined): Promise<void> {
  if (!run) return;
  await completeCheckRun(gh, { owner: args.owner, repo: args.repo, checkRunId: run.id, conclusion: 'cancelled', title: 'Superseded', summary: 'A newer commit was pushed to this pull request, or the plan was stopped; see the newest checks.' })
    .catch(() => undefined);
}
