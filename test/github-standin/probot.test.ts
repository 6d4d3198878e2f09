import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProbotOctokit, createNodeMiddleware, createProbot, type Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addReaction, completeCheckRun, createCheckRun, ensureStickyComment, getPermission, minimizeComment, type GitHubClient } from '../../src/github/index.ts';
import { standinWithRepo, type Fixture } from './fixture.ts';

const secret = 'probot-webhook-secret';

describe('Probot 14 against the GitHub stand-in (GHE_HOST + GHE_PROTOCOL=http)', () => {
  let f: Fixture;
  let server: Server;
  let hookUrl = '';
  const outcomes: string[] = [];

  beforeAll(async () => {
    f = await standinWithRepo();
    await f.gh.addPullRequest({ owner: 'acme', repo: 'gitops', number: 7, head: { ref: 'feature', sha: f.head }, base: { ref: 'main' }, user: 'alice' });
    f.gh.setPermission('acme', 'gitops', 'alice', 'write');
    const probot: Probot = createProbot({
      env: { APP_ID: String(f.gh.appId), PRIVATE_KEY: f.gh.privateKey, WEBHOOK_SECRET: secret, GHE_HOST: f.gh.gheHost, GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' },
      // Octokit's throttling plugin spaces writes one second apart; the stand-in needs no such care.
      overrides: { Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false } })) },
    });
    // What bosun's command handler does, through bosun's own adapters and Probot's installation client.
    const middleware = await createNodeMiddleware(
      (app) => {
        app.on('issue_comment.created', async (context) => {
          const gh = context.octokit as unknown as GitHubClient;
          const { owner, repo } = context.repo();
          const comment = context.payload.comment;
          const login = comment.user?.login ?? '';
          await addReaction(gh, owner, repo, comment.id, 'eyes');
          const permission = await getPermission(gh, owner, repo, login);
          const first = await ensureStickyComment(gh, { owner, repo, issue: context.payload.issue.number, marker: 'plan', body: `plan by ${login}: ${permission}` });
          const old = await context.octokit.rest.issues.createComment({ owner, repo, issue_number: context.payload.issue.number, body: 'superseded' });
          const hidden = await minimizeComment(gh, old.data.node_id);
          const run = await createCheckRun(gh, { owner, repo, name: 'bosun / staging', headSha: f.head });
          const findings = Array.from({ length: 120 }, (_, i) => ({
            annotation_level: 'warning' as const,
            path: 'clusters/staging/app.yaml',
            start_line: i + 1,
            end_line: i + 1,
            message: `finding ${i}`,
          }));
          const done = await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: 'failure', title: 'plan', summary: 'sum', annotations: findings });
          outcomes.push(`${first.action} ${permission} minimized=${hidden} requests=${done.requests} annotations=${done.annotationsSent}`);
        });
      },
      { probot, webhooksPath: '/api/github/webhooks' },
    );
    server = createServer((req, res) => {
      void middleware(req, res, () => {
        res.writeHead(404);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await f?.close();
  });

  it('receives a signed delivery, authenticates as the installation and writes through REST and GraphQL', async () => {
    const comment = f.gh.addComment({ owner: 'acme', repo: 'gitops', issue: 7, user: 'alice', body: '/bosun plan' });
    const payload = f.gh.examplePayload('issue_comment', 'created', f.gh.repoPayload('acme', 'gitops'), {
      issue: f.gh.issuePayload('acme', 'gitops', 7),
      comment,
      sender: { login: 'alice' },
    });
    const delivery = await f.gh.webhook('issue_comment', payload, { secret, url: hookUrl });
    expect(delivery.status).toBe(200);
    expect(outcomes).toEqual(['created write minimized=true requests=3 annotations=120']);

    expect(f.gh.reactions(comment.id as number).map((r) => [r.content, (r.user as { login: string }).login])).toEqual([['eyes', 'bosun[bot]']]);
    const comments = f.gh.comments('acme', 'gitops', 7);
    expect(comments.map((c) => [c.body, c.minimized])).toEqual([
      ['/bosun plan', null],
      ['<!-- bosun:plan -->\nplan by alice: write', null],
      ['superseded', { is_minimized: true, minimized_reason: 'outdated' }],
    ]);
    const [run] = f.gh.checkRuns('acme', 'gitops', f.head);
    expect([run.status, run.conclusion]).toEqual(['completed', 'failure']);
    expect(f.gh.annotations(run.id as number)).toHaveLength(120);
    const annotationBatches = f.gh.requests
      .filter((r) => r.operationId === 'checks/update')
      .map((r) => ((r.body as { output?: { annotations?: unknown[] } }).output?.annotations ?? []).length);
    expect(annotationBatches).toEqual([50, 50, 20]);
    expect(f.gh.requests.filter((r) => r.kind === 'graphql').map((r) => [r.path, r.status])).toEqual([['/api/graphql', 200]]);
  });

  it('saw no request that GitHub would refuse and gave no answer GitHub would not give', () => {
    expect(f.gh.problems()).toEqual([]);
  });
});
