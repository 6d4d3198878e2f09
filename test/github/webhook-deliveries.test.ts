// Which failed webhook deliveries bosun asks GitHub to send again (pure rules), and the deliveries API
// as bosun calls it, against the GitHub stand-in (GitHub's OpenAPI description checks every request).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRecentDeliveries, nextCursor, planRedeliveries, redeliverDelivery, type WebhookDelivery } from '../../src/github/webhook-deliveries.ts';
import { startGitHubStandin, type GitHubStandin } from '../../testkit/github-standin/index.ts';

const t0 = Date.parse('2026-03-01T12:00:00Z');
let nextId = 100;
function attempt(guid: string, statusCode: number, fields: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: nextId++,
    guid,
    deliveredAt: new Date(t0).toISOString(),
    redelivery: false,
    status: statusCode >= 200 && statusCode < 300 ? 'OK' : statusCode === 0 ? 'failed to connect' : `Invalid HTTP Response: ${statusCode}`,
    statusCode,
    event: 'pull_request',
    action: 'opened',
    ...fields,
  };
}

describe('planRedeliveries', () => {
  const now = t0 + 60_000;

  it('redelivers the newest failed attempt of each event none of whose attempts succeeded', () => {
    const a1 = attempt('a', 503);
    const a2 = attempt('a', 503, { redelivery: true });
    const b = attempt('b', 0);
    const c = attempt('c', 200);
    const plan = planRedeliveries([a2, c, b, a1], { handled: new Set(), now });
    expect(plan.redeliver.map((d) => [d.guid, d.id])).toEqual([['b', b.id], ['a', a2.id]].sort((x, y) => (x[1] as number) - (y[1] as number)));
    expect(plan.handled).toEqual([]);
  });

  it('leaves alone an event that a later attempt delivered, or that bosun queued after all', () => {
    const plan = planRedeliveries([attempt('a', 503), attempt('a', 200, { redelivery: true }), attempt('q', 503)], { handled: new Set(['q']), now });
    expect(plan.redeliver).toEqual([]);
    expect(plan.handled).toEqual(['q']);
  });

  it('asks for an attempt only once, and gives an event up after repeated failures', () => {
    const once = attempt('once', 503);
    const many = Array.from({ length: 5 }, (_, i) => attempt('many', 400, { redelivery: i > 0 }));
    const plan = planRedeliveries([once, ...many], { handled: new Set(), requested: new Set([once.id]), now });
    expect(plan.redeliver).toEqual([]);
    expect(plan.givenUp).toEqual(['many']);
  });

  it('skips attempts older than GitHub redelivers (3 days)', () => {
    const old = attempt('old', 503, { deliveredAt: new Date(t0 - 3 * 24 * 3600_000).toISOString() });
    expect(planRedeliveries([old], { handled: new Set(), now }).redeliver).toEqual([]);
  });

  it('reads the next cursor from GitHub\'s Link header', () => {
    expect(nextCursor('<https://api.github.com/app/hook/deliveries?per_page=2&cursor=v1_12077215967>; rel="next"')).toBe('v1_12077215967');
    expect(nextCursor('<https://api.github.com/app/hook/deliveries?per_page=2>; rel="prev"')).toBeUndefined();
    expect(nextCursor(undefined)).toBeUndefined();
  });
});

describe('the App webhook deliveries API against the stand-in', () => {
  let gh: GitHubStandin;
  let receiver: Server;
  let url: string;
  const seen: Array<{ guid: string; body: string }> = [];
  let answer = 503;

  beforeAll(async () => {
    gh = await startGitHubStandin();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ guid: String(req.headers['x-github-delivery']), body });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await gh?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  it('lists every attempt newest first across pages, and a redelivery resends the same guid and body', async () => {
    const octokit = new Octokit({ baseUrl: gh.apiUrl, auth: gh.appJwt() });
    const guids: string[] = [];
    for (let i = 0; i < 5; i++) guids.push((await gh.webhook('ping', { zen: `z${i}`, hook_id: 1 }, { url, secret: 's' })).deliveryId);
    const listed = await listRecentDeliveries(octokit, { sinceMs: Date.now() - 3600_000, perPage: 2 });
    expect(listed.truncated).toBe(false);
    expect(listed.deliveries.map((d) => d.guid)).toEqual([...guids].reverse());
    expect(listed.deliveries.every((d) => d.statusCode === 503 && d.status !== 'OK' && !d.redelivery)).toBe(true);

    answer = 200;
    const first = listed.deliveries.at(-1)!;
    await redeliverDelivery(octokit, first.id);
    await gh.redeliveriesSettled();
    expect(seen.at(-1)).toEqual({ guid: guids[0], body: seen[0].body });
    const after = await listRecentDeliveries(octokit, { sinceMs: Date.now() - 3600_000 });
    expect(after.deliveries[0]).toMatchObject({ guid: guids[0], redelivery: true, statusCode: 200, status: 'OK' });
    expect(planRedeliveries(after.deliveries, { handled: new Set() }).redeliver.map((d) => d.guid)).toEqual([...guids.slice(1)]);
    expect(gh.problems()).toEqual([]);
  });

  it('refuses the deliveries API without the App\'s JWT', async () => {
    const octokit = new Octokit({ baseUrl: gh.apiUrl });
    await expect(listRecentDeliveries(octokit, { sinceMs: 0 })).rejects.toMatchObject({ status: 401 });
  });
});
