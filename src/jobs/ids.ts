import type { ApplyJob, CommandJob, JobKind, PlanJob, PushJob } from './types.ts';

/**
 * One value inside a job id or a Redis key. Percent-encoding is injective and never yields `:` (BullMQ
 * job ids may not contain it) or `+` (our separator), so ids built from several parts cannot collide.
 */
export function idPart(value: string | number): string {
  return encodeURIComponent(String(value));
}

/** GitHub treats `Acme/App` and `acme/app` as one repository. */
export function repoKey(fullName: string): string {
  return fullName.toLowerCase();
}

/** Parts joined with `+`; the kind in front means an id is never all digits. */
function jobId(kind: JobKind, ...parts: Array<string | number>): string {
  return [kind, ...parts.map(idPart)].join('+');
}

/** Derived from the delivery id, so a redelivered webhook maps to the same job. */
export function planJobId(job: Pick<PlanJob, 'deliveryId' | 'pr'>): string {
  return jobId('plan', job.deliveryId, job.pr);
}

/** Part `part` of the plan job `parentId` fanned out: the same part of the same plan is queued once. */
export function planPartJobId(parentId: string, part: number): string {
  return `${parentId}+part+${part}`;
}

export function commandJobId(job: Pick<CommandJob, 'deliveryId'>): string {
  return jobId('command', job.deliveryId);
}

export function pushJobId(job: Pick<PushJob, 'deliveryId'>): string {
  return jobId('push', job.deliveryId);
}

/** One push can apply several environments: the environment is part of the id. */
export function applyJobId(job: Pick<ApplyJob, 'deliveryId' | 'env'>): string {
  return jobId('apply', job.deliveryId, job.env);
}

/** `plan:<repo>:<pr>` as a BullMQ deduplication id: at most one waiting and one running plan per PR. */
export function planDedupId(repo: string, pr: number): string {
  return jobId('plan', repoKey(repo), pr);
}

export function reconcileSchedulerId(repo: string, env: string): string {
  return jobId('reconcile', repoKey(repo), env);
}

/** Redis keys for bosun's own job state, beside BullMQ's keys under the same prefix. */
export function stateKeys(prefix: string) {
  const base = `${prefix}:state`;
  return {
    /** Hash {sha, seq}: the newest head SHA requested for a PR (`latest:<repo>:<pr>`). */
    planLatest: (repo: string, pr: number) => `${base}:plan-latest:${idPart(repoKey(repo))}:${pr}`,
    /** Hash {<pr>: <base ref>}: the PRs whose head is this commit (a fork PR's suite re-run names none). */
    planHead: (repo: string, sha: string) => `${base}:plan-head:${idPart(repoKey(repo))}:${idPart(sha)}`,
    /** Hash {sha, seq}: the newest apply requested for an environment. */
    applyNewest: (repo: string, env: string) => `${base}:apply-newest:${idPart(repoKey(repo))}:${idPart(env)}`,
    /** Hash {sha, seq}: the newest apply that succeeded for an environment. */
    applyApplied: (repo: string, env: string) => `${base}:apply-applied:${idPart(repoKey(repo))}:${idPart(env)}`,
    /** Hash {sha, seq, by}: a `--prune` asked for an environment and not yet done by an apply (owed-prune.ts). */
    applyPruneOwed: (repo: string, env: string) => `${base}:apply-prune-owed:${idPart(repoKey(repo))}:${idPart(env)}`,
    /** String: the token of the worker that may change an environment now (`<repo>:<env>`). */
    envLease: (repo: string, env: string) => `${base}:env-lease:${idPart(repoKey(repo))}:${idPart(env)}`,
    /** Sorted set {<holder token>: <lease end, ms>}: the applies running against a cluster now (cluster-slots.ts). */
    clusterSlots: (cluster: string) => `${base}:cluster-slots:${idPart(cluster)}`,
    /** Sorted set {<holder token>: <lease end, ms>}: every apply running now, under the global limit (apply-slots.ts). */
    applySlots: `${base}:apply-slots`,
    /** Marks a job id as enqueued, for longer than BullMQ keeps finished jobs. */
    seen: (queue: string, id: string) => `${base}:seen:${queue}:${id}`,
    /** How many times a job was put back because GitHub asked us to wait. */
    retryAfter: (queue: string, id: string) => `${base}:retry-after:${queue}:${id}`,
    /** String (gzip JSON, with a TTL): a plan job's analysis while its parts render in child jobs (plan-parts.ts). */
    planFanout: (jobId: string) => `${base}:plan-fanout:${idPart(jobId)}`,
    /** Pub/sub channel: a PR's newest head SHA changed. Message: JSON {key, sha, seq}. */
    supersededChannel: `${base}:plan-superseded`,
  };
}

export type StateKeys = ReturnType<typeof stateKeys>;
