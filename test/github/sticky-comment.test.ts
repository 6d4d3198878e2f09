// One sticky comment per pull request and marker, whatever GitHub and other jobs do meanwhile: a create
// GitHub carried out but answered 502 (it can; the client cannot tell), two jobs creating at once, copies
// left by an earlier run, a delete that fails or finds the copy gone. Real Octokit against the GitHub
// stand-in; the interleavings are made by letting real requests wait for each other, nothing is mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedBlockStart, renderAppliedBlock, updateAppliedBlock } from '../../src/github/applied-lines.ts';
import type { GitHubClient } from '../../src/github/client.ts';
import { ensureStickyComment, withRetries } from '../../src/github/index.ts';
import { standinWithRepo, type StandinRepo } from './standin-setup.ts';

let env: StandinRepo;
let author: string;

beforeAll(async () => {
  env = await standinWithRepo();
  author = env.standin.botLogin;
});
afterAll(async () => {
  await env?.close();
});

function newIssue(): number {
  return env.standin.addIssue({ owner: env.owner, repo: env.repo, title: 'sticky', user: 'alice' }).number as number;
}

function bodies(issue: number): string[] {
  return env.standin.comments(env.owner, env.repo, issue).map((c) => String(c.body));
}

/** Posts a comment as the App, the way an earlier run (or a racing job) left it. */
async function postAsApp(issue: number, body: string): Promise<number> {
  const res = await env.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: env.owner, repo: env.repo, issue_number: issue, body });
  return Number(res.data.id);
}

/** A client whose requests go to the stand-in, `before` running first for each (it may do real requests). */
function interleaved(before: (route: string, params?: Record<string, unknown>) => Promise<void>): GitHubClient {
  const request = env.octokit.request as unknown as GitHubClient['request'];
  return { request: async (route, params) => {
    await before(route, params);
    return request(route, params);
  } };
}

function warnings(): { log: { warn(fields: Record<string, unknown>, msg: string): void }; seen: string[] } {
  const seen: string[] = [];
  return { log: { warn: (_fields, msg) => seen.push(msg) }, seen };
}

const commentsPath = /\/issues\/\d+\/comments$/;

