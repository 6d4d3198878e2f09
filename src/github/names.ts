// Names bosun gives what it creates on GitHub and in Redis, shared by the webhook app, the workers and
// the CLI's GitHub Action: check-run names and external ids, the plan comment's marker, and the environment
// locks' key prefix.

/** The check run name of an environment; the check_run handler reads the environment back from it. */
export const checkRunPrefix = 'bosun / ';

export function checkRunName(env: string): string {
  return `${checkRunPrefix}${env}`;
}

/**
 * The check run of an environment's apply, on the commit applied (a merge, `/bosun apply`, a rollback, a
 * sync, a removed environment's prune) — or on a PR head while a `/bosun apply` waits for its turn.
 */
export function applyCheckRunName(env: string): string {
  return `${checkRunPrefix}apply (${env})`;
}

/**
 * The one check run of a merge whose configuration is broken: no environment was found, nothing applied.
 * (An environment named `apply` has a plan check run of the same name.)
 */
export const brokenMergeCheckRunName = `${checkRunPrefix}apply`;

/** Whether a check run is an environment's apply (`bosun / apply (<env>)`) rather than the plan of an environment. */
export function isApplyCheckRun(name: string): boolean {
  return /^apply \(.+\)$/.test(name.startsWith(checkRunPrefix) ? name.slice(checkRunPrefix.length) : '');
}

/** The hidden marker of the PR's plan comment (the plan writes it, the apply job adds its "applied" lines to it). */
export const planCommentMarker = 'plan';

/**
 * A check run's external id carries its PR number: a re-run of a check on a fork PR arrives with an
 * empty `pull_requests` list, and this is how the handler still knows which PR to plan. A plan job's
 * environment runs also carry `run`, a tag of the job, so a job run again (a retry, a delay asked by
 * GitHub) finds the runs it created itself — and never mistakes an earlier plan's for its own.
 */
export function checkRunExternalId(pr: number, run?: string): string {
  return run ? `bosun-pr-${pr}-run-${run}` : `bosun-pr-${pr}`;
}

export function prFromExternalId(id: string | null | undefined): number | undefined {
  const match = /^bosun-pr-(\d+)(?:-run-[0-9a-f]+)?$/.exec(id ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Redis key prefix of the environment locks, shared by the app (release on close) and the workers. */
export function lockPrefixFor(prefix: string): string {
  return `${prefix}:locks:`;
}
