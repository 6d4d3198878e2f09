// The redelivery loop (src/server/redelivery.ts) against real Redis and the GitHub stand-in's delivery log:
// a delivery answered 503 is redelivered even when the first look could not happen (another server held
// the look and went away) or listed too early (the delivery failed while a round was already running).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.ts';
import { startRedeliveryLoop, type RedeliveryLoop } from '../../src/server/redelivery.ts';
import { startGitHubStandin, type GitHubStandin } from '../../testkit/github-standin/index.ts';
import { waitFor } from '../../testkit/harness.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../queue/support.ts';

const quiet = { info: () => undefined, warn: () => undefined };

describe('webhook redelivery loop', () => {
  let gh: GitHubStandin;
  let receiver: Server;
  let url: string;
  /** What the App's webhook endpoint answers: 503 while "Redis is away", 200 once it is back. */
  let answer = 503;
  const secret = `whsec-${randomUUID()}`;
  let redis: Redis;
  let prefix: string;
  let loop: RedeliveryLoop | undefined;

  beforeAll(async () => {
    gh = await startGitHubStandin();
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
    await gh.close();
  });
  beforeEach(() => {
    answer = 503;
    redis = testRedis();
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    await loop?.close();
    loop = undefined;
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  const send = async (): Promise<string> => {
    const payload = gh.examplePayload('pull_request', 'opened', { installation: { id: 77 } });
    const delivery = await gh.webhook('pull_request', payload, { url, secret });
    expect(delivery.status).toBe(503);
    return delivery.deliveryId;
  };
  /** The delivery's attempts in GitHub's log: did one of them succeed? */
  const delivered = (guid: string): boolean =>
    (gh.hookDeliveries() as Array<{ guid: string; status_code: number }>).some((a) => a.guid === guid && a.status_code === 200);
  const appClient = (): GitHubClient => new Octokit({ baseUrl: gh.apiUrl, auth: gh.appJwt() }) as unknown as GitHubClient;

  it('looks again once another server\'s look is over, with no new failure to prompt it', async () => {
    const failed = await send();
    // Another server took the look and died before looking: its lease runs out on its own.
    await redis.set(`${prefix}:state:redelivery-lease`, 'someone-else', 'PX', 500);
    answer = 200;
    loop = startRedeliveryLoop({ redis, prefix, github: async () => appClient(), log: quiet, settleMs: 100, everyMs: 3600_000 });
    loop.queueUnavailable();
    await waitFor('the failed delivery to be redelivered once the lease ran out', async () => {
      await gh.redeliveriesSettled();
      return delivered(failed);
    }, 30_000);
    expect(await redis.exists(`${prefix}:state:redelivery-lease`)).toBe(0);
  });

  it('looks again for a delivery that failed while a round was already running', async () => {
    const first = await send();
    // The round lists, then waits at its first redelivery until the second delivery has failed and the
    // server has asked for a look (which finds that round still running).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let listed = 0;
    const github = async (): Promise<GitHubClient> => {
      const client = appClient();
      const request = client.request.bind(client) as (route: string, params?: object) => Promise<unknown>;
      return Object.assign(Object.create(client) as object, {
        request: async (route: string, params?: object) => {
          if (route.startsWith('GET ')) listed++;
          else await gate;
          return request(route, params);
        },
      }) as GitHubClient;
    };
    const followUps: string[] = [];
    loop = startRedeliveryLoop({ redis, prefix, github, log: { ...quiet, debug: (_fields, msg) => followUps.push(msg) }, settleMs: 100, everyMs: 3600_000 });
    await waitFor('the startup round to list', () => listed >= 1, 10_000);
    const second = await send();
    loop.queueUnavailable();
    // The look it asked for finds the round still running...
    await waitFor('the asked-for look to find the round running', () => followUps.length > 0 || undefined, 10_000);
    answer = 200;
    release();
    // ...which listed before the second delivery failed; another round must see it.
    await waitFor('both deliveries to be redelivered', async () => {
      await gh.redeliveriesSettled();
      return delivered(first) && delivered(second);
    }, 30_000);
    expect(listed).toBeGreaterThanOrEqual(2);
  });
});
