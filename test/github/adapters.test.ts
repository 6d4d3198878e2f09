import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  addReaction,
  completeCheckRun,
  createCheckRun,
  createDeployment,
  ensureStickyComment,
  findCheckRun,
  findJobDeployment,
  getPermission,
  graphqlRoute,
  minimizeComment,
  setDeploymentStatus,
  updateCheckRun,
  withRetries,
  type RetryWait,
} from '../../src/github/index.ts';
import type { ValidationFinding } from '../../src/model/validation.ts';
import { appliedBlockStart, renderAppliedBlock, updateAppliedBlock } from '../../src/github/applied-lines.ts';
import { standinWithRepo, type StandinRepo } from './standin-setup.ts';

let env: StandinRepo;
let seq = 0;

beforeAll(async () => {
  env = await standinWithRepo();
});
afterAll(async () => {
  await env?.close();
});
let checked = 0;
afterEach(() => {
  // Every request bosun sent must match GitHub's OpenAPI description, and hit an operation the stand-in
  // implements. (Problems with the stand-in's own answers are its business, not these tests'.)
  const fresh = env.standin.requests.slice(checked);
  checked = env.standin.requests.length;
  expect(fresh.filter((r) => (r.rejected?.length ?? 0) > 0 || r.status >= 500).map((r) => `${r.method} ${r.path}: ${JSON.stringify(r.rejected ?? r.status)}`)).toEqual([]);
});

function newIssue(): number {
  const issue = env.standin.addIssue({ owner: env.owner, repo: env.repo, title: `issue ${++seq}`, user: 'alice' });
  return issue.number as number;
}

function requestsSince(start: number): Array<{ method: string; path: string; query: string }> {
  return env.standin.requests.slice(start).map((r) => ({ method: r.method, path: r.path, query: r.query }));
}

