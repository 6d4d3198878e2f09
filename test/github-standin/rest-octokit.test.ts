import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standinWithRepo, type Fixture } from './fixture.ts';

const repoRef = { owner: 'acme', repo: 'gitops' };

function annotation(i: number) {
  return { path: 'clusters/staging/app.yaml', start_line: i + 1, end_line: i + 1, annotation_level: 'failure' as const, message: `problem ${i}` };
}

function statusOf(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

describe('GitHub stand-in REST API through a real Octokit (App JWT → installation token)', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await standinWithRepo();
    await f.gh.addPullRequest({ ...repoRef, number: 7, head: { ref: 'feature', sha: f.head }, base: { ref: 'main' }, user: 'alice', title: 'Scale up' });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('creates, updates and lists PR comments as the bot, with pagination links', async () => {
    const created = await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 7, body: '<!-- bosun:plan -->\nfirst' });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe('bosun[bot]');
    expect(created.data.user?.type).toBe('Bot');
    expect(created.data.html_url).toBe(`${f.gh.url}/acme/gitops/pull/7#issuecomment-${created.data.id}`);

    const updated = await f.octokit.rest.issues.updateComment({ ...repoRef, comment_id: created.data.id, body: '<!-- bosun:plan -->\nsecond' });
    expect(updated.data.body).toBe('<!-- bosun:plan -->\nsecond');
    expect(f.gh.comments('acme', 'gitops', 7).map((c) => c.body)).toEqual(['<!-- bosun:plan -->\nsecond']);

    for (let i = 0; i < 4; i++) await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 7, body: `extra ${i}` });
    const page1 = await f.octokit.rest.issues.listComments({ ...repoRef, issue_number: 7, per_page: 2 });
    expect(page1.data).toHaveLength(2);
    expect(page1.headers.link).toContain('rel="next"');
    const all = await f.octokit.paginate(f.octokit.rest.issues.listComments, { ...repoRef, issue_number: 7, per_page: 2 });
    expect(all.map((c) => c.body)).toEqual(['<!-- bosun:plan -->\nsecond', 'extra 0', 'extra 1', 'extra 2', 'extra 3']);
  });

  it('refuses a comment over 65,536 characters with 422', async () => {
    const err = await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 7, body: 'x'.repeat(65_537) }).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(422);
  });

  it('answers 201 for a new reaction and 200 when the same reaction exists', async () => {
    const comment = await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 7, body: '/bosun plan' });
    const first = await f.octokit.rest.reactions.createForIssueComment({ ...repoRef, comment_id: comment.data.id, content: 'eyes' });
    const again = await f.octokit.rest.reactions.createForIssueComment({ ...repoRef, comment_id: comment.data.id, content: 'eyes' });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.data.id).toBe(first.data.id);
    expect(f.gh.reactions(comment.data.id).map((r) => r.content)).toEqual(['eyes']);
  });

  it('appends annotations across check run updates and refuses 51 in one request', async () => {
    const run = await f.octokit.rest.checks.create({ ...repoRef, name: 'bosun / staging', head_sha: f.head, status: 'in_progress' });
    expect(run.data.pull_requests.map((p) => p.number)).toEqual([7]);
    const first = Array.from({ length: 50 }, (_, i) => annotation(i));
    const second = Array.from({ length: 50 }, (_, i) => annotation(50 + i));
    await f.octokit.rest.checks.update({ ...repoRef, check_run_id: run.data.id, output: { title: 'plan', summary: 'part 1', annotations: first } });
    const done = await f.octokit.rest.checks.update({
      ...repoRef,
      check_run_id: run.data.id,
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'plan', summary: 'part 2', annotations: second },
    });
    expect(done.data.output.annotations_count).toBe(100);
    expect(f.gh.annotations(run.data.id).map((a) => a.message)).toEqual([...first, ...second].map((a) => a.message));

    const tooMany = Array.from({ length: 51 }, (_, i) => annotation(i));
    const err = await f.octokit.rest.checks.update({ ...repoRef, check_run_id: run.data.id, output: { title: 'plan', summary: 'x', annotations: tooMany } }).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(422);
    expect(f.gh.annotations(run.data.id)).toHaveLength(100);

    const listed = await f.octokit.rest.checks.listForRef({ ...repoRef, ref: 'feature', check_name: 'bosun / staging' });
    expect(listed.data.check_runs.map((r) => [r.id, r.conclusion])).toEqual([[run.data.id, 'failure']]);
  });

  it('refuses check run summaries over 65,535 characters and completion without a conclusion', async () => {
    const long = await f.octokit.rest.checks
      .create({ ...repoRef, name: 'long', head_sha: f.head, output: { title: 't', summary: 's'.repeat(65_536) } })
      .catch((e: unknown) => e);
    expect(statusOf(long)).toBe(422);
    const noConclusion = await f.octokit.rest.checks.create({ ...repoRef, name: 'done', head_sha: f.head, status: 'completed' }).catch((e: unknown) => e);
    expect(statusOf(noConclusion)).toBe(422);
    expect(f.gh.checkRuns('acme', 'gitops').map((r) => r.name)).not.toContain('long');
  });

  it('rejects a body that does not match GitHub’s schema with 422 and records it', async () => {
    const before = f.gh.problems().length;
    type Refusal = { status: number; response: { data: { message: string; errors: Array<{ field: string }>; documentation_url: string } } };
    // Sent as raw JSON: Octokit's types would not even let `status: 'bogus'` compile.
    const bad = { name: 'bad', head_sha: f.head, status: 'bogus' } as unknown as { name: string; head_sha: string };
    const err = (await f.octokit.request('POST /repos/{owner}/{repo}/check-runs', { ...repoRef, ...bad }).catch((e: unknown) => e)) as Refusal;
    expect(err.status).toBe(422);
    const data = err.response.data;
    expect(data.message).toContain('"bogus" is not one of');
    expect(data.errors.map((e) => e.field)).toEqual(['status']);
    expect(data.documentation_url).toContain('docs.github.com');
    const recorded = f.gh.problems().slice(before);
    expect(recorded.map((r) => [r.operationId, r.status, r.rejected?.[0]?.field])).toEqual([['checks/create', 422, 'status']]);
  });

  it('answers 404 for a path GitHub does not have and 501 naming an operation it does not implement', async () => {
    const unknown = await f.octokit.request('GET /repos/{owner}/{repo}/no-such-thing', repoRef).catch((e: unknown) => e);
    expect(statusOf(unknown)).toBe(404);
    const gap = await f.octokit.rest.repos.listBranches(repoRef).catch((e: unknown) => e as Error);
    expect(statusOf(gap)).toBe(501);
    expect((gap as Error).message).toContain('repos/list-branches');
  });

  it('creates a deployment with statuses and refuses a status description over 140 characters', async () => {
    const dep = await f.octokit.rest.repos.createDeployment({ ...repoRef, ref: f.base, environment: 'staging', auto_merge: false, required_contexts: [], payload: { job: 'apply-1' } });
    expect(dep.status).toBe(201);
    const id = (dep.data as { id: number }).id;
    await f.octokit.rest.repos.createDeploymentStatus({ ...repoRef, deployment_id: id, state: 'in_progress', description: 'applying' });
    await f.octokit.rest.repos.createDeploymentStatus({ ...repoRef, deployment_id: id, state: 'success', description: 'applied 3 objects' });
    const err = await f.octokit.rest.repos.createDeploymentStatus({ ...repoRef, deployment_id: id, state: 'failure', description: 'd'.repeat(141) }).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(422);
    expect(f.gh.deployments('acme', 'gitops').map((d) => [d.environment, d.sha, d.payload])).toEqual([['staging', f.base, { job: 'apply-1' }]]);
    expect(f.gh.deploymentStatuses(id).map((s) => s.state)).toEqual(['in_progress', 'success']);
    const listed = await f.octokit.rest.repos.listDeploymentStatuses({ ...repoRef, deployment_id: id });
    expect(listed.data.map((s) => s.state)).toEqual(['success', 'in_progress']);
  });

  it('reports collaborator permissions with the fine-grained role', async () => {
    f.gh.setPermission('acme', 'gitops', 'maintainer-mo', 'maintain');
    const mo = await f.octokit.rest.repos.getCollaboratorPermissionLevel({ ...repoRef, username: 'maintainer-mo' });
    expect([mo.data.permission, mo.data.role_name, mo.data.user?.login]).toEqual(['write', 'maintain', 'maintainer-mo']);
    const stranger = await f.octokit.rest.repos.getCollaboratorPermissionLevel({ ...repoRef, username: 'stranger' });
    expect(stranger.data.permission).toBe('none');
  });

  it('serves pull requests with merge state and reviews, and opens new ones from real branches', async () => {
    f.gh.addReview({ ...repoRef, number: 7, user: 'bob', state: 'APPROVED' });
    const pr = await f.octokit.rest.pulls.get({ ...repoRef, pull_number: 7 });
    expect([pr.data.head.sha, pr.data.base.ref, pr.data.mergeable, pr.data.mergeable_state, pr.data.changed_files]).toEqual([f.head, 'main', true, 'clean', 1]);
    const reviews = await f.octokit.rest.pulls.listReviews({ ...repoRef, pull_number: 7 });
    expect(reviews.data.map((r) => [r.user?.login, r.state, r.commit_id])).toEqual([['bob', 'APPROVED', f.head]]);

    await f.repo.git('branch', 'revert-1', f.base);
    await f.repo.checkout('revert-1');
    await f.repo.write('clusters/staging/extra.yaml', 'kind: ConfigMap\n');
    await f.repo.commit('revert');
    await f.repo.checkout('main');
    const opened = await f.octokit.rest.pulls.create({ ...repoRef, head: 'revert-1', base: 'main', title: 'Revert' });
    expect(opened.status).toBe(201);
    expect(opened.data.user?.login).toBe('bosun[bot]');
    const dup = await f.octokit.rest.pulls.create({ ...repoRef, head: 'revert-1', base: 'main', title: 'Revert again' }).catch((e: unknown) => e);
    expect(statusOf(dup)).toBe(422);
    const open = await f.octokit.rest.pulls.list({ ...repoRef, state: 'open' });
    expect(open.data.map((p) => p.number).sort()).toEqual([7, opened.data.number].sort());
  });

  it('creates, filters and closes issues', async () => {
    const drift = await f.octokit.rest.issues.create({ ...repoRef, title: 'Drift in staging', labels: ['bosun-drift'] });
    await f.octokit.rest.issues.create({ ...repoRef, title: 'Unrelated' });
    const labelled = await f.octokit.rest.issues.listForRepo({ ...repoRef, labels: 'bosun-drift' });
    expect(labelled.data.map((i) => i.title)).toEqual(['Drift in staging']);
    await f.octokit.rest.issues.update({ ...repoRef, issue_number: drift.data.number, state: 'closed' });
    const closed = await f.octokit.rest.issues.listForRepo({ ...repoRef, state: 'closed', labels: 'bosun-drift' });
    expect(closed.data.map((i) => i.number)).toEqual([drift.data.number]);
    expect(f.gh.issues('acme', 'gitops', { state: 'open' }).map((i) => i.title)).toEqual(['Unrelated']);
  });

  it('creates, reads, moves and refuses non-fast-forward updates of git refs in the real repository', async () => {
    const created = await f.octokit.rest.git.createRef({ ...repoRef, ref: 'refs/heads/bosun/revert', sha: f.base });
    expect(created.data.object.sha).toBe(f.base);
    expect((await f.repo.revParse('refs/heads/bosun/revert')).trim()).toBe(f.base);
    const moved = await f.octokit.rest.git.updateRef({ ...repoRef, ref: 'heads/bosun/revert', sha: f.head });
    expect(moved.data.object.sha).toBe(f.head);
    const back = await f.octokit.rest.git.updateRef({ ...repoRef, ref: 'heads/bosun/revert', sha: f.base }).catch((e: unknown) => e);
    expect(statusOf(back)).toBe(422);
    const read = await f.octokit.rest.git.getRef({ ...repoRef, ref: 'heads/bosun/revert' });
    expect(read.data.object.sha).toBe(f.head);
    const repo = await f.octokit.rest.repos.get(repoRef);
    expect(repo.data.default_branch).toBe('main');
  });

  it('reads files and folders at a ref from the real repository', async () => {
    const file = await f.octokit.rest.repos.getContent({ ...repoRef, path: 'clusters/staging/app.yaml', ref: 'feature' });
    const data = file.data as { type: string; content: string; encoding: string };
    expect([data.type, data.encoding]).toEqual(['file', 'base64']);
    expect(Buffer.from(data.content, 'base64').toString('utf8')).toContain('replicas: "2"');
    const dir = await f.octokit.rest.repos.getContent({ ...repoRef, path: 'clusters' });
    expect((dir.data as Array<{ name: string; type: string }>).map((e) => [e.name, e.type])).toEqual([['staging', 'dir']]);
    const missing = await f.octokit.rest.repos.getContent({ ...repoRef, path: 'nope.yaml' }).catch((e: unknown) => e);
    expect(statusOf(missing)).toBe(404);
  });

  it('answers every request above with bodies that match GitHub’s documented response schemas', () => {
    const mismatched = f.gh.requests.filter((r) => r.responseProblems);
    expect(mismatched).toEqual([]);
  });
});
