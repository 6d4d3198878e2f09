/**
 * The Probot app: each webhook becomes a queued job, keyed by its delivery id, and the handler returns.
 * No GitHub calls, no git, no rendering here: GitHub wants an answer within 10 s, and a redelivery of
 * the same delivery id must be a no-op (the producers make it one).
 *
 * Queueing is bounded (`enqueueTimeoutMs`): a delivery whose job Redis does not take in time is answered
 * 503, so GitHub records it as failed and it can be redelivered once Redis is back (server/redelivery.ts),
 * instead of Probot's "still processing" 202 that GitHub records as delivered.
 */
import type { ApplicationFunction, Context, Probot } from 'probot';
import { parseComment } from './chatops/index.ts';
import { BosunError } from './model/errors.ts';
import type { EnqueueResult, LockViewers, PlanJob, PlanReason, Producers, RepoRef } from './jobs.ts';
import { parseLockKey, type LockManager } from './locks/index.ts';
import type { Metrics } from './metrics.ts';
import { checkRunPrefix, isApplyCheckRun, prFromExternalId } from './github/names.ts';

export { checkRunExternalId, checkRunName, checkRunPrefix, lockPrefixFor, prFromExternalId } from './github/names.ts';

export interface AppLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface BosunAppOptions {
  producers: Pick<Producers, 'enqueuePlan' | 'enqueueCommand' | 'enqueuePush'> & Partial<Pick<Producers, 'pullsForHead'>>;
  metrics?: Pick<Metrics, 'webhookReceived'>;
  /** Releases a closed PR's environment locks; without it, locks run out with their lease. */
  locks?: Pick<LockManager, 'releaseAllFor'>;
  /** A closed PR's released locks refresh the other PRs' comments that show them. */
  lockViewers?: Pick<LockViewers, 'forget' | 'refresh'>;
  log?: AppLogger;
  /** The App's id: re-runs of checks other apps created are ignored. */
  appId?: number;
  /** What a command line starts with. Default `/bosun`. */
  commandPrefix?: string;
  /** How long a delivery's Redis work (queueing, lock release) may take before it is answered 503. Default 3 s. */
  enqueueTimeoutMs?: number;
  /** Remembers the deliveries whose work was done, so recovery does not redeliver one queued after its 503. */
  deliveries?: { markHandled(deliveryId: string): Promise<void> };
  /** Told when a delivery was answered 503: recovery then looks for failed deliveries once Redis answers. */
  onQueueUnavailable?: () => void;
}

/**
 * A delivery that could not be queued. `status` is what @octokit/webhooks' middleware answers with; the
 * message (sent back to GitHub, shown under the App's Advanced tab) names no host, key or payload.
 */
export class QueueUnavailableError extends Error {
  readonly status = 503;

  constructor(reason: 'timeout' | 'error') {
    super(reason === 'timeout'
      ? 'Redis did not take the job in time; GitHub records this delivery as failed and bosun redelivers it once Redis answers'
      : 'Redis refused the job; GitHub records this delivery as failed and bosun redelivers it once Redis answers');
    this.name = 'ServiceUnavailable';
  }
}

export const defaultEnqueueTimeoutMs = 3_000;

interface RepositoryPayload {
  name: string;
  full_name: string;
  clone_url: string;
  default_branch: string;
  owner: { login: string };
}

interface PullRequestPayload {
  number: number;
  head: { sha: string };
  base: { ref: string; sha: string };
}

export function repoRefOf(repository: RepositoryPayload): RepoRef {
  return {
    owner: repository.owner.login,
    name: repository.name,
    fullName: repository.full_name,
    cloneUrl: repository.clone_url,
    defaultBranch: repository.default_branch,
  };
}