describe('ensureStickyComment', () => {
  it('creates the comment once, leaves it alone while the body is the same and edits it when it changes', async () => {
    const issue = newIssue();
    const args = { owner: env.owner, repo: env.repo, issue, marker: 'plan', body: '## plan\n\n+1 ~0 −0', author: env.standin.botLogin };
    const created = await ensureStickyComment(env.octokit, args);
    expect(created.action).toBe('created');

    const before = env.standin.requests.length;
    const unchanged = await ensureStickyComment(env.octokit, args);
    expect(unchanged).toMatchObject({ action: 'unchanged', id: created.id });
    expect(requestsSince(before).filter((r) => r.method !== 'GET')).toEqual([]);

    const updated = await ensureStickyComment(env.octokit, { ...args, body: '## plan\n\n+2 ~0 −0' });
    expect(updated).toMatchObject({ action: 'updated', id: created.id, url: created.url });
    const comments = env.standin.comments(env.owner, env.repo, issue);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toBe('<!-- bosun:plan -->\n## plan\n\n+2 ~0 −0');
    expect((comments[0].user as { login: string }).login).toBe(env.standin.botLogin);
  });

  it('finds its comment past the first page and never edits a user comment that quotes or copies the marker', async () => {
    const issue = newIssue();
    const args = { owner: env.owner, repo: env.repo, issue, marker: 'plan', author: env.standin.botLogin };
    const first = await ensureStickyComment(env.octokit, { ...args, body: 'v1' });
    env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'mallory', body: '<!-- bosun:plan -->\ncopied marker' });
    env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'bob', body: '> <!-- bosun:plan -->\n> v1\n\nwhy?' });
    for (let i = 0; i < 120; i++) env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'bob', body: `chatter ${i}` });

    const before = env.standin.requests.length;
    const again = await ensureStickyComment(env.octokit, { ...args, body: 'v2' });
    expect(again).toMatchObject({ action: 'updated', id: first.id, duplicates: [] });
    expect(requestsSince(before).filter((r) => r.method === 'GET').map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['1', '2']);
    const bodies = env.standin.comments(env.owner, env.repo, issue).map((c) => c.body);
    expect(bodies.slice(0, 3)).toEqual(['<!-- bosun:plan -->\nv2', '<!-- bosun:plan -->\ncopied marker', '> <!-- bosun:plan -->\n> v1\n\nwhy?']);
  });

  it('without an author, counts only bot comments, so a person posting the marker first is not edited', async () => {
    const issue = newIssue();
    env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'mallory', body: '<!-- bosun:plan -->\nplanted' });
    const result = await ensureStickyComment(env.octokit, { owner: env.owner, repo: env.repo, issue, marker: 'plan', body: 'real' });
    expect(result.action).toBe('created');
    expect(env.standin.comments(env.owner, env.repo, issue).map((c) => c.body)).toEqual(['<!-- bosun:plan -->\nplanted', '<!-- bosun:plan -->\nreal']);
  });

  it('keeps separate comments per marker and deletes later duplicates of one', async () => {
    const issue = newIssue();
    const base = { owner: env.owner, repo: env.repo, issue, author: env.standin.botLogin };
    const plan = await ensureStickyComment(env.octokit, { ...base, marker: 'plan', body: 'plan' });
    const locks = await ensureStickyComment(env.octokit, { ...base, marker: 'locks', body: 'locks' });
    expect(locks.id).not.toBe(plan.id);
    // A second worker that raced the first created its own copy.
    const copy = await env.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: env.owner, repo: env.repo, issue_number: issue, body: '<!-- bosun:plan -->\nplan' });
    const again = await ensureStickyComment(env.octokit, { ...base, marker: 'plan', body: 'plan' });
    expect(again.id).toBe(plan.id);
    expect(again).toMatchObject({ deleted: [Number(copy.data.id)], duplicates: [] });
    expect(env.standin.comments(env.owner, env.repo, issue).map((c) => c.id)).toEqual([plan.id, locks.id]);
  });

  it('adds a merge\'s applied lines without replacing a plan report posted while it looked', async () => {
    const issue = newIssue();
    const author = env.standin.botLogin;
    const plan = () => ensureStickyComment(env.octokit, { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, body: '## Plan\n\nstaging: +1 ~0 −0' });
    // The plan job posts its report right after the merge's apply first listed the PR's comments (and found none).
    let listed = 0;
    const racing = Object.assign(Object.create(env.octokit) as object, {
      request: async (route: string, params?: object) => {
        const res = await (env.octokit.request as (r: string, p?: object) => Promise<unknown>)(route, params);
        if (route.startsWith('GET ') && route.includes('/comments') && ++listed === 1) await plan();
        return res;
      },
    }) as typeof env.octokit;
    const block = renderAppliedBlock([{ env: 'staging', sha: env.sha, ok: true, state: 'applied', at: Date.parse('2026-12-06T06:00:00Z') }]);
    await updateAppliedBlock(racing, { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, block });
    // Nothing the plan wrote is lost, and the copy the apply created meanwhile is folded into the plan's comment.
    const bodies = env.standin.comments(env.owner, env.repo, issue).map((c) => String(c.body));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toContain('staging: +1 ~0 −0');
    expect(bodies[0]).toContain(appliedBlockStart);
  });

  it('refuses a body over 65,536 characters before sending anything', async () => {
    const issue = newIssue();
    const before = env.standin.requests.length;
    await expect(ensureStickyComment(env.octokit, { owner: env.owner, repo: env.repo, issue, marker: 'plan', body: 'x'.repeat(65_530) })).rejects.toThrow(
      /is 65550 characters \(marker included\); GitHub allows 65536\. Split the report/,
    );
    expect(env.standin.requests.length).toBe(before);
  });
});

