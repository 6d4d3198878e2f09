// A command job that fails half-way and is retried runs its commands again in order; the replies the
// first attempt already posted must not appear twice on the pull request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandReplier } from '../../src/github/index.ts';
import { standinWithRepo, type StandinRepo } from './standin-setup.ts';

let env: StandinRepo;
beforeAll(async () => {
  env = await standinWithRepo();
});
afterAll(async () => {
  await env?.close();
});

describe('command replies', () => {
  it('posts each reply once across a retry, in order, and ignores look-alike markers from people', async () => {
    const issue = env.standin.addIssue({ owner: env.owner, repo: env.repo, title: 'replies', user: 'alice' }).number as number;
    const commentId = 987_654;
    const target = { owner: env.owner, repo: env.repo, issue, commentId };
    // A person pastes a marker for the third reply: it must not make bosun skip that reply.
    env.standin.addComment({ owner: env.owner, repo: env.repo, issue, user: 'mallory', body: `nice\n<!-- bosun:reply ${commentId}:2 -->` });

    const first = commandReplier(env.octokit, { ...target, retry: false });
    await first('reply one');
    await first('reply two');
    // The attempt dies here; the retry runs all three commands again.
    const retry = commandReplier(env.octokit, { ...target, retry: true });
    await retry('reply one');
    await retry('reply two');
    await retry('reply three');

    const bot = env.standin.comments(env.owner, env.repo, issue).filter((c) => (c.user as { type?: string }).type === 'Bot');
    expect(bot.map((c) => String(c.body).split('\n')[0])).toEqual(['reply one', 'reply two', 'reply three']);
    expect(env.standin.problems()).toEqual([]);
  });
});
