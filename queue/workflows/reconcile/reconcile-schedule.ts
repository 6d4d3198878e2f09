/**
 * Keeps one repeating reconcile (drift check) per environment of a repository: every environment on a
 * cluster this bosun has credentials for is checked every `reconcileInterval` (default 10 minutes);
 * environments that left the configuration, or whose cluster is not registered, stop being checked.
 * Run after every push to the default branch, so the schedule follows what is merged.
 */
import { clusterNameOf } from '../../../src/model/environment.ts';
import type { ClusterRegistry } from '../../../src/cluster/index.ts';
import { discoverEnvironments } from '../../../src/discover/index.ts';
import type { Producers, ReconcileJob, RepoRef } from '../../../src/jobs.ts';
import type { Environment } from '../../../src/model/environment.ts';
import { withTree } from '../../../src/plan/desired-state.ts';
import { discoveryScope } from '../../../src/cluster/discovery-scope.ts';
import { chartDiscovery, type PlanChartOptions } from '../../../src/plan/chart-fetcher.ts';

export type ReconcileProducers = Pick<Producers, 'ensureReconcile' | 'removeReconcile' | 'listReconciles'>;

export interface ReconcileTarget {
  installationId: number;
  repo: RepoRef;
}

/** A drift check more often than this would mostly load the API server and GitHub. */
export const minReconcileMs = 60_000;

export interface ReconcileSchedule {
  scheduled: Array<{ env: string; everyMs: number }>;
  /** Schedulers created or changed by this call. */
  changed: string[];
  removed: string[];
}

/**
 * Upserts one scheduler per environment in `envs` and removes the repository's other schedulers. A
 * scheduler that is already right is left alone, so a push does not move its next run.
 */
export async function ensureReconciles(producers: ReconcileProducers, target: ReconcileTarget, envs: readonly Environment[]): Promise<ReconcileSchedule> {
  const existing = new Map((await producers.listReconciles(target.repo.fullName)).map((s) => [s.env, s]));
  const out: ReconcileSchedule = { scheduled: [], changed: [], removed: [] };
  for (const env of envs) {
    const everyMs = Math.max(minReconcileMs, env.reconcileIntervalSeconds * 1000);
    const job: ReconcileJob = { installationId: target.installationId, repo: target.repo, env: env.name };
    const current = existing.get(env.name);
    existing.delete(env.name);
    out.scheduled.push({ env: env.name, everyMs });
    if (current && current.everyMs === everyMs && sameJob(current.job, job)) continue;
    await producers.ensureReconcile(job, everyMs);
    out.changed.push(env.name);
  }
  for (const env of existing.keys()) {
    await producers.removeReconcile(target.repo.fullName, env);
    out.removed.push(env);
  }
  return out;
}

function sameJob(a: ReconcileJob | undefined, b: ReconcileJob): boolean {
  return a !== undefined && a.installationId === b.installationId && a.repo?.cloneUrl === b.repo.cloneUrl && a.repo?.defaultBranch === b.repo.defaultBranch && a.repo?.fullName === b.repo.fullName;
}

/**
 * The schedule for the repository at `sha` (the new tip of the default branch): its environments on
 * registered clusters. A configuration that does not load leaves the schedule as it is (the push
 * reports the broken configuration; the drift checks keep running and record the error).
 */
export async function scheduleReconciles(opts: {
  producers: ReconcileProducers;
  clusters?: ClusterRegistry;
  repoDir: string;
  sha: string;
  target: ReconcileTarget;
  /** Remote charts: the children of an app of apps through a fetched chart are environments too. */
  charts?: PlanChartOptions;
}): Promise<ReconcileSchedule | undefined> {
  const scope = discoveryScope(opts.target.repo, opts.clusters);
  let envs: Environment[];
  try {
    envs = await withTree(opts.repoDir, opts.sha, async (dir) => (await discoverEnvironments(dir, { ...scope, ...chartDiscovery(opts.charts, dir) })).environments);
  } catch {
    return undefined;
  }
  const registered = envs.filter((env) => opts.clusters?.clusters.has(clusterNameOf(env)));
  return ensureReconciles(opts.producers, opts.target, registered);
}
