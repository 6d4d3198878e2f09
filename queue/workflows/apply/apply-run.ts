/**
 * applyRun: the one way bosun applies to a cluster, for every caller — merges, `/bosun apply` before and
 * after merge, `/bosun rollback --now`, `/bosun sync`, a removed environment's prune, self-heal. Each
 * caller states only what differs: the target (why, which commit), the work (render, rules, the cluster
 * engine call) and where else the result is posted. The run holds the rules they share:
 * - the environment lease: the caller holds it (the job layer for jobs, env-lease.ts otherwise) and
 *   hands in the signal that fires when it is lost. The lease is checked before the cluster is touched
 *   and before a result is posted as current; a lost lease fails the run, it is never ignored;
 * - the life cycle (life-cycle.ts): deployment created right before the cluster is touched, exactly one
 *   terminal status, the check run concluded, one apply record;
 * - failures: a commit that cannot be applied (render, validation, configuration) ends the run as
 *   "nothing applied" without a retry; anything else is retried when the caller retries (apply jobs) and
 *   ends the run as failed on the last attempt;
 * - a run's end is kept before it is posted (life-cycle.ts): the same job run again after the cluster was
 *   changed — posting failed, GitHub answered an error after all, the worker died — does not apply again
 *   but posts that end, so the check run, the deployment and the record say what happened.
 */
import { isUnavailable, ServerAway } from '../../../src/cluster/retry.ts';
import { isPermanent } from '../../../src/jobs.ts';
import { RetryAfterError } from '../../../src/jobs/errors.ts';
import { BosunError, formatProblem } from '../../../src/model/errors.ts';
import { scrub } from '../../../src/util/scrub.ts';
import { JobAborted } from '../../contract.ts';
import { gaveUpCheck, leaseLostCheck, nothingAppliedCheck, retryingText } from './apply-text.ts';
import type { ApplyLifeCycle, Ending, RunEnd } from './life-cycle.ts';

export type { RunEnd } from './life-cycle.ts';

export interface RunSteps {
  /** Right before the cluster is touched: the lease is still held, the deployment exists and is in progress. */
  deploy(): Promise<void>;
  /** Throws EnvLeaseLost when the environment lease was lost. */
  checkLease(): void;
}

/** The environment lease was lost while the run worked. */
export class EnvLeaseLost extends BosunError {
  constructor(env: string) {
    super({ kind: 'cluster', message: `bosun lost the environment lease of ${env} while applying (its renewal found it gone, or Redis was out of reach for a whole lease); another job may be changing ${env}, so the result was not reported as applied` });
    this.name = 'EnvLeaseLost';
  }
}

export interface ApplyRunSpec {
  life: ApplyLifeCycle;
  /** Fires with a JobAborted('lease-lost') when the environment lease is lost. */
  signal: AbortSignal;
  /** The job layer retries this run (absent: one attempt, every failure is final). */
  retry?: { attemptsMade: number; attempts: number };
  work: (steps: RunSteps) => Promise<RunEnd>;
  /** Where else the result is posted (the merged PR's applied lines), once the run ended. */
  posted?: (end: RunEnd) => Promise<void>;
  /** How an unexpected failure reads (default: apply-text's "gave up" texts). */
  failure?: (message: string, attempts: number) => Omit<Ending, 'ok'>;
}

/** How long an apply waits before trying an unavailable API server again (the job layer counts the waits). */
export const unavailableRetryMs = 15_000;

export function leaseLost(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof JobAborted && signal.reason.reason === 'lease-lost';
}

export async function applyRun(spec: ApplyRunSpec): Promise<RunEnd> {
  const { life, signal } = spec;
  const target = life.target;
  const checkLease = (): void => {
    if (leaseLost(signal)) throw new EnvLeaseLost(target.env);
  };
  const end = async (result: RunEnd): Promise<RunEnd> => {
    if (result.kind === 'finish') await life.finish(result.ending);
    else if (result.kind === 'hold') await life.hold(result.check);
    else await life.close(result.check);
    await spec.posted?.(result);
    return result;
  };
  const attempt = (spec.retry?.attemptsMade ?? 0) + 1;

  try {
    checkLease();
    // An earlier run of this job got as far as its end: post what is left of it, do not apply again.
    if (life.earlierEnd) return await end(life.earlierEnd);
    const result = await spec.work({
      deploy: async () => {
        checkLease();
        await life.deploy();
      },
      checkLease,
    });
    // The API server stopped answering during the apply: what failed says nothing about the commit, so
    // the job runs again once the server answers (below) instead of concluding a failed apply.
    const away = result.kind === 'finish' && !result.ending.ok ? result.ending.report?.unreachable : undefined;
    if (spec.retry && away) throw new ServerAway(`the API server stopped answering during the apply (${away})`);
    // Posted as current only while the lease is still held: otherwise another job may have changed the environment since.
    if (result.kind === 'finish') checkLease();
    // Kept when the job layer may run this again: the next run then posts this end rather than applying again.
    if (spec.retry) await life.keep(result);
    return await end(result);
  } catch (err) {
    if (err instanceof EnvLeaseLost || leaseLost(signal)) {
      const lost = err instanceof EnvLeaseLost ? err : new EnvLeaseLost(target.env);
      if (spec.retry) {
        // The job layer runs the job again: the next attempt continues this check run and deployment.
        await life.retrying(retryingText(target, attempt, lost.message)).catch(() => undefined);
      } else if (!life.ended) {
        await end({ kind: 'finish', ending: { ok: false, ...leaseLostCheck(target) } }).catch(() => undefined);
      }
      throw lost;
    }
    if (err instanceof BosunError && isPermanent(err)) {
      // The commit itself cannot be applied: retrying changes nothing. Not thrown, so the environment's
      // "last applied" moves on and an older commit still cannot follow.
      return end({ kind: 'finish', ending: { ok: false, ...nothingAppliedCheck(target, scrub(formatProblem(err.toProblem()))) } });
    }
    const message = scrub(err instanceof Error ? err.message : String(err));
    // The API server is down or out of reach (restarting, a network cut): the job runs again later without
    // using an attempt (the job layer bounds how often), continuing this check run and deployment, so an
    // outage of a minute or two delays a merge's apply instead of failing it.
    if (spec.retry && isUnavailable(err)) {
      await life.retrying(retryingText(target, attempt, `${message} (waiting ${Math.round(unavailableRetryMs / 1000)} s for the API server)`)).catch(() => undefined);
      throw new RetryAfterError(unavailableRetryMs, message, { cause: err });
    }
    // The cluster, git or GitHub did not answer, or a bug: a retry continues this check run and deployment;
    // the last attempt closes both, so neither is left in progress.
    const last = isPermanent(err) || !spec.retry || attempt >= spec.retry.attempts;
    if (!last) {
      await life.retrying(retryingText(target, attempt, message)).catch(() => undefined);
    } else if (!life.ended) {
      const failure = spec.failure?.(message, attempt) ?? gaveUpCheck(target, attempt, message);
      await end({ kind: 'finish', ending: { ok: false, ...failure } }).catch(() => undefined);
    }
    throw err;
  }
}
