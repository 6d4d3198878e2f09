// Webhooks on a laptop: GitHub delivers to a relay channel (here a local relay speaking smee.io's
// protocol), `bosun serve` with WEBHOOK_PROXY_URL follows it and forwards each delivery into its own
// webhook endpoint — where the signature is checked as for a direct delivery.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookProxy } from '../../src/server/webhook-proxy.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startWebhookRelay, type WebhookRelay } from '../support/webhook-relay.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';

const owner = 'acme';
const name = 'gitops';

describe('WEBHOOK_PROXY_URL: webhooks through a relay channel', () => {
  let relay: WebhookRelay;
  let h: Harness;
  let git: GitRepoBuilder;
  let channel: string;
  let head: string;
  const s = scenario(owner, name, () => h);

  beforeAll(async () => {
    relay = await startWebhookRelay();
    channel = `${relay.url}/bosun-laptop`;
    git = await makeGitRepo();
    await git.write('clusters/staging/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  LOG_LEVEL: info\n');
    await git.commit('staging settings');
    await git.branch('debug-logs');
    await git.checkout('debug-logs');
    await git.write('clusters/staging/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  LOG_LEVEL: debug\n');
    head = await git.commit('debug logs in staging');
    await git.checkout('main');
    // bosun configured as an operator would on a laptop: the relay channel in WEBHOOK_PROXY_URL.
    h = await startHarness({ env: { WEBHOOK_PROXY_URL: channel } });
    await h.gh.addRepo({ owner, name, gitDir: git.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'debug-logs', sha: head }, base: { ref: 'main' }, user: 'alice' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await relay?.close();
    if (git) await rm(git.dir, { recursive: true, force: true });
  });

  it('bosun serve follows the channel: a pull request delivered to the relay gets its check run and comment', async () => {
    expect(relay.followers('bosun-laptop')).toBe(1);
    const payload = await s.pullRequestPayload(1, 'opened');
    // GitHub posts to the App's webhook URL, which is the channel; the relay answers, not bosun.
    const delivery = await h.gh.webhook('pull_request', payload, { url: channel, secret: h.secret, appId: h.gh.appId });
    expect(delivery.response).toBe('ok');

    const run = await s.completedRun(head, 'bosun / staging');
    expect(run.conclusion).toBe('success');
    expect(String((run.output as Json).summary)).toMatch(/^\+\s+LOG_LEVEL: debug$/m);
    const comment = await waitFor('the plan comment', () => s.planComment(1) || undefined);
    expect(comment).toContain('staging');
    expect(h.gh.problems()).toEqual([]);
  });

  it('a delivery with a forged signature sent to the channel is refused by bosun\'s verified endpoint and queues nothing', async () => {
    const lines: string[] = [];
    let seen!: (line: string) => void;
    const refused = new Promise<string>((resolve) => { seen = resolve; });
    const log = {
      info: (_: object, message: string) => {
        lines.push(message);
        if (/POST \S+ - \d{3}$/.test(message)) seen(message);
      },
      warn: (_: object, message: string) => { lines.push(message); },
    };
    // A second follower of the same channel with a log we can read: the same code bosun serve runs.
    const proxy = await startWebhookProxy({ source: channel, target: h.bot.server!.webhookUrl, log });
    try {
      const before = await h.jobCount('bosun-plan');
      const payload = await s.pullRequestPayload(1, 'synchronize');
      await h.gh.webhook('pull_request', payload, { url: channel, secret: 'not-the-apps-secret', appId: h.gh.appId });
      expect(await refused).toMatch(/ - 400$/);
      expect(await h.jobCount('bosun-plan')).toBe(before);
      expect(lines.join('\n')).not.toContain('not-the-apps-secret');
    } finally {
      await proxy.close();
    }
  });

  it('a channel that cannot be followed stops bosun serve at start with WEBHOOK_PROXY_URL named', async () => {
    await expect(startWebhookProxy({ source: `${relay.url}/no-such-channel!`, target: 'http://127.0.0.1:9/hook', log: { info: () => undefined, warn: () => undefined }, connectTimeoutMs: 5_000 }))
      .rejects.toThrow(/^WEBHOOK_PROXY_URL: cannot follow the relay channel .*no-such-channel/);
  });
});