describe('ensureStickyComment keeps one comment', () => {
  it('when GitHub made the comment but answered the create with a 502: no second copy, and the next report edits it', async () => {
    const issue = newIssue();
    const args = { owner: env.owner, repo: env.repo, issue, marker: 'plan', author };
    env.standin.failNext({ method: 'POST', path: commentsPath, applied: true });
    const first = await ensureStickyComment(env.octokit, { ...args, body: 'plan of abc1234' });
    expect(env.standin.armedFaults()).toBe(0);
    expect(bodies(issue)).toEqual(['<!-- bosun:plan -->\nplan of abc1234']);

    const next = await ensureStickyComment(env.octokit, { ...args, body: 'plan of def5678' });
    expect(next).toMatchObject({ action: 'updated', id: first.id, deleted: [], duplicates: [] });
    expect(bodies(issue)).toEqual(['<!-- bosun:plan -->\nplan of def5678']);
  });

  it('when an earlier run left a second copy: the oldest gets the latest body, the copy is deleted, a person\'s comment stays', async () => {
    const issue = newIssue();
    const oldest = await postAsApp(issue, '<!-- bosun:plan -->\nplan of abc1234');
    env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'mallory', body: '<!-- bosun:plan -->\ncopied by a person' });
    const copy = await postAsApp(issue, '<!-- bosun:plan -->\nplan of abc1234');
    const result = await ensureStickyComment(env.octokit, { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, body: 'plan of def5678' });
    expect(result).toMatchObject({ action: 'updated', id: oldest, deleted: [copy], duplicates: [] });
    expect(bodies(issue)).toEqual(['<!-- bosun:plan -->\nplan of def5678', '<!-- bosun:plan -->\ncopied by a person']);
  });

  it('when two jobs create at once (both looked before either posted): one comment, with one of their bodies', async () => {
    const issue = newIssue();
    // Each job's first look at the comments is answered only once the other job has looked too.
    let looked = 0;
    let bothLooked!: () => void;
    const barrier = new Promise<void>((resolve) => (bothLooked = resolve));
    const job = () => {
      let first = true;
      return interleaved(async (route) => {
        if (!route.startsWith('GET ') || !first) return;
        first = false;
        if (++looked === 2) bothLooked();
        await barrier;
      });
    };
    const args = { owner: env.owner, repo: env.repo, issue, marker: 'plan', author };
    const [a, b] = await Promise.all([
      ensureStickyComment(job(), { ...args, body: 'plan of abc1234' }),
      ensureStickyComment(job(), { ...args, body: 'plan of def5678' }),
    ]);
    const left = bodies(issue);
    expect(left).toHaveLength(1);
    expect(['<!-- bosun:plan -->\nplan of abc1234', '<!-- bosun:plan -->\nplan of def5678']).toContain(left[0]);
    expect(a.id).toBe(b.id);
    // Both created; the later one found both and folded into the older.
    expect(env.standin.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/issues/${issue}/comments`))).toHaveLength(2);
  });

  it('when a merge\'s applied lines and the plan report are both first: one comment with both', async () => {
    const issue = newIssue();
    let looked = 0;
    let bothLooked!: () => void;
    const barrier = new Promise<void>((resolve) => (bothLooked = resolve));
    const job = () => {
      let first = true;
      return interleaved(async (route) => {
        if (!route.startsWith('GET ') || !first) return;
        first = false;
        if (++looked === 2) bothLooked();
        await barrier;
      });
    };
    const block = renderAppliedBlock([{ env: 'staging', sha: env.sha, ok: true, state: 'applied', at: Date.parse('2026-12-06T06:00:00Z') }]);
    await Promise.all([
      ensureStickyComment(job(), { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, body: '## Plan\n\nstaging: +1 ~0 −0' }),
      updateAppliedBlock(job(), { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, block }),
    ]);
    const left = bodies(issue);
    expect(left).toHaveLength(1);
    expect(left[0]).toContain('staging: +1 ~0 −0');
    expect(left[0]).toContain(appliedBlockStart);
  });

  it('when deleting the copy fails: logged, the report still posted, and the next ensure deletes it', async () => {
    const issue = newIssue();
    const oldest = await postAsApp(issue, '<!-- bosun:plan -->\nv1');
    const copy = await postAsApp(issue, '<!-- bosun:plan -->\nv1');
    const { log, seen } = warnings();
    // One attempt per request, so the armed 502 is the answer the delete ends with.
    const once = withRetries(env.octokit, { maxAttempts: 1 });
    env.standin.failNext({ method: 'DELETE', path: new RegExp(`/issues/comments/${copy}$`) });
    const result = await ensureStickyComment(once, { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, body: 'v2', log });
    expect(result).toMatchObject({ action: 'updated', id: oldest, deleted: [], duplicates: [{ id: copy }] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`could not delete the duplicate plan comment ${copy} on #${issue} .*HTTP 502.*the next update of the comment deletes it`));
    expect(bodies(issue)).toEqual(['<!-- bosun:plan -->\nv2', '<!-- bosun:plan -->\nv1']);

    const again = await ensureStickyComment(once, { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, body: 'v2', log });
    expect(again).toMatchObject({ action: 'unchanged', id: oldest, deleted: [copy], duplicates: [] });
    expect(bodies(issue)).toEqual(['<!-- bosun:plan -->\nv2']);
    expect(seen).toHaveLength(1);
  });

  it('when another job deleted the copy first: its 404 counts as done', async () => {
    const issue = newIssue();
    await postAsApp(issue, '<!-- bosun:plan -->\nv1');
    const copy = await postAsApp(issue, '<!-- bosun:plan -->\nv1');
    const { log, seen } = warnings();
    const racing = interleaved(async (route) => {
      if (route.startsWith('DELETE ')) await env.octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: env.owner, repo: env.repo, comment_id: copy });
    });
    const result = await ensureStickyComment(racing, { owner: env.owner, repo: env.repo, issue, marker: 'plan', author, body: 'v1', log });
    expect(result).toMatchObject({ action: 'unchanged', deleted: [copy], duplicates: [] });
    expect(seen).toEqual([]);
    expect(bodies(issue)).toEqual(['<!-- bosun:plan -->\nv1']);
  });

  it('without an author, deletes only copies by the bot that wrote the kept comment, never another App\'s', async () => {
    const issue = newIssue();
    const oldest = await postAsApp(issue, '<!-- bosun:plan -->\nv1');
    env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'other-app[bot]', body: '<!-- bosun:plan -->\nnot ours' });
    const copy = await postAsApp(issue, '<!-- bosun:plan -->\nv1');
    const result = await ensureStickyComment(env.octokit, { owner: env.owner, repo: env.repo, issue, marker: 'plan', body: 'v2' });
    expect(result).toMatchObject({ action: 'updated', id: oldest, deleted: [copy] });
    expect(bodies(issue)).toEqual(['<!-- bosun:plan -->\nv2', '<!-- bosun:plan -->\nnot ours']);
  });
});
