import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { envLeaseHolder, queueNames, stateKeys, type ApplyRecord, type EnvironmentRef, type EnvStatusStore } from '../jobs.ts';
import type { LockManager, LockState } from '../locks/index.ts';
import { scrub } from '../util/scrub.ts';
import { webUrl, type GitHubLinks } from './links.ts';
import type { AppliedRow, DashboardData, EnvironmentRow, JobResult, JobRow, JobState, QueueRow } from './types.ts';

/** Where the dashboard reads from: the same Redis state the workers write. */
export interface DashboardSources {
  status: EnvStatusStore;
  locks: LockManager;
  /** For the environment leases (job state keys under `prefix`). */
  redis: Redis;
  prefix: string;
  /** The bosun queues, read only. */
  queues: readonly Queue[];
  links: GitHubLinks;
  now?: () => number;
}

export interface CollectOptions {
  /** How many of the newest jobs to list. Default 50. */
  jobs?: number;
}

const jobStates: readonly JobState[] = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'];

/** Queues whose jobs hold an environment lease while they run. */
const leaseQueues = new Set<string>([queueNames.apply, queueNames.reconcile]);

const envKey = (repo: string, env: string) => `${repo.toLowerCase()}\n${env}`;

export async function collectDashboard(src: DashboardSources, opts: CollectOptions = {}): Promise<DashboardData> {
  const limit = opts.jobs ?? 50;
  const now = (src.now ?? Date.now)();
  const [refs, allJobs, queues] = await Promise.all([src.status.environments(), readJobs(src, limit), readQueueCounts(src.queues)]);
  const locks = await readLocks(src.locks, refs);
  const active = allJobs.filter((job) => job.state === 'active' && leaseQueues.has(job.queue) && job.repo && job.env);

  // An environment bosun has never applied or checked can still be locked by a PR, or be getting its
  // first apply right now: list those too.
  const all: EnvironmentRef[] = [];
  const seen = new Set<string>();
  for (const ref of [...refs, ...[...locks.values()].map((l) => ({ repo: l.repo, env: l.env })), ...active.map((j) => ({ repo: j.repo!, env: j.env! }))]) {
    if (seen.has(envKey(ref.repo, ref.env))) continue;
    seen.add(envKey(ref.repo, ref.env));
    all.push(ref);
  }
  all.sort((a, b) => a.repo.localeCompare(b.repo) || a.env.localeCompare(b.env));

  const environments = await Promise.all(all.map(async (ref): Promise<EnvironmentRow> => {
    const [status, history, leaseHolder] = await Promise.all([
      src.status.status(ref.repo, ref.env),
      src.status.history(ref.repo, ref.env),
      envLeaseHolder(src.redis, stateKeys(src.prefix), ref.repo, ref.env),
    ]);
    const row: EnvironmentRow = { repo: ref.repo, repoUrl: src.links.repo(ref.repo), env: ref.env, lease: { held: leaseHolder !== undefined } };
    const applied = history[0];
    if (applied) row.applied = appliedRow(src.links, ref.repo, applied);
    const last = status.lastApply;
    if (last && !last.ok && (!applied || last.at >= applied.at)) row.failedAttempt = appliedRow(src.links, ref.repo, last);
    if (status.drift) {
      const d = status.drift;
      const issueUrl = webUrl(d.issueUrl) ?? (d.issueNumber ? src.links.issue(ref.repo, d.issueNumber) : undefined);
      row.drift = {
        state: d.state,
        checkedAt: d.checkedAt,
        commit: { sha: d.sha, url: src.links.commit(ref.repo, d.sha) },
        drifted: d.drifted,
        summary: scrub(d.summary),
        ...(issueUrl ? { issue: { ...(d.issueNumber ? { number: d.issueNumber } : {}), url: issueUrl } } : {}),
      };
    }
    if (status.pin) {
      const p = status.pin;
      const revertUrl = webUrl(p.revertPrUrl) ?? (p.revertPr ? src.links.pull(ref.repo, p.revertPr) : undefined);
      row.pin = {
        commit: { sha: p.sha, url: src.links.commit(ref.repo, p.sha) },
        reason: scrub(p.reason),
        at: p.at,
        ...(p.by ? { by: p.by } : {}),
        ...(p.revertPr && revertUrl ? { revertPr: { number: p.revertPr, url: revertUrl } } : {}),
      };
    }
    const lock = locks.get(envKey(ref.repo, ref.env));
    if (lock) {
      row.lock = {
        pr: { number: lock.holder.pr, url: webUrl(lock.holder.url) ?? src.links.pull(ref.repo, lock.holder.pr) },
        by: lock.holder.by,
        acquiredAt: lock.acquiredAt,
        expiresAt: lock.expiresAt,
      };
    }
    if (row.lease.held) {
      const job = active.find((j) => j.repo!.toLowerCase() === ref.repo.toLowerCase() && j.env === ref.env);
      if (job) row.lease.job = { queue: job.queue, id: job.id };
    }
    return row;
  }));

  return { generatedAt: now, environments, jobs: allJobs.slice(0, limit), queues };
}

