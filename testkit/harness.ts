// Everything an end-to-end test runs against: the GitHub stand-in, and bosun's real server + workers
// in this process (its own Redis key prefix per test file), configured exactly as an operator would
// configure them, through the environment.
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
  prefix: string;
  dataDir: string;
  /** Delivers a webhook to bosun, signed with its secret (or `secret` to forge one). */
  send(event: string, payload: unknown, opts?: { deliveryId?: string; secret?: string }): Promise<Delivery>;
  /** Jobs of a queue (`bosun-plan`, …) in any state. */
  jobCount(queue: string): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(opts: { clustersFile?: string; log?: Logger; env?: Record<string, string> } = {}): Promise<Harness> {
  const gh = await startGitHubStandin();
  const secret = `whsec-${randomUUID()}`;
  const prefix = `bosun-e2e-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'bosun-e2e-'));
  const config = loadServerConfig({
    APP_ID: String(gh.appId),
    PRIVATE_KEY: gh.privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: gh.gheHost,
    GHE_PROTOCOL: 'http',
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    BOSUN_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(opts.clustersFile ? { BOSUN_CLUSTERS: opts.clustersFile } : {}),
    ...opts.env,
  }, { cwd: dataDir });
  const bot = await startBot(config, { serve: true, work: true, prefix, ...(opts.log ? { log: opts.log } : process.env.BOSUN_E2E_LOG ? { log: jsonLogger() } : {}), runtime: { supersedePollMs: 500, shutdownTimeoutMs: 5_000 } });
  const redis = new Redis(redisUrl);
  return {
    gh,
    bot,
    secret,
    prefix,
    dataDir,
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
