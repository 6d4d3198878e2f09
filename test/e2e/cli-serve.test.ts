// `bosun serve --with-worker` as an operator runs it: a child process configured through the
// environment, that refuses to start without its secrets and stops cleanly on SIGTERM.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAppKey } from '../../testkit/github-standin/index.ts';
import { redisUrl } from '../../testkit/harness.ts';
import { logged, spawnBosun } from '../../testkit/bosun-process.ts';

describe('bosun serve', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-serve-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start without WEBHOOK_SECRET and says which variables are missing', async () => {
    const child = spawnBosun(['serve'], { APP_ID: '1', PRIVATE_KEY: generateAppKey(), REDIS_URL: redisUrl }, { home: dir });
    expect(await child.exited).toBe(2);
    expect(child.log()).toMatch(/missing WEBHOOK_SECRET/);
  });

  it('--with-worker serves health and readiness, then shuts down on SIGTERM with exit code 0', async () => {
    const key = generateAppKey();
    const child = spawnBosun(['serve', '--with-worker'], {
      APP_ID: '1',
      PRIVATE_KEY: key,
      WEBHOOK_SECRET: randomUUID(),
      REDIS_URL: redisUrl,
      PORT: '0',
      BOSUN_DATA_DIR: join(dir, 'data'),
    }, { home: dir });
    try {
      const url = await logged(child, 'bosun serve to listen', () => /"url":"(http:\/\/[^"]+)"/.exec(child.log())?.[1]);
      expect(url, child.log()).toMatch(/^http:\/\/[^/]+:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(child.log()).not.toContain(key.split('\n')[1]);
    } finally {
      child.child.kill('SIGTERM');
    }
    expect(await child.exited).toBe(0);
    expect(child.log()).toMatch(/"msg":"stopped"/);
  });
});

describe('bosun worker', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-worker-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('with BOSUN_METRICS_PORT serves its own health, readiness and job metrics', async () => {
    const child = spawnBosun(['worker'], {
      APP_ID: '1',
      PRIVATE_KEY: generateAppKey(),
      WEBHOOK_SECRET: randomUUID(),
      REDIS_URL: redisUrl,
      BOSUN_METRICS_PORT: '0',
      BOSUN_DATA_DIR: join(dir, 'data'),
    }, { home: dir });
    try {
      const url = await logged(child, 'bosun worker to serve its metrics', () => /"msg":"serving[^"]*","url":"(http:\/\/[^"]+)"/.exec(child.log())?.[1]);
      expect(url, child.log()).toMatch(/^http:\/\/[^/]+:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('bosun_job_duration_seconds');
      expect(metrics).toContain('process_cpu_seconds_total');
      // Webhooks are bosun serve's: a worker does not take them.
      expect((await fetch(`${url}/api/github/webhooks`, { method: 'POST' })).status).toBe(405);
    } finally {
      child.child.kill('SIGTERM');
    }
    expect(await child.exited).toBe(0);
  });
});
