import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks, createNodeMiddleware } from '@octokit/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standinWithRepo, type Fixture } from './fixture.ts';

describe('GitHub stand-in webhook deliveries', () => {
  let f: Fixture;
  let server: Server;
  let url = '';
  const secret = 'whsec-for-tests';
  const received: Array<{ name: string; id: string; action?: string; repo?: string; installation?: number; pr?: number }> = [];

  beforeAll(async () => {
    f = await standinWithRepo();
    await f.gh.addPullRequest({ owner: 'acme', repo: 'gitops', number: 7, head: { ref: 'feature', sha: f.head }, base: { ref: 'main' }, user: 'alice' });
    const webhooks = new Webhooks({ secret });
    webhooks.onAny(({ id, name, payload }) => {
      const p = payload as { action?: string; repository?: { full_name?: string }; installation?: { id?: number }; pull_request?: { number?: number } };
      received.push({ name, id, action: p.action, repo: p.repository?.full_name, installation: p.installation?.id, pr: p.pull_request?.number });
    });
    // @octokit/webhooks' own middleware: it verifies X-Hub-Signature-256 before emitting.
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    server = createServer(createNodeMiddleware(webhooks, { path: '/hooks', log: quiet }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await f?.close();
  });

  it('signs deliveries so that @octokit/webhooks verifies them', async () => {
    const payload = f.gh.examplePayload('pull_request', 'opened', f.gh.repoPayload('acme', 'gitops'), { pull_request: await f.gh.pullPayload('acme', 'gitops', 7), number: 7 });
    const delivery = await f.gh.webhook('pull_request', payload, { secret, url, deliveryId: 'delivery-1' });
    expect(delivery.status).toBe(200);
    expect(await new Webhooks({ secret }).verify(delivery.body, delivery.signature256)).toBe(true);
    expect(received.at(-1)).toEqual({ name: 'pull_request', id: 'delivery-1', action: 'opened', repo: 'acme/gitops', installation: f.info.installationId, pr: 7 });
  });

  it('produces deliveries a receiver with another secret rejects', async () => {
    const before = received.length;
    const payload = f.gh.examplePayload('push', undefined, f.gh.repoPayload('acme', 'gitops'));
    const delivery = await f.gh.webhook('push', payload, { secret: 'not-the-secret', url });
    expect(delivery.status).toBeGreaterThanOrEqual(400);
    expect(received.length).toBe(before);
  });

  it('builds payloads from GitHub’s examples with the test’s fields deep-merged', async () => {
    const comment = f.gh.addComment({ owner: 'acme', repo: 'gitops', issue: 7, user: 'alice', body: '/bosun apply staging' });
    const payload = f.gh.examplePayload('issue_comment', 'created', f.gh.repoPayload('acme', 'gitops'), {
      issue: f.gh.issuePayload('acme', 'gitops', 7),
      comment,
      sender: { login: 'alice' },
    });
    const issue = payload.issue as { number: number; pull_request?: { url: string } };
    const sender = payload.sender as { login: string; id: number; type: string };
    expect(issue.number).toBe(7);
    expect(issue.pull_request?.url).toBe(`${f.gh.apiUrl}/repos/acme/gitops/pulls/7`);
    expect((payload.comment as { body: string }).body).toBe('/bosun apply staging');
    // Fields the override did not name keep the example's values.
    expect([sender.login, typeof sender.id, sender.type]).toEqual(['alice', 'number', 'User']);
    expect((payload.repository as { clone_url: string }).clone_url).toBe(f.info.cloneUrl);
    expect(() => f.gh.examplePayload('pull_request', 'no-such-action')).toThrow(/examples exist for: .*opened/);
  });

  it('describes a push with the real commits and files between before and after', async () => {
    await f.repo.write('clusters/staging/extra.yaml', 'kind: ConfigMap\n');
    await f.repo.remove('clusters/staging/app.yaml');
    const after = await f.repo.commit('replace app with extra');
    const payload = f.gh.examplePayload('push', undefined, f.gh.repoPayload('acme', 'gitops'), await f.gh.pushPayload('acme', 'gitops', { before: f.base, after }));
    expect([payload.ref, payload.before, payload.after, payload.created]).toEqual(['refs/heads/main', f.base, after, false]);
    const commits = payload.commits as Array<{ id: string; message: string; added: string[]; removed: string[] }>;
    expect(commits.map((c) => [c.id, c.message, c.added, c.removed])).toEqual([[after, 'replace app with extra', ['clusters/staging/extra.yaml'], ['clusters/staging/app.yaml']]]);
    expect((payload.head_commit as { id: string }).id).toBe(after);
    const delivery = await f.gh.webhook('push', payload, { secret, url });
    expect(delivery.status).toBe(200);
    expect(received.at(-1)).toMatchObject({ name: 'push', repo: 'acme/gitops', installation: f.info.installationId });
  });

  it('describes a check run with its suite and pull requests for check_run events', async () => {
    const run = await f.octokit.rest.checks.create({ owner: 'acme', repo: 'gitops', name: 'bosun / staging', head_sha: f.head, status: 'completed', conclusion: 'failure' });
    const payload = f.gh.examplePayload('check_run', 'rerequested', f.gh.repoPayload('acme', 'gitops'), { check_run: f.gh.checkRunPayload(run.data.id) });
    const checkRun = payload.check_run as { id: number; head_sha: string; check_suite: { head_sha: string; head_branch: string; pull_requests: Array<{ number: number }> } };
    expect([checkRun.id, checkRun.head_sha, checkRun.check_suite.head_sha, checkRun.check_suite.head_branch]).toEqual([run.data.id, f.head, f.head, 'feature']);
    expect(checkRun.check_suite.pull_requests.map((p) => p.number)).toEqual([7]);
  });
});
