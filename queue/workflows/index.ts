/**
 * The registry of the product's workflows: job name → the workflow's processor, built from the server
 * configuration with one GitHub App auth, one mirror cache and one render cache shared by every job in
 * the process. The worker runtime (queue/start-bot.ts) reaches the workflows only through it.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { lockPrefixFor } from '../../src/github/names.ts';
import { loadClusterRegistry, type ClusterRegistry } from '../../src/cluster/index.ts';
import type { ServerConfig } from '../../src/config/server.ts';
import { createMirrorCache, type MirrorCache } from '../../src/git/mirror.ts';
import { closeRedis, createEnvStatusStore, createLockViewers, createOwedPrunes, createRedis, keyPrefixFor, stateKeys, type EnvStatusStore, type Producers, type RedisConnection } from '../../src/jobs.ts';
import { createPrRecords } from '../../src/jobs/pr-records.ts';
import { workerIndexOption } from '../../src/jobs/input-index-store.ts';
import { createLockManager } from '../../src/locks/index.ts';
import type { Metrics } from '../../src/metrics.ts';
import { RenderCache } from '../../src/render/index.ts';
import type { Processors } from '../contract.ts';
import { applyProcessor } from './apply/apply-job.ts';
import { commandProcessor } from './commands/command.ts';
import { createAppAuth, type GitHubAppAuth } from '../../src/github/app-auth.ts';
import { planProcessor } from './plan/plan.ts';
import { planPartProcessor } from './plan/plan-part.ts';
import { createPlanFanoutStore, defaultPlanFanout } from '../../src/jobs/plan-parts.ts';
import { defaultPrLockTtlMs } from '../../src/locks/pr-locks.ts';
import { pushProcessor } from './push/push.ts';
import { reconcileProcessor } from './reconcile/reconcile.ts';

export type ProcessorSettings = Pick<ServerConfig, 'appId' | 'privateKey' | 'githubBaseUrl' | 'dataDir'> & Partial<Pick<ServerConfig, 'clustersFile' | 'chartSources' | 'planFanout' | 'planTimeoutMs'>>;

export interface BosunProcessors {
  processors: Processors;
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  clusters?: ClusterRegistry;
  status: EnvStatusStore;
  close(): Promise<void>;
}

export interface ProcessorOptions {
  connection: RedisConnection;
  prefix?: string;
  producers: Producers;
  log?: (line: string) => void;
  metrics?: Pick<Metrics, 'githubRequest' | 'driftChecked'>;
  /** Lease of a PR's environment lock, renewed by every event of the PR. Default 7 days (pr-locks.ts). */
  lockTtlMs?: number;
}

export function createBosunProcessors(config: ProcessorSettings, opts: ProcessorOptions): BosunProcessors {
  const auth = createAppAuth({
    appId: config.appId,
    privateKey: config.privateKey,
    baseUrl: config.githubBaseUrl,
    ...(opts.metrics ? { onResponse: (status: number | string) => opts.metrics!.githubRequest(status) } : {}),
  });
  const mirrors = createMirrorCache({ root: join(config.dataDir, 'git'), ...(opts.log ? { log: opts.log } : {}) });
  const clusters = config.clustersFile ? loadClusterRegistry(config.clustersFile) : undefined;
  const redis: Redis = createRedis(opts.connection, { name: 'bosun-locks' });
  redis.on('error', () => undefined);
  const prefix = keyPrefixFor(opts.connection, opts.prefix);
  const locks = createLockManager(redis, { prefix: lockPrefixFor(prefix), ttlMs: opts.lockTtlMs ?? defaultPrLockTtlMs });
  const cache = new RenderCache();
  const status = createEnvStatusStore(redis, prefix);
  const prRecords = createPrRecords(redis, prefix);
  const lockViewers = createLockViewers(redis, prefix, opts.producers);
  // A plan fanned out: its analysis, and its parts' object counts (the plan limit across parts).
  const fanoutStore = createPlanFanoutStore(redis, prefix);
  // What a plan and each part of a plan fanned out render with.
  const planDeps = { auth, mirrors, cache, inputIndex: workerIndexOption(redis, prefix), charts: { sources: config.chartSources ?? [], dataDir: config.dataDir }, ...(clusters ? { clusters, schemaCacheDir: config.dataDir } : {}), ...(config.planTimeoutMs ? { planTimeoutMs: config.planTimeoutMs } : {}) };
  return {
    auth,
    mirrors,
    ...(clusters ? { clusters } : {}),
    status,
    processors: {
      plan: planProcessor({ ...planDeps, locks, prRecords, lockViewers, fanout: { ...(config.planFanout ?? defaultPlanFanout), store: fanoutStore }, placeNewestPlan: (repo, pr) => opts.producers.placeNewestPlan(repo, pr) }),
      planPart: planPartProcessor({ ...planDeps, partCounts: fanoutStore }),
      command: commandProcessor({ auth, mirrors, producers: opts.producers, locks, status, lockViewers, jobState: { redis, keys: stateKeys(prefix) }, charts: planDeps.charts, ...(clusters ? { clusters } : {}) }),
      push: pushProcessor({ auth, mirrors, producers: opts.producers, charts: planDeps.charts, ...(clusters ? { clusters } : {}) }),
      apply: applyProcessor({ auth, mirrors, status, prRecords, owedPrunes: createOwedPrunes(redis, stateKeys(prefix)), charts: { sources: config.chartSources ?? [], dataDir: config.dataDir }, ...(clusters ? { clusters } : {}) }),
      reconcile: reconcileProcessor({ auth, mirrors, status, jobState: { redis, keys: stateKeys(prefix) }, charts: { sources: config.chartSources ?? [], dataDir: config.dataDir }, ...(opts.metrics ? { metrics: opts.metrics } : {}), ...(clusters ? { clusters } : {}) }),
    },
    close: () => closeRedis(redis),
  };
}