export function bosunApp(opts: BosunAppOptions): ApplicationFunction {
  const { producers } = opts;
  const prefix = opts.commandPrefix;

  return (app: Probot) => {
    const log: AppLogger = opts.log ?? app.log;
    const installationOf = (context: Context): number | undefined => (context.payload as { installation?: { id?: number } }).installation?.id;
    const report = (context: Context, what: string, result: EnqueueResult): void => {
      log.info({ delivery: context.id, event: context.name, job: result.jobId, status: result.status }, what);
    };

    app.onAny((context) => {
      opts.metrics?.webhookReceived(context.name);
    });

    const timeoutMs = opts.enqueueTimeoutMs ?? defaultEnqueueTimeoutMs;
    /**
     * Runs a handler's Redis work within the bound. Work still running when the bound passes is not
     * cancelled (ioredis may yet send it): if it queues the job after all, the delivery is still
     * recorded as handled, and a redelivery of it finds the job id taken.
     */
    const bounded = async (context: Context, work: () => Promise<void>): Promise<void> => {
      const running = work();
      if (opts.deliveries) {
        const ledger = opts.deliveries;
        running.then(() => ledger.markHandled(context.id)).catch(() => undefined);
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const outcome = await Promise.race([running.then(() => 'done' as const), timedOut]);
        if (outcome === 'timeout') {
          // What became of it is worth a line: queued late (a redelivery is then a no-op) or given up.
          running.then(
            () => log.info({ delivery: context.id, event: context.name }, 'the delivery answered 503 was queued after all'),
            (err: unknown) => log.warn({ delivery: context.id, event: context.name, reason: errorName(err) }, 'the delivery answered 503 was not queued; it is redelivered once Redis answers'),
          );
          throw new QueueUnavailableError('timeout');
        }
      } catch (err) {
        // A job bosun itself finds malformed is not Redis' fault; a redelivery would fail the same way.
        if (err instanceof BosunError && err.kind === 'usage') throw err;
        const unavailable = err instanceof QueueUnavailableError ? err : new QueueUnavailableError('error');
        // @octokit/webhooks attaches the event to the error it hands Probot, and Probot's log prints it
        // whole: a payload per delivery refused during an outage. The handlers are done with it.
        Object.defineProperty(context.payload, 'toJSON', { value: () => '[payload not logged]', enumerable: false, configurable: true });
        log.warn({ delivery: context.id, event: context.name, reason: err instanceof QueueUnavailableError ? `no answer within ${timeoutMs} ms` : errorName(err) }, 'could not queue the delivery: answered 503');
        opts.onQueueUnavailable?.();
        throw unavailable;
      } finally {
        clearTimeout(timer);
      }
    };

    const enqueuePlan = async (context: Context, fields: Omit<PlanJob, 'deliveryId' | 'installationId'>): Promise<void> => {
      const installationId = installationOf(context);
      if (!installationId) {
        log.warn({ delivery: context.id, event: context.name }, 'webhook without an installation: ignored');
        return;
      }
      report(context, `plan for #${fields.pr} (${fields.reason})`, await producers.enqueuePlan({ deliveryId: context.id, installationId, ...fields }));
    };

    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], async (context) => bounded(context, async () => {
      const { pull_request: pr, repository, action } = context.payload;
      await enqueuePlan(context, {
        repo: repoRefOf(repository),
        pr: pr.number,
        headSha: pr.head.sha,
        baseRef: pr.base.ref,
        baseSha: pr.base.sha,
        reason: action as PlanReason,
      });
    }));

    app.on('pull_request.closed', async (context) => bounded(context, async () => {
      const { pull_request: pr, repository } = context.payload;
      if (!opts.locks) return;
      const released = await opts.locks.releaseAllFor(repository.full_name, pr.number);
      await opts.lockViewers?.forget(repository.full_name, pr.number);
      if (released.length > 0) {
        log.info({ delivery: context.id, pr: pr.number, released }, 'released the closed PR\'s environment locks');
        const envs = released.map((key) => parseLockKey(key).env);
        const refreshed = await opts.lockViewers?.refresh({ repo: repository.full_name, envs, exceptPr: pr.number, deliveryId: context.id });
        if (refreshed?.length) log.info({ delivery: context.id, prs: refreshed }, 'planning the PRs that showed those locks again');
      }
    }));

    app.on('issue_comment.created', async (context) => bounded(context, async () => {
      const { comment, issue, repository } = context.payload;
      if (!issue.pull_request) return;
      // The bot's own replies (help text, refusals) never run commands, nor does any other bot's.
      if (comment.user?.type === 'Bot') return;
      if (parseComment(comment.body ?? '', prefix ? { prefix } : {}).length === 0) return;
      const installationId = installationOf(context);
      if (!installationId) return;
      report(context, `command on #${issue.number}`, await producers.enqueueCommand({
        deliveryId: context.id,
        installationId,
        repo: repoRefOf(repository),
        pr: issue.number,
        commentId: comment.id,
        body: comment.body,
        user: { login: comment.user?.login ?? 'ghost', id: comment.user?.id ?? 0 },
      }));
    }));

    app.on('check_run.rerequested', async (context) => bounded(context, async () => {
      const { check_run: run, repository } = context.payload;
      if (!run.name.startsWith(checkRunPrefix)) return;
      // Another app's check that happens to share the name is not ours to re-run.
      if (opts.appId !== undefined && run.app?.id !== undefined && run.app.id !== opts.appId) return;
      // An apply's run (`bosun / apply (<env>)`, also on a PR head when a `/bosun apply` waited for its turn)
      // is not a plan of an environment of that name: applying again is `/bosun apply`.
      if (isApplyCheckRun(run.name)) return;
      const env = run.name.slice(checkRunPrefix.length);
      const pulls = (run.pull_requests ?? []) as PullRequestPayload[];
      const pr = pulls[0]?.number ?? prFromExternalId(run.external_id);
      if (!pr) {
        log.warn({ delivery: context.id, check: run.name }, 'check run re-run with no pull request and no bosun external id: ignored');
        return;
      }
      await enqueuePlan(context, {
        repo: repoRefOf(repository),
        pr,
        headSha: run.head_sha,
        baseRef: pulls[0]?.base.ref ?? repository.default_branch,
        ...(pulls[0]?.base.sha ? { baseSha: pulls[0].base.sha } : {}),
        envs: [env],
        reason: 'rerequested',
      });
    }));

    app.on('check_suite.rerequested', async (context) => bounded(context, async () => {
      const { check_suite: suite, repository } = context.payload;
      const pulls = (suite.pull_requests ?? []) as PullRequestPayload[];
      if (pulls.length === 0) {
        // A fork PR's suite names no pull request: the PRs bosun planned at this head are re-planned.
        const known = producers.pullsForHead ? await producers.pullsForHead(repository.full_name, suite.head_sha) : [];
        if (known.length === 0) log.warn({ delivery: context.id, sha: suite.head_sha }, 'check suite re-run with no pull request, and bosun planned no PR at this head');
        for (const { pr, baseRef } of known) {
          await enqueuePlan(context, { repo: repoRefOf(repository), pr, headSha: suite.head_sha, baseRef, reason: 'rerequested' });
        }
        return;
      }
      for (const pull of pulls) {
        await enqueuePlan(context, {
          repo: repoRefOf(repository),
          pr: pull.number,
          headSha: suite.head_sha,
          baseRef: pull.base.ref,
          baseSha: pull.base.sha,
          reason: 'rerequested',
        });
      }
    }));

    // A push to the default branch is a merge: the push job finds the affected environments and
    // queues their applies. Pushes to other branches (PR heads) are planned through pull_request.
    app.on('push', async (context) => bounded(context, async () => {
      const { ref, before, after, deleted, repository } = context.payload;
      if (deleted || ref !== `refs/heads/${repository.default_branch}`) return;
      const installationId = installationOf(context);
      if (!installationId) return;
      const repo = repoRefOf(repository as unknown as RepositoryPayload);
      const previous = /^0+$/.test(before) ? undefined : before;
      report(context, `apply fan-out for ${after.slice(0, 7)} on ${repository.default_branch}`, await producers.enqueuePush({
        deliveryId: context.id,
        installationId,
        repo,
        ...(previous ? { before: previous } : {}),
        after,
      }));
    }));
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'Error';
}
