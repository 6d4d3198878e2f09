// Who gets to see the dashboard: the token holder, by bearer token or basic auth; nobody else; and
// nobody at all while no token is configured.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server.ts';
import { checkAuthorization } from '../../src/dashboard/auth.ts';
import { startServer, type BosunServer } from '../../src/server/index.ts';
import { redisUrl } from '../../testkit/harness.ts';
import { generateAppKey } from '../../testkit/github-standin/index.ts';

const token = randomBytes(24).toString('hex');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('checkAuthorization', () => {
  it('accepts the token as a bearer token and as the basic-auth password with any user name', () => {
    expect(checkAuthorization(`Bearer ${token}`, token)).toBe('ok');
    expect(checkAuthorization(`bearer ${token}`, token)).toBe('ok');
    expect(checkAuthorization(basic('admin', token), token)).toBe('ok');
    expect(checkAuthorization(basic('', token), token)).toBe('ok');
  });

  it('refuses a missing header, another scheme, a wrong token, and the token as the user name', () => {
    expect(checkAuthorization(undefined, token)).toBe('missing');
    expect(checkAuthorization('', token)).toBe('missing');
    expect(checkAuthorization(`token ${token}`, token)).toBe('wrong');
    expect(checkAuthorization('Bearer', token)).toBe('wrong');
    expect(checkAuthorization(`Bearer ${token}x`, token)).toBe('wrong');
    expect(checkAuthorization(basic(token, 'x'), token)).toBe('wrong');
    expect(checkAuthorization(`Basic ${Buffer.from(token).toString('base64')}`, token)).toBe('wrong');
  });

  it('compares in constant time: tokens of any length and prefixes of the real one are refused without error', () => {
    // timingSafeEqual throws on buffers of different lengths; comparing digests keeps the lengths equal,
    // so a short guess is refused exactly like a long one instead of failing fast.
    for (const guess of ['', 'a', token.slice(0, token.length - 1), token.slice(0, 16), `${token}${token}`, 'x'.repeat(10_000)]) {
      expect(checkAuthorization(`Bearer ${guess}`.trim(), token)).not.toBe('ok');
      expect(checkAuthorization(basic('u', guess), token)).toBe('wrong');
    }
  });
});

const key = generateAppKey();
const settings = (dashboardToken?: string) => loadServerConfig({
  APP_ID: '12345',
  PRIVATE_KEY: key,
  WEBHOOK_SECRET: `s-${randomUUID()}`,
  PORT: '0',
  REDIS_URL: redisUrl,
  LOG_LEVEL: 'silent',
  ...(dashboardToken ? { BOSUN_DASHBOARD_TOKEN: dashboardToken } : {}),
});

describe('the dashboard behind bosun serve', () => {
  let on: BosunServer;
  let off: BosunServer;

  beforeAll(async () => {
    on = await startServer(settings(token), { prefix: `bosun-dash-${randomUUID().slice(0, 8)}` });
    off = await startServer(settings(), { prefix: `bosun-dash-${randomUUID().slice(0, 8)}` });
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  const paths = ['/dashboard', '/dashboard/api/status', '/dashboard/queues', '/dashboard/queues/api/queues'];

  it('serves the page, its JSON and the queues to a bearer token and to basic auth', async () => {
    for (const path of paths) {
      for (const authorization of [`Bearer ${token}`, basic('ops', token)]) {
        const res = await fetch(`${on.url}${path}`, { headers: { authorization } });
        expect(res.status, `${path} with ${authorization.split(' ')[0]}`).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        await res.arrayBuffer();
      }
    }
    const page = await fetch(`${on.url}/dashboard`, { headers: { authorization: `Bearer ${token}` } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<h2>Environments</h2>');
    const api = await fetch(`${on.url}/dashboard/api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect((await api.json() as { queues: Array<{ name: string }> }).queues.map((q) => q.name)).toEqual(['bosun-plan', 'bosun-command', 'bosun-apply', 'bosun-reconcile', 'bosun-push', 'bosun-plan-part']);
  });

  it('answers 401 with a basic-auth challenge to anonymous and wrong credentials, everywhere under /dashboard, without echoing them', async () => {
    const wrong = randomBytes(24).toString('hex');
    for (const path of [...paths, '/dashboard/no-such-page', '/dashboard/queues/static/nothing.js']) {
      for (const headers of [{}, { authorization: `Bearer ${wrong}` }, { authorization: basic('ops', wrong) }, { authorization: basic(token, '') }] as Array<Record<string, string>>) {
        const res = await fetch(`${on.url}${path}`, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="bosun", charset="UTF-8"');
        const body = await res.text();
        expect(body).toContain('sign in');
        expect(body).not.toContain(wrong);
        expect(body).not.toContain(token);
      }
    }
  });

  it('does not exist while no token is configured: 404, like any unknown path', async () => {
    for (const path of paths) {
      for (const headers of [{}, { authorization: `Bearer ${token}` }] as Array<Record<string, string>>) {
        const res = await fetch(`${off.url}${path}`, { headers });
        expect(res.status, path).toBe(404);
        expect(res.headers.get('www-authenticate')).toBeNull();
        await res.arrayBuffer();
      }
    }
  });

  it('leaves the other endpoints alone: health and metrics need no token, /dashboardx is not the dashboard', async () => {
    expect((await fetch(`${on.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${on.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${on.url}/dashboardx`)).status).toBe(404);
  });

  it('is read only: bull-board refuses to change a queue', async () => {
    const res = await fetch(`${on.url}/dashboard/queues/api/queues/bosun-apply/pause`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(405);
  });
});
