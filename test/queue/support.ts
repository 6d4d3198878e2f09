import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import { createProducers, type ApplyRequest, type CommandJob, type PlanJob, type ProducerOptions, type Producers, type RepoRef } from '../../src/jobs.ts';
import type { WorkerRuntime } from '../../queue/index.ts';
import { dropPrefix } from '../../testkit/redis.ts';

export const redisUrl = process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for each test, so tests never see each other's queues or state. */
export function uniquePrefix(): string {
  return `bosun-test-${randomUUID().slice(0, 8)}`;
}

export function testRedis(): Redis {
  return new Redis(redisUrl);
}

export { dropPrefix };

export const repo: RepoRef = {
  owner: 'acme',
  name: 'gitops',
  fullName: 'acme/gitops',
  cloneUrl: 'https://github.com/acme/gitops.git',
  defaultBranch: 'main',
};

export function planJob(over: Partial<PlanJob> = {}): PlanJob {
  return {
    deliveryId: randomUUID(),
    installationId: 42,
    repo,
    pr: 7,
    headSha: 'a'.repeat(40),
    baseRef: 'main',
    reason: 'synchronize',
    ...over,
  };
}

export function commandJob(over: Partial<CommandJob> = {}): CommandJob {
  return {
    deliveryId: randomUUID(),
    installationId: 42,
    repo,
    pr: 7,
    commentId: 1001,
    body: '/bosun plan',
    user: { login: 'octocat', id: 1 },
    ...over,
  };
}

export function applyJob(over: Partial<ApplyRequest> = {}): ApplyRequest {
  return {
    deliveryId: randomUUID(),
    installationId: 42,
    repo,
    env: 'production',
    sha: 'c'.repeat(40),
    trigger: 'merge',
    ...over,
  };
}

export function sha(char: string): string {
  return char.repeat(40);
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A BullMQ queue handle for looking at job states from a test. */
export function inspect(name: string, prefix: string): Queue {
  return new Queue(name, { connection: { url: redisUrl }, prefix });
}

/** A promise with its resolve function, for processors a test releases by hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves when the signal aborts (with its reason), for processors that wait to be cancelled. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

export interface QueueSuite {
  readonly redis: Redis;
  /** This test's key prefix (new for every test). */
  prefix: string;
  producers: Producers;
  /** Set by tests that start workers; closed after each test. */
  runtime: WorkerRuntime | undefined;
  /** Tests that start several worker runtimes (several workers on one Redis) push them here; all closed after each test. */
  readonly runtimes: WorkerRuntime[];
}

/**
 * The common frame of a queue suite: a fresh prefix and producers before each test; workers, producers
 * and every key under the prefix gone after it.
 */
export function queueSuite(producerOptions: Omit<ProducerOptions, 'prefix'> = {}): QueueSuite {
  const t = { redis: testRedis(), prefix: '', runtime: undefined, runtimes: [] } as unknown as QueueSuite;
  beforeEach(() => {
    t.prefix = uniquePrefix();
    t.producers = createProducers(redisUrl, { ...producerOptions, prefix: t.prefix });
  });
  afterEach(async () => {
    await Promise.all([t.runtime, ...t.runtimes.splice(0)].map((r) => r?.close()));
    t.runtime = undefined;
    await t.producers.close();
    await dropPrefix(t.redis, t.prefix);
  });
  return t;
}
