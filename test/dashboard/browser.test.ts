// The dashboard as a person sees it: Debian's Chromium, driven by playwright-core, against a real bosun
// server with seeded state (see seed.ts). Screenshots land in test-output/ for a human look.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from './chromium.ts';
import { markupEnv, shas, startSeededDashboard, web, type SeededDashboard } from './seed.ts';

const outputDir = resolve('test-output');

// Without the background-networking flags Chromium keeps dialling Google's services, and on a closed
// network those connections are refused or hang. Playwright gives every launch a fresh temporary
// --user-data-dir of its own (and removes it on close).
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the dashboard in a real browser', () => {
  let seeded: SeededDashboard;
  let browser: Browser;
  let signedIn: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const executablePath = ensureChromium((line) => console.log(line));
    seeded = await startSeededDashboard();
    browser = await chromium.launch({ executablePath, args: chromiumArgs, timeout: 30_000 });
    signedIn = await browser.newContext({ httpCredentials: { username: 'ops', password: seeded.token }, viewport: { width: 1400, height: 900 } });
    // The links point at a GitHub Enterprise host that does not exist here: answer for it, so a click
    // shows where it went.
    await signedIn.route(`${web}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>GitHub</title><p>GitHub page</p>' }));
    page = await signedIn.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    await mkdir(outputDir, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await seeded?.close();
  });

  it('shows each environment with its commit, health, drift, pin, lock and the job changing it', async () => {
    const res = await page.goto(`${seeded.server.url}/dashboard`);
    expect(res?.status()).toBe(200);
    const row = (env: string) => page.locator(`tr.env[data-env="${env}"]`);
    await expect.poll(() => page.locator('tr.env').count()).toBe(4);

    const production = row('production');
    const commit = production.locator('td.applied a.commit');
    expect(await commit.textContent()).toBe(shas.production.slice(0, 7));
    expect(await commit.getAttribute('href')).toBe(`${web}/acme/gitops/commit/${shas.production}`);
    expect(await production.locator('td.applied a.check-run').getAttribute('href')).toBe(`${web}/acme/gitops/runs/77`);
    expect(await production.locator('td.health').innerText()).toBe('healthy');
    expect(await production.locator('td.drift').innerText()).toMatch(/^drifted 2 object\(s\)/);
    expect(await production.locator('td.drift a.drift-issue').getAttribute('href')).toBe(`${web}/acme/gitops/issues/31`);
    expect(await production.locator('td.lock').innerText()).toBe('free');

    const staging = row('staging');
    expect(await staging.locator('td.applied a.commit').textContent()).toBe(shas.stagingGood.slice(0, 7));
    expect(await staging.locator('td.applied').innerText()).toContain('last apply failed');
    expect(await staging.locator('td.health').innerText()).toBe('unhealthy');
    expect(await staging.locator('td.pin').innerText()).toMatch(/^pinned at ddddddd/);
    expect(await staging.locator('td.lock a.pr').innerText()).toBe('PR #15');
    expect(await staging.locator('td.lock').innerText()).toContain('by octocat');

    const canary = row('canary');
    expect(await canary.locator('td.applied').innerText()).toBe('never applied');
    expect(await canary.locator('td.lease').innerText()).toContain('busy');
    expect(await canary.locator('td.lease').innerText()).toContain(seeded.canaryJobId);

    const jobs = page.locator('#jobs tr.job');
    expect(await jobs.count()).toBeGreaterThanOrEqual(5);
    for (const result of ['superseded', 'done', 'failed', 'running', 'skipped']) {
      expect(await page.locator(`#jobs tr.job[data-result="${result}"]`).count(), result).toBeGreaterThan(0);
    }
    expect(await page.locator('#jobs tr.job[data-queue="bosun-plan"] td.message').innerText()).toMatch(/^could not fetch https:\/\/x-access-token:\*\*\*/);

    const shot = join(outputDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${shot}`);
  });

  it('shows markup in an environment name as text and runs none of it', async () => {
    await page.goto(`${seeded.server.url}/dashboard`);
    const cell = page.locator('tr.env td.env-name').filter({ hasText: 'window.__pwned' });
    expect(await cell.innerText()).toBe(markupEnv);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('takes a person to the lock holder\'s pull request and to the drift issue on GitHub', async () => {
    await page.goto(`${seeded.server.url}/dashboard`);
    await page.locator('tr.env[data-env="staging"] td.lock a.pr').click();
    await page.waitForURL(`${web}/acme/gitops/pull/15`);
    expect(await page.title()).toBe('GitHub');
    await page.goBack();
    await page.locator('tr.env[data-env="production"] td.drift a.drift-issue').click();
    await page.waitForURL(`${web}/acme/gitops/issues/31`);
  });

  it('opens bull-board from the Queues link, listing the five bosun queues', async () => {
    await page.goto(`${seeded.server.url}/dashboard`);
    await page.locator('#queues-link').click();
    await page.waitForURL(`${seeded.server.url}/dashboard/queues`);
    for (const queue of ['bosun-plan', 'bosun-command', 'bosun-apply', 'bosun-reconcile', 'bosun-push']) {
      await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 15_000 });
    }
    const shot = join(outputDir, 'dashboard-queues.png');
    await page.screenshot({ path: shot });
    console.log(`bull-board screenshot: ${shot}`);
    // bull-board's own scripts ran under the page's content policy; the only thing refused is its CDN font.
    expect(consoleErrors.filter((e) => !/fonts\.googleapis\.com/.test(e))).toEqual([]);
  });

  it('refuses anonymous visitors and wrong tokens: the browser gets a 401 challenge and no dashboard', async () => {
    // A headless browser cannot show its login prompt, so Chromium ends such a navigation with
    // ERR_INVALID_AUTH_CREDENTIALS; what the server answered is seen in the response event.
    const wrong = `${seeded.token.slice(0, -1)}${seeded.token.endsWith('x') ? 'y' : 'x'}`;
    const visitors: Array<[string, Record<string, string>]> = [
      ['anonymous', {}],
      ['a wrong bearer token', { authorization: `Bearer ${wrong}` }],
      ['a wrong basic-auth password', { authorization: `Basic ${Buffer.from(`ops:${wrong}`).toString('base64')}` }],
    ];
    for (const [who, extraHTTPHeaders] of visitors) {
      const context = await browser.newContext({ extraHTTPHeaders });
      const visitor = await context.newPage();
      for (const path of ['/dashboard', '/dashboard/queues', '/dashboard/api/status']) {
        const answered = visitor.waitForEvent('response', { predicate: (r) => r.url() === `${seeded.server.url}${path}`, timeout: 10_000 });
        await expect(visitor.goto(`${seeded.server.url}${path}`), `${path}, ${who}`).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
        const res = await answered;
        expect(res.status(), `${path}, ${who}`).toBe(401);
        expect(res.headers()['www-authenticate']).toBe('Basic realm="bosun", charset="UTF-8"');
        expect(await res.text()).not.toContain('tr class="env"');
      }
      await context.close();
    }
  });

  it('shows the 401 page after a wrong password in the browser\'s login prompt', async () => {
    // Playwright answers the prompt once with these credentials, then cancels it, as a person would.
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 'not-the-dashboard-token' } });
    const visitor = await context.newPage();
    for (const path of ['/dashboard', '/dashboard/queues']) {
      const res = await visitor.goto(`${seeded.server.url}${path}`);
      expect(res?.status(), path).toBe(401);
      expect(await visitor.locator('h1').innerText()).toBe('401: sign in to the bosun dashboard');
      expect(await visitor.locator('tr.env').count()).toBe(0);
    }
    const shot = join(outputDir, 'dashboard-401.png');
    await visitor.screenshot({ path: shot });
    console.log(`refusal screenshot: ${shot}`);
    await context.close();
  });
});
