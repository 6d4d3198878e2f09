// bosun's own HTTP endpoints beside the webhook: liveness, readiness (Redis answers), Prometheus metrics,
// and a webhook without a signature.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server.ts';
import { startServer, type BosunServer } from '../../src/server/index.ts';
import { generateAppKey } from '../../testkit/github-standin/index.ts';
import { redisUrl } from '../../testkit/harness.ts';
import { freePort as closedPort } from '../../testkit/testenv/ports.ts';

const key = generateAppKey();
const settings = (redis: string) => loadServerConfig({
  APP_ID: '12345',
  PRIVATE_KEY: key,
  WEBHOOK_SECRET: `s-${randomUUID()}`,
  PORT: '0',
  REDIS_URL: redis,
  LOG_LEVEL: 'silent',
});

describe('the bosun server endpoints', () => {
  let up: BosunServer;
  let down: BosunServer;

  beforeAll(async () => {
    up = await startServer(settings(redisUrl), { prefix: `bosun-e2e-${randomUUID().slice(0, 8)}` });
    down = await startServer(settings(`redis://127.0.0.1:${await closedPort()}`), { prefix: `bosun-e2e-${randomUUID().slice(0, 8)}` });
  });
  afterAll(async () => {
    await up?.close();
    await down?.close();
  });

  it('/healthz answers 200 whatever Redis does', async () => {
    expect((await fetch(`${up.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
  });

  it('/readyz is 200 only while Redis answers PING', async () => {
    expect((await fetch(`${up.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${down.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/redis/i);
  });

  it('a webhook without a signature is refused and counted nowhere; /metrics serves Prometheus text', async () => {
    const res = await fetch(up.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID() },
      body: JSON.stringify({ zen: 'hi', hook_id: 1 }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const metrics = await fetch(`${up.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('# TYPE bosun_webhooks_received_total counter');
    expect(text).not.toMatch(/bosun_webhooks_received_total\{event="ping"\}/);
    expect(text).toMatch(/bosun_queue_depth\{queue="bosun-plan",state="waiting"\} 0/);
  });

  it('anything else is 404', async () => {
    expect((await fetch(`${up.url}/nope`)).status).toBe(404);
  });
});