function appliedRow(links: GitHubLinks, repo: string, record: ApplyRecord): AppliedRow {
  const checkRunUrl = webUrl(record.checkRunUrl);
  return {
    commit: { sha: record.sha, url: links.commit(repo, record.sha) },
    at: record.at,
    durationMs: record.durationMs,
    trigger: record.trigger,
    ok: record.ok,
    health: record.health,
    summary: scrub(record.summary),
    ...(checkRunUrl ? { checkRunUrl } : {}),
    ...(record.pr ? { pr: { number: record.pr, url: links.pull(repo, record.pr) } } : {}),
    ...(record.requestedBy ? { requestedBy: record.requestedBy } : {}),
  };
}

async function readLocks(locks: LockManager, refs: EnvironmentRef[]): Promise<Map<string, LockState>> {
  const repos = [...new Set(refs.map((ref) => ref.repo.toLowerCase()))];
  const lists = await Promise.all(repos.map((repo) => locks.list(repo).catch(() => [] as LockState[])));
  return new Map(lists.flat().map((lock) => [envKey(lock.repo, lock.env), lock]));
}

async function readQueueCounts(queues: readonly Queue[]): Promise<QueueRow[]> {
  return Promise.all(queues.map(async (queue) => ({ name: queue.name, counts: await queue.getJobCounts(...jobStates) })));
}

/** The newest jobs of every queue in every state, newest first (the whole list, for lease matching). */
async function readJobs(src: DashboardSources, limit: number): Promise<JobRow[]> {
  const lists = await Promise.all(src.queues.flatMap((queue) => jobStates.map(async (state) => {
    const jobs = (await queue.getJobs([state], 0, limit - 1, false)) as Array<Job | undefined>;
    return jobs.filter((job): job is Job => job !== undefined && job !== null).map((job) => jobRow(src.links, queue.name, state, job));
  })));
  const rows = lists.flat();
  const when = (row: JobRow) => row.finishedAt ?? row.startedAt ?? row.createdAt;
  return rows.sort((a, b) => when(b) - when(a));
}

type Loose = Record<string, unknown>;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
const record = (v: unknown): Loose => (v && typeof v === 'object' ? (v as Loose) : {});

function jobRow(links: GitHubLinks, queue: string, state: JobState, job: Job): JobRow {
  const data = record(job.data);
  const repo = text(record(data.repo).fullName);
  const env = text(data.env);
  const pr = positive(data.pr);
  const sha = text(data.sha) ?? text(data.headSha) ?? text(data.after);
  const { result, message, checkRunId } = resultOf(state, job);
  const startedAt = positive(job.processedOn);
  const finishedAt = state === 'completed' || state === 'failed' ? positive(job.finishedOn) : undefined;
  const end = finishedAt ?? (state === 'active' ? Date.now() : undefined);
  return {
    queue,
    id: job.id ?? '',
    name: job.name,
    state,
    result,
    ...(message ? { message } : {}),
    ...(repo ? { repo } : {}),
    ...(env ? { env } : {}),
    ...(repo && pr ? { pr: { number: pr, url: links.pull(repo, pr) } } : {}),
    ...(repo && sha ? { commit: { sha, url: links.commit(repo, sha) } } : {}),
    ...(repo && checkRunId ? { checkRunUrl: links.checkRun(repo, checkRunId) } : {}),
    createdAt: job.timestamp,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    ...(startedAt && end ? { durationMs: Math.max(0, end - startedAt) } : {}),
    attempts: job.attemptsMade,
  };
}

/** The outcome a person cares about; a completed job's return value is a JobOutcome (src/jobs/types.ts). */
function resultOf(state: JobState, job: Job): { result: JobResult; message?: string; checkRunId?: number } {
  if (state === 'failed') return { result: 'failed', message: scrub(job.failedReason || 'failed') };
  if (state === 'active') return { result: 'running' };
  if (state !== 'completed') return { result: 'queued' };
  const outcome = record(job.returnvalue);
  const message = text(outcome.message);
  if (outcome.status === 'superseded' || outcome.status === 'skipped') {
    return { result: outcome.status, ...(message ? { message: scrub(message) } : {}) };
  }
  const value = record(outcome.value);
  const checkRunId = positive(value.checkRunId);
  // An apply that could not be applied (render, validation) completes without a retry but did fail.
  if (value.ok === false) return { result: 'failed', message: 'nothing applied, or the apply failed: see its check run', ...(checkRunId ? { checkRunId } : {}) };
  return { result: 'done', ...(checkRunId ? { checkRunId } : {}) };
}