describe('check runs', () => {
  const findings = (n: number): ValidationFinding[] =>
    Array.from({ length: n }, (_, i) => ({
      severity: i % 2 === 0 ? 'error' : 'warning',
      file: 'clusters/staging/web.yaml',
      line: i + 1,
      object: `v1 ConfigMap default/web-${i}`,
      path: '/data',
      message: `problem ${i}`,
    }));

  it('completes with the conclusion and sends 120 annotations in batches of 50, keeping summary and text', async () => {
    const run = await createCheckRun(env.octokit, { owner: env.owner, repo: env.repo, name: 'bosun / staging', headSha: env.sha, externalId: 'plan-1' });
    await updateCheckRun(env.octokit, { owner: env.owner, repo: env.repo, checkRunId: run.id, title: 'Rendering', summary: 'rendered 1 of 2 environments' });
    const before = env.standin.requests.length;
    const orphan: ValidationFinding = { severity: 'error', object: 'v1 ConfigMap x', path: '/', message: 'no source file' };
    const done = await completeCheckRun(env.octokit, {
      owner: env.owner,
      repo: env.repo,
      checkRunId: run.id,
      conclusion: 'failure',
      title: '60 errors, 60 warnings',
      summary: 'summary text',
      text: 'full detail',
      annotations: [...findings(120), orphan],
    });
    expect(done).toMatchObject({ id: run.id, annotationsSent: 120, requests: 3, unplaced: [orphan] });
    expect(requestsSince(before).map((r) => r.method)).toEqual(['PATCH', 'PATCH', 'PATCH']);

    const annotations = env.standin.annotations(run.id);
    expect(annotations).toHaveLength(120);
    expect(annotations.map((a) => a.message)).toEqual(findings(120).map((f) => `/data: ${f.message}`));
    expect(annotations[0]).toMatchObject({ path: 'clusters/staging/web.yaml', start_line: 1, end_line: 1, annotation_level: 'failure', title: 'v1 ConfigMap default/web-0' });
    expect(annotations[1]).toMatchObject({ annotation_level: 'warning' });

    const [stored] = env.standin.checkRuns(env.owner, env.repo, env.sha).filter((r) => r.id === run.id);
    expect(stored).toMatchObject({ status: 'completed', conclusion: 'failure', external_id: 'plan-1', output: { title: '60 errors, 60 warnings', summary: 'summary text', text: 'full detail' } });
  });

  it('annotates at most 500 findings (ten requests) and says in the summary how many more there are', async () => {
    const run = await createCheckRun(env.octokit, { owner: env.owner, repo: env.repo, name: 'bosun / many', headSha: env.sha });
    const before = env.standin.requests.length;
    const done = await completeCheckRun(env.octokit, { owner: env.owner, repo: env.repo, checkRunId: run.id, conclusion: 'failure', title: 'many', summary: 'summary text', annotations: findings(1_234) });
    expect(done).toMatchObject({ annotationsSent: 500, notAnnotated: 734, requests: 10 });
    expect(requestsSince(before)).toHaveLength(10);
    expect(env.standin.annotations(run.id)).toHaveLength(500);
    const [stored] = env.standin.checkRuns(env.owner, env.repo, env.sha).filter((r) => r.id === run.id);
    expect((stored.output as { summary: string }).summary).toBe('summary text\n\n734 more finding(s) are not annotated on the files (bosun annotates at most 500 per check run); the report lists them all.');
  });

  it('cuts a summary and text over 65,535 characters and says how much is not shown', async () => {
    const run = await createCheckRun(env.octokit, { owner: env.owner, repo: env.repo, name: 'bosun / big', headSha: env.sha });
    const long = Array.from({ length: 4_000 }, (_, i) => `line ${i} ${'z'.repeat(20)}`).join('\n');
    const done = await completeCheckRun(env.octokit, { owner: env.owner, repo: env.repo, checkRunId: run.id, conclusion: 'success', title: 'big', summary: long, text: long });
    expect(done.omitted.summary).toBeGreaterThan(0);
    expect(done.omitted.text).toBe(done.omitted.summary);
    const [stored] = env.standin.checkRuns(env.owner, env.repo, env.sha).filter((r) => r.id === run.id);
    const output = stored.output as { summary: string; text: string };
    expect(output.summary.length).toBeLessThanOrEqual(65_535);
    expect(output.summary).toContain(`${done.omitted.summary.toLocaleString('en-US')} characters not shown`);
    expect(output.text).toBe(output.summary);
  });

  it('finds the latest check run of a name on a commit', async () => {
    await createCheckRun(env.octokit, { owner: env.owner, repo: env.repo, name: 'bosun / find', headSha: env.sha });
    const second = await createCheckRun(env.octokit, { owner: env.owner, repo: env.repo, name: 'bosun / find', headSha: env.sha, externalId: 'second' });
    const found = await findCheckRun(env.octokit, env.owner, env.repo, env.sha, 'bosun / find');
    expect(found).toMatchObject({ id: second.id, externalId: 'second', status: 'in_progress', headSha: env.sha });
    expect(await findCheckRun(env.octokit, env.owner, env.repo, env.sha, 'bosun / nothing')).toBeUndefined();
  });

  it('refuses an action button label longer than GitHub allows, naming the field', async () => {
    await expect(
      completeCheckRun(env.octokit, {
        owner: env.owner,
        repo: env.repo,
        checkRunId: 1,
        conclusion: 'neutral',
        title: 't',
        summary: 's',
        actions: [{ label: 'Apply to production now', description: 'd', identifier: 'apply' }],
      }),
    ).rejects.toMatchObject({ field: 'actions[0].label' });
  });
});

