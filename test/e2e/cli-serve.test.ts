// `bosun serve --with-worker` as an operator runs it: a child process configured through the
// environment, that refuses to start without its secrets and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';
import { generateAppKey } from '../../testkit/github-standin/index.ts';
import { redisUrl } from '../../testkit/harness.ts';

interface Child {
  exit: Promise<number | null>;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

function bosun(args: string[], env: Record<string, string>, home: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/main.ts'), ...args], {
    // The project folder, where tsx resolves; it holds no .env or *.pem, and bosun reads neither.
    cwd: projectRoot,
    // Only what the test gives: no stray WEBHOOK_SECRET or key from the machine running the tests.
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stderr: () => err,
    kill: (signal) => child.kill(signal),
  };
}

describe('bosun serve', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-serve-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start without WEBHOOK_SECRET and says which variables are missing', async () => {
    const child = bosun(['serve'], { APP_ID: '1', PRIVATE_KEY: generateAppKey(), REDIS_URL: redisUrl }, dir);
    expect(await child.exit).toBe(2);
    expect(child.stderr()).toMatch(/missing WEBHOOK_SECRET/);
  });

  it('--with-worker serves health and readiness, then shuts down on SIGTERM with exit code 0', async () => {
    const key = generateAppKey();
    const child = bosun(['serve', '--with-worker'], {
      APP_ID: '1',
      PRIVATE_KEY: key,
      WEBHOOK_SECRET: randomUUID(),
      REDIS_URL: redisUrl,
      PORT: '0',
      BOSUN_DATA_DIR: join(dir, 'data'),
    }, dir);
    try {
      let url: string | undefined;
      for (let i = 0; i < 300 && !url; i++) {
        url = /"url":"(http:\/\/[^"]+)"/.exec(child.stderr())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, child.stderr()).toBeDefined();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(child.stderr()).not.toContain(key.split('\n')[1]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await child.exit).toBe(0);
    expect(child.stderr()).toMatch(/"msg":"stopped"/);
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
    const child = bosun(['worker'], {
      APP_ID: '1',
      PRIVATE_KEY: generateAppKey(),
      WEBHOOK_SECRET: randomUUID(),
      REDIS_URL: redisUrl,
      BOSUN_METRICS_PORT: '0',
      BOSUN_DATA_DIR: join(dir, 'data'),
    }, dir);
    try {
      let url: string | undefined;
      for (let i = 0; i < 300 && !url; i++) {
        url = /"msg":"serving[^"]*","url":"(http:\/\/[^"]+)"/.exec(child.stderr())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, child.stderr()).toBeDefined();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('bosun_job_duration_seconds');
      expect(metrics).toContain('process_cpu_seconds_total');
      // Webhooks are bosun serve's: a worker does not take them.
      expect((await fetch(`${url}/api/github/webhooks`, { method: 'POST' })).status).toBe(405);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await child.exit).toBe(0);
  });
});
