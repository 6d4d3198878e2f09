// Everything an end-to-end test runs against: the GitHub stand-in, and bosun's real server + workers
// in this process (its own Redis key prefix per test file), configured exactly as an operator would
// configure them, through the environment. A suite that runs its workers as `bosun worker` processes
// (testkit/bosun-process.ts) starts the harness without workers and gives those processes `workerEnv`.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { loadServerConfig } from '../src/config/server.ts';
import { jsonLogger, type Logger } from '../queue/log.ts';
import { startBot, type Bot } from '../queue/start-bot.ts';
import { startGitHubStandin, type Delivery, type GitHubStandin } from './github-standin/index.ts';
import { dropPrefix } from './redis.ts';

export const redisUrl = process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Harness {
  gh: GitHubStandin;
  bot: Bot;
  secret: string;
  /** BullMQ key prefix of bosun's queues. */
  prefix: string;
  /** The Redis bosun's queues live in. */
  redisUrl: string;
  dataDir: string;
  /**
   * The environment an operator gives `bosun worker` for this stack: the App, its GitHub, Redis, and the
   * clusters file when there is one (worker processes have no key-prefix setting: they use `bosun`).
   */
  workerEnv: Record<string, string>;
  /** Delivers a webhook to bosun, signed with its secret (or `secret` to forge one). */
  send(event: string, payload: unknown, opts?: { deliveryId?: string; secret?: string }): Promise<Delivery>;
  /** Jobs of a queue (`bosun-plan`, …) in any state. */
  jobCount(queue: string): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  clustersFile?: string;
  log?: Logger;
  /** More of the server's environment (it wins over the harness's). */
  env?: Record<string, string>;
  /**
   * Whether bosun's workers run in this process (the default). Without them the harness is the webhook
   * server only, and the suite starts `bosun worker` processes with `workerEnv`.
   */
  workers?: boolean;
  /** Redis for the queues (default: the tests' Redis). A Redis database of the suite's own for worker processes. */
  redisUrl?: string;
  /**
   * BullMQ key prefix (default: one per harness). `bosun` for worker processes, which have no prefix
   * setting; whatever a previous run left under a given prefix is dropped first.
   */
  prefix?: string;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const url = opts.redisUrl ?? redisUrl;
  const redis = new Redis(url);
  const prefix = opts.prefix ?? `bosun-e2e-${randomUUID().slice(0, 8)}`;
  if (opts.prefix) await dropPrefix(redis, prefix);
  const gh = await startGitHubStandin();
  const secret = `whsec-${randomUUID()}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'bosun-e2e-'));
  const workerEnv = {
    APP_ID: String(gh.appId),
    PRIVATE_KEY: gh.privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: gh.gheHost,
    GHE_PROTOCOL: 'http',
    REDIS_URL: url,
    ...(opts.clustersFile ? { BOSUN_CLUSTERS: opts.clustersFile } : {}),
  };
  const config = loadServerConfig({
    ...workerEnv,
    PORT: '0',
    HOST: '127.0.0.1',
    BOSUN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...opts.env,
  }, { cwd: dataDir });
  const bot = await startBot(config, { serve: true, work: opts.workers ?? true, prefix, ...(opts.log ? { log: opts.log } : process.env.BOSUN_E2E_LOG ? { log: jsonLogger() } : {}), runtime: { supersedePollMs: 500, shutdownTimeoutMs: 5_000 } });
  return {
    gh,
    bot,
    secret,
    prefix,
    redisUrl: url,
    dataDir,
    workerEnv,
    send: (event, payload, o = {}) => gh.webhook(event, payload, {
      url: bot.server!.webhookUrl,
      secret: o.secret ?? secret,
      appId: gh.appId,
      ...(o.deliveryId ? { deliveryId: o.deliveryId } : {}),
    }),
    jobCount: async (queue) => {
      const base = `${prefix}:${queue}:`;
      const keys = await redis.keys(`${base}*`);
      // BullMQ keeps one hash per job at <prefix>:<queue>:<job id> (job ids never contain ':'). Other keys
      // share the id's text — `de:<dedup id>` lives only while a plan waits or runs, `<id>:logs`,
      // `<id>:lock` — and counting them made the count drop when a job finished between two reads.
      return keys.map((k) => k.slice(base.length)).filter((id) => /^(plan|command|apply|push)\+/.test(id) && !id.includes(':')).length;
    },
    close: async () => {
      await bot.close();
      await gh.close();
      await dropPrefix(redis, prefix);
      redis.disconnect();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined/false), or fails with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