describe('reactions, permissions, deployments, minimizing', () => {
  it('reacts to a command comment, and reacting again changes nothing', async () => {
    const issue = newIssue();
    const comment = env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'alice', body: '/bosun plan' });
    const first = await addReaction(env.octokit, env.owner, env.repo, comment.id as number, 'eyes');
    const again = await addReaction(env.octokit, env.owner, env.repo, comment.id as number, 'eyes');
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect(env.standin.reactions(comment.id as number).map((r) => [r.content, (r.user as { login: string }).login])).toEqual([['eyes', env.standin.botLogin]]);
  });

  it('reads fine-grained permission levels and gives none to strangers', async () => {
    env.standin.setPermission(env.owner, env.repo, 'maya', 'maintain');
    env.standin.setPermission(env.owner, env.repo, 'tria', 'triage');
    env.standin.setPermission(env.owner, env.repo, 'wren', 'write');
    expect(await getPermission(env.octokit, env.owner, env.repo, 'maya')).toBe('maintain');
    expect(await getPermission(env.octokit, env.owner, env.repo, 'tria')).toBe('triage');
    expect(await getPermission(env.octokit, env.owner, env.repo, 'wren')).toBe('write');
    expect(await getPermission(env.octokit, env.owner, env.repo, 'stranger')).toBe('none');
  });

  it('records a deployment with bosun ids and a status whose description is cut to 140 characters', async () => {
    const deployment = await createDeployment(env.octokit, {
      owner: env.owner,
      repo: env.repo,
      ref: env.sha,
      environment: 'staging',
      production: false,
      transient: false,
      payload: { job: 'apply-42', plan: 'sha256-abc', pr: 7 },
    });
    const status = await setDeploymentStatus(env.octokit, {
      owner: env.owner,
      repo: env.repo,
      deploymentId: deployment.id,
      state: 'success',
      description: `applied ${'many objects '.repeat(30)}`,
      logUrl: 'http://bosun.example/runs/42',
    });
    const [stored] = env.standin.deployments(env.owner, env.repo).filter((d) => d.id === deployment.id);
    expect(stored).toMatchObject({ environment: 'staging', sha: env.sha, payload: { job: 'apply-42', plan: 'sha256-abc', pr: 7 }, production_environment: false });
    const [s] = env.standin.deploymentStatuses(deployment.id);
    expect(s).toMatchObject({ id: status.id, state: 'success', log_url: 'http://bosun.example/runs/42' });
    expect((s.description as string).length).toBe(140);
  });

  it('finds the deployment an earlier attempt of the same job created, and whether it has statuses', async () => {
    const args = { owner: env.owner, repo: env.repo, sha: env.sha, environment: 'canary' };
    const mine = await createDeployment(env.octokit, { owner: env.owner, repo: env.repo, ref: env.sha, environment: 'canary', payload: { job: 'apply+d1+canary', trigger: 'merge' } });
    await createDeployment(env.octokit, { owner: env.owner, repo: env.repo, ref: env.sha, environment: 'canary', payload: { job: 'apply+d2+canary' } });
    expect(await findJobDeployment(env.octokit, { ...args, jobId: 'apply+d1+canary' })).toEqual({ id: mine.id, hasStatuses: false });
    await setDeploymentStatus(env.octokit, { owner: env.owner, repo: env.repo, deploymentId: mine.id, state: 'in_progress' });
    expect(await findJobDeployment(env.octokit, { ...args, jobId: 'apply+d1+canary' })).toEqual({ id: mine.id, hasStatuses: true, state: 'in_progress' });
    expect(await findJobDeployment(env.octokit, { ...args, jobId: 'apply+other' })).toBeUndefined();
    // With the tag of one queueing of the job: a deployment of another queueing under the same id is not it.
    const tagged = await createDeployment(env.octokit, { owner: env.owner, repo: env.repo, ref: env.sha, environment: 'canary', payload: { job: 'apply+d3+canary', run: 'a1b2c3' } });
    expect(await findJobDeployment(env.octokit, { ...args, jobId: 'apply+d3+canary', run: 'a1b2c3' })).toEqual({ id: tagged.id, hasStatuses: false });
    expect(await findJobDeployment(env.octokit, { ...args, jobId: 'apply+d3+canary', run: 'ffffff' })).toBeUndefined();
  });

  it('refuses a deployment payload that looks like it holds a secret, before sending it', async () => {
    const before = env.standin.requests.length;
    await expect(
      createDeployment(env.octokit, { owner: env.owner, repo: env.repo, ref: env.sha, environment: 'staging', payload: { apiToken: 'abc123' } }),
    ).rejects.toMatchObject({ field: 'payload.apiToken' });
    expect(env.standin.requests.length).toBe(before);
  });

  it('minimizes a superseded comment as outdated through GraphQL', async () => {
    const issue = newIssue();
    const old = await ensureStickyComment(env.octokit, { owner: env.owner, repo: env.repo, issue, marker: 'old-plan', body: 'superseded' });
    expect(await minimizeComment(env.octokit, old.nodeId)).toBe(true);
    const [stored] = env.standin.comments(env.owner, env.repo, issue);
    expect(stored.minimized).toEqual({ is_minimized: true, minimized_reason: 'outdated' });
  });

  it('finds GitHub Enterprise Server\'s GraphQL endpoint (/api/graphql) when the client has no graphql of its own', async () => {
    const issue = newIssue();
    const old = await ensureStickyComment(env.octokit, { owner: env.owner, repo: env.repo, issue, marker: 'old-plan-ghe', body: 'superseded' });
    // The stand-in's REST base is /api/v3, as on GHE: a bare request client must not post to /api/v3/graphql.
    const bare = { request: env.octokit.request.bind(env.octokit) as typeof env.octokit.request };
    Object.assign(bare.request, { endpoint: env.octokit.request.endpoint });
    expect(graphqlRoute(bare)).toBe(`POST ${env.standin.url}/api/graphql`);
    const before = env.standin.requests.length;
    expect(await minimizeComment(bare, old.nodeId)).toBe(true);
    expect(env.standin.requests.slice(before).map((r) => r.path)).toEqual(['/api/graphql']);
  });

  it('explains a failed call: what was attempted, the status and what to do', async () => {
    await expect(getPermission(env.octokit, env.owner, 'no-such-repo', 'alice')).resolves.toBe('none');
    await expect(addReaction(env.octokit, env.owner, 'no-such-repo', 1, 'eyes')).rejects.toThrow(/reacting eyes to comment 1 failed \(HTTP 404\).*not installed/);
  });
});

describe('rate limits', () => {
  it('waits out a secondary rate limit as retry-after says and then succeeds', async () => {
    const issue = newIssue();
    const waits: RetryWait[] = [];
    const slept: number[] = [];
    const gh = withRetries(env.octokit, { onWait: (w) => waits.push(w), sleep: async (ms) => void slept.push(ms) });
    env.standin.simulateRateLimit({ requests: 2, retryAfter: 3 });
    const result = await ensureStickyComment(gh, { owner: env.owner, repo: env.repo, issue, marker: 'plan', body: 'after the limit' });
    expect(result.action).toBe('created');
    expect(waits).toEqual([
      { ms: 3_000, attempt: 1, kind: 'secondary' },
      { ms: 3_000, attempt: 2, kind: 'secondary' },
    ]);
    expect(slept).toEqual([3_000, 3_000]);
    expect(env.standin.comments(env.owner, env.repo, issue)).toHaveLength(1);
  });
});
