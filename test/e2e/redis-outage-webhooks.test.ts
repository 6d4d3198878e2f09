// No webhook lost while Redis is away: the real `bosun serve` process, its own Redis (started and
// stopped by this test; the machine's shared Redis is never touched), and the GitHub stand-in as the
// App's GitHub. Deliveries sent while Redis is down are answered 503 (GitHub logs them as failed); once
// Redis is back, bosun redelivers them through the App's webhook-deliveries API, and every delivery of
// the burst ends up queued exactly once, keyed by its delivery id.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnRedis } from '../../testkit/chaos/own-redis.ts';
import { startGitHubStandin, type GitHubStandin } from '../../testkit/github-standin/index.ts';
import { waitFor } from '../../testkit/harness.ts';
import { serveListening, spawnBosun, standinAppEnv, type BosunProcess } from '../../testkit/bosun-process.ts';

/**
 * Deliveries per phase: before the outages; during a short outage (Redis back before bosun's pending
 * Redis commands give up, so they may be queued late); during a long one (bosun gives them up: only a
 * redelivery can bring them in); after Redis is back.
 */
const before = 10;
const short = 15;
const long = 15;
const after = 10;

describe('webhooks while Redis is away', () => {
  let gh: GitHubStandin;
  /** This test's own redis-server; a restart keeps the data (SHUTDOWN SAVE into its folder, loaded again). */
  let redis: OwnRedis;
  /** `bosun serve` from the real CLI; both its logs are kept, bosun's JSON lines and Probot's own (stdout), since neither may carry a payload. */
  let serve: BosunProcess;
  let webhookUrl: string;
  let home: string;
  const secret = `whsec-${randomUUID()}`;
  /** Shows up in every payload; must never show up in bosun's log. */
  const payloadMarker = `title-${randomUUID()}`;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bosun-redis-outage-'));
    redis = await OwnRedis.start(home);
    gh = await startGitHubStandin();
    serve = spawnBosun(['serve'], {
      ...standinAppEnv(gh, secret),
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      BOSUN_DATA_DIR: join(home, 'data'),
      BOSUN_ENQUEUE_TIMEOUT_MS: '1500',
      LOG_LEVEL: 'info',
    }, { home });
    webhookUrl = (await serveListening(serve)).webhook;
  });

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await gh?.close();
    await redis?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  let pr = 0;
  /** Every delivery sent, whatever bosun answered. */
  const sent: string[] = [];
  const send = (deliveryId = randomUUID()) => {
    sent.push(deliveryId);
    const number = ++pr;
    const payload = gh.examplePayload('pull_request', 'opened', {
      number,
      pull_request: { number, title: payloadMarker, head: { sha: randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40) } },
      installation: { id: 77 },
    });
    return gh.webhook('pull_request', payload, { url: webhookUrl, secret, deliveryId });
  };

  /** The plan jobs queued in our Redis, by delivery id (job ids are `plan+<delivery id>+<pr>`). */
  const jobsByDelivery = async (): Promise<Map<string, number>> => {
    const client = new Redis(redis.url);
    try {
      const base = 'bosun:bosun-plan:';
      const ids = (await client.keys(`${base}plan+*`)).map((k) => k.slice(base.length)).filter((id) => !id.includes(':'));
      const out = new Map<string, number>();
      for (const id of ids) {
        const delivery = decodeURIComponent(id.split('+')[1]);
        out.set(delivery, (out.get(delivery) ?? 0) + 1);
      }
      return out;
    } finally {
      client.disconnect();
    }
  };

  // Two outages and a bosun that gives up on its pending Redis commands (~10 s) take a while on a busy machine.
  it('answers 503 while Redis is down, redelivers those deliveries once it is back, and queues every delivery exactly once', { timeout: 300_000 }, async () => {
    const first = await Promise.all(Array.from({ length: before }, () => send()));
    expect(first.map((d) => d.status)).toEqual(Array(before).fill(200));

    const outage = async (n: number, untilGivenUp: boolean) => {
      await redis.stop();
      const answered = await Promise.all(Array.from({ length: n }, () => send()));
      // Not Probot's "still processing" 202 (which GitHub takes as delivered), not a bare 500.
      expect(answered.map((d) => d.status)).toEqual(Array(n).fill(503));
      expect(answered[0].response).toMatch(/redelivers it once Redis answers/);
      if (untilGivenUp) {
        await waitFor('bosun to give up queueing the deliveries it answered 503', () => {
          const gaveUp = new Set(serve.entries().filter((e) => /was not queued/.test(String(e.msg))).map((e) => e.delivery));
          return answered.every((d) => gaveUp.has(d.deliveryId));
        }, 90_000);
      }
      await redis.start();
      return answered;
    };
    const shortOutage = await outage(short, false);
    const longOutage = await outage(long, true);

    const last = await waitFor('deliveries to be taken again once Redis is back', async () => {
      const d = await send();
      return d.status === 200 ? d : undefined;
    }, 60_000);
    const rest = await Promise.all(Array.from({ length: after - 1 }, () => send()));
    expect(rest.map((d) => d.status)).toEqual(Array(after - 1).fill(200));

    // Also the deliveries sent while waiting for Redis to be back, whatever they were answered.
    const all = [...sent];
    expect(all.length).toBeGreaterThanOrEqual(before + short + long + after);
    const jobs = await waitFor('every delivery of the burst to be queued', async () => {
      const found = await jobsByDelivery();
      return all.every((id) => found.has(id)) ? found : undefined;
    }, 120_000);
    expect(new Set(all).size).toBe(all.length);
    expect([...jobs.keys()].sort()).toEqual([...all].sort());
    expect([...jobs.values()].every((n) => n === 1)).toBe(true);
    // The short outage's deliveries were queued late or redelivered; either way once.
    expect(shortOutage.map((d) => jobs.get(d.deliveryId))).toEqual(Array(short).fill(1));

    // GitHub's log: each delivery bosun gave up failed and then succeeded as a redelivery of the same
    // guid; nothing that succeeded the first time was sent again.
    await gh.redeliveriesSettled();
    const log = gh.hookDeliveries() as Array<{ guid: string; status_code: number; redelivery: boolean }>;
    for (const d of longOutage) {
      const attempts = log.filter((a) => a.guid === d.deliveryId);
      expect(attempts.some((a) => !a.redelivery && a.status_code === 503)).toBe(true);
      expect(attempts.some((a) => a.status_code === 200)).toBe(true);
    }
    for (const d of [...first, last, ...rest]) expect(log.filter((a) => a.guid === d.deliveryId && a.redelivery)).toEqual([]);

    // A delivery redelivered once more (by hand, from the App's Advanced tab) is answered but queues nothing new.
    const app = new Octokit({ baseUrl: gh.apiUrl, auth: gh.appJwt() });
    const again = log.find((a) => a.guid === longOutage[0].deliveryId && a.status_code === 200) as unknown as { id: number };
    await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: again.id });
    await gh.redeliveriesSettled();
    expect((gh.hookDeliveries() as Array<{ guid: string; status_code: number }>).filter((a) => a.guid === longOutage[0].deliveryId && a.status_code === 200).length).toBeGreaterThanOrEqual(2);
    const jobsAfter = await jobsByDelivery();
    expect(jobsAfter.get(longOutage[0].deliveryId)).toBe(1);
    expect([...jobsAfter.values()].reduce((a, b) => a + b, 0)).toBe(all.length);

    // bosun said what it redelivered, in counts; no payload, no secret in its log.
    // The round's summary line comes after its last redelivery request, so it may trail the jobs.
    await waitFor('bosun to log what it redelivered', () => {
      const rounds = serve.entries().filter((e) => typeof e.redelivered === 'number');
      return rounds.reduce((n, e) => n + (e.redelivered as number), 0) >= long;
    }, 30_000);
    expect(serve.log()).not.toContain(payloadMarker);
    expect(serve.log()).not.toContain(secret);
    expect(serve.output()).toMatch(/Redis did not take the job in time/);
    expect(serve.output()).not.toContain(payloadMarker);
    expect(serve.output()).not.toContain(secret);
    expect(gh.problems()).toEqual([]);
  });
});
