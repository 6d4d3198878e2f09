// The drift issue adapter against the GitHub stand-in: one issue per environment, found by label and
// marker, edited in place, closed, reopened when drift comes back, and never someone else's issue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftMarker, isDriftIssueBody } from '../../src/drift/index.ts';
import { findDriftIssue, syncDriftIssue, type SyncDriftIssueArgs } from '../../src/github/index.ts';
import { standinWithRepo, type StandinRepo } from '../github/standin-setup.ts';

let env: StandinRepo;
beforeAll(async () => {
  env = await standinWithRepo();
});
afterAll(async () => {
  await env?.close();
});

function args(name: string, over: Partial<SyncDriftIssueArgs>): SyncDriftIssueArgs {
  return {
    owner: env.owner,
    repo: env.repo,
    author: env.standin.botLogin,
    matches: (body) => isDriftIssueBody(body, name),
    title: `Drift in ${name}`,
    status: 'drifted',
    body: `${driftMarker(name)}\nfirst`,
    comment: 'state changed',
    ...over,
  };
}

const issues = () => env.standin.issues(env.owner, env.repo, { labels: ['bosun:drift'] });

describe('drift issue', () => {
  it('opens one labelled issue, edits it in place, closes it, reopens it when drift comes back', async () => {
    const opened = await syncDriftIssue(env.octokit, args('staging', {}));
    expect(opened.step).toBe('opened');
    const label = issues()[0].labels as Array<{ name: string; color: string; description: string }>;
    expect(label).toEqual([expect.objectContaining({ name: 'bosun:drift', color: 'd93f0b', description: expect.stringContaining('differs from Git') })]);

    expect(await syncDriftIssue(env.octokit, args('staging', {}))).toMatchObject({ step: 'unchanged', issue: { number: opened.issue!.number } });
    expect(await syncDriftIssue(env.octokit, args('staging', { body: `${driftMarker('staging')}\nsecond` }))).toMatchObject({ step: 'updated' });
    expect(env.standin.comments(env.owner, env.repo, opened.issue!.number)).toEqual([]);

    const closed = await syncDriftIssue(env.octokit, args('staging', { status: 'in-sync', body: (current) => `${current}\nresolved`, comment: 'in sync again' }));
    expect(closed).toMatchObject({ step: 'closed', issue: { state: 'closed' } });
    expect(issues()[0].body).toBe(`${driftMarker('staging')}\nsecond\nresolved`);
    // Already closed: an in-sync check does nothing.
    expect(await syncDriftIssue(env.octokit, args('staging', { status: 'in-sync', comment: 'again' }))).toMatchObject({ step: 'none' });

    const reopened = await syncDriftIssue(env.octokit, args('staging', { body: `${driftMarker('staging')}\nthird`, comment: 'drift is back' }));
    expect(reopened).toMatchObject({ step: 'reopened', issue: { number: opened.issue!.number, state: 'open' } });
    expect(issues()).toHaveLength(1);
    expect(env.standin.comments(env.owner, env.repo, opened.issue!.number).map((c) => c.body)).toEqual(['in sync again', 'drift is back']);
  });

  it('a heal with no issue yet leaves a closed issue as the record; each environment has its own issue', async () => {
    const healed = await syncDriftIssue(env.octokit, args('production', { status: 'healed', body: `${driftMarker('production')}\nhealed`, comment: 'healed it' }));
    expect(healed).toMatchObject({ step: 'healed', issue: { state: 'closed' } });
    expect(env.standin.comments(env.owner, env.repo, healed.issue!.number).map((c) => c.body)).toEqual(['healed it']);
    const staging = await findDriftIssue(env.octokit, args('staging', {}));
    expect(staging?.number).not.toBe(healed.issue!.number);
    expect(issues()).toHaveLength(2);
  });

  it("ignores a person's issue that quotes the marker or carries the label", async () => {
    env.standin.addIssue({ owner: env.owner, repo: env.repo, title: 'Drift in qa', user: 'alice', body: `${driftMarker('qa')}\ncopied by hand`, labels: ['bosun:drift'] });
    expect(await findDriftIssue(env.octokit, args('qa', {}))).toBeUndefined();
    const opened = await syncDriftIssue(env.octokit, args('qa', { body: `${driftMarker('qa')}\nreal` }));
    expect(opened.step).toBe('opened');
  });

  it('a check run again after GitHub applied its comment but answered 5xx comments once, and still closes the issue', async () => {
    const since = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const opened = await syncDriftIssue(env.octokit, args('qa', {}));
    const number = opened.issue!.number;
    const commentsPath = new RegExp(`/issues/${number}/comments$`);
    // The comment is written, the answer is a 502: the check fails and its job runs again.
    env.standin.failNext({ method: 'POST', path: commentsPath, applied: true });
    const inSync = args('qa', { status: 'in-sync', comment: 'in sync again', commentOnce: { key: 'job-7:in-sync', since } });
    await expect(syncDriftIssue(env.octokit, inSync)).rejects.toThrow();
    expect(await syncDriftIssue(env.octokit, inSync)).toMatchObject({ step: 'closed', issue: { state: 'closed' } });
    // A heal: its comment is written and answered 502; the next run closes the issue without a second comment.
    const back = args('qa', { status: 'drifted', body: `${driftMarker('qa')}\nagain`, comment: 'drift is back', commentOnce: { key: 'job-8:drifted', since } });
    expect(await syncDriftIssue(env.octokit, back)).toMatchObject({ step: 'reopened' });
    env.standin.failNext({ method: 'POST', path: commentsPath, applied: true });
    const healed = args('qa', { status: 'healed', body: `${driftMarker('qa')}\nhealed`, comment: 'healed it', commentOnce: { key: 'job-9:healed', since } });
    await expect(syncDriftIssue(env.octokit, healed)).rejects.toThrow();
    expect(await syncDriftIssue(env.octokit, healed)).toMatchObject({ step: 'healed', issue: { state: 'closed' } });

    const bodies = env.standin.comments(env.owner, env.repo, number).map((c) => String(c.body).split('\n')[0]);
    expect(bodies).toEqual(['in sync again', 'drift is back', 'healed it']);
    // Each carries its hidden marker; a person reading the issue sees only the text.
    expect(env.standin.comments(env.owner, env.repo, number)[0]!.body).toBe('in sync again\n\n<!-- bosun:drift-step job-7:in-sync -->');
  });

  it("sends only requests that match GitHub's OpenAPI description", () => {
    expect(env.standin.problems()).toEqual([]);
  });
});
