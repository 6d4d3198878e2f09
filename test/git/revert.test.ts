// Reverting a merged pull request with real git: the three ways GitHub merges (merge commit, squash,
// rebase), a revert that conflicts with a later change, and pushing the revert branch to the GitHub
// stand-in over smart HTTP with an installation token that never appears in an argument or a message.
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { createMirrorCache } from '../../src/git/mirror.ts';
import { commitFacts, isAncestor, mainlineFacts, pushNewBranch, rangeFacts, revertInScratchRepo } from '../../src/git/revert.ts';
import { BosunError } from '../../src/model/errors.ts';
import { chooseRevertMode, type RevertPlan } from '../../src/rollback/index.ts';
import { startGitHubStandin } from '../../testkit/github-standin/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { tempDir } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const bot = { name: 'bosun[bot]', email: 'bosun[bot]@users.noreply.github.com' };
const config = (version: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  version: "${version}"\n  owner: team-a\n`;

async function repoWithApp(): Promise<GitRepoBuilder> {
  const repo = await makeGitRepo();
  cleanups.push(() => rm(repo.dir, { recursive: true, force: true }));
  await repo.write('clusters/staging/app.yaml', config('1'));
  await repo.write('README.md', 'deployments\n');
  await repo.commit('version 1');
  return repo;
}

/** A PR branch `change` with two commits that end at version 2, and a base sha, from main's tip. */
async function prBranch(repo: GitRepoBuilder): Promise<{ base: string; head: string }> {
  const base = await repo.revParse('main');
  await repo.git('checkout', '--quiet', '-b', 'change');
  await repo.write('clusters/staging/app.yaml', config('1.5'));
  await repo.commit('halfway');
  await repo.write('clusters/staging/app.yaml', config('2'));
  await repo.write('clusters/staging/extra.yaml', 'kind: ConfigMap\n');
  const head = await repo.commit('version 2');
  await repo.checkout('main');
  return { base, head };
}

/** Plans and reverts the PR as bosun does, in a scratch repository at `tip`. */
async function revert(repo: GitRepoBuilder, merged: string, pr: { base: string; head: string }, tip: string): Promise<{ plan: RevertPlan; result: Awaited<ReturnType<typeof revertInScratchRepo>> }> {
  const facts = await commitFacts(repo.dir, merged);
  const prCommits = await rangeFacts(repo.dir, pr.base, pr.head);
  const plan = chooseRevertMode({ merged: facts, prCommits, mainline: await mainlineFacts(repo.dir, merged, prCommits.length) });
  const mirrors = createMirrorCache({ root: await tempDir('bosun-revert-cache-') });
  cleanups.push(() => rm(mirrors.root, { recursive: true, force: true }));
  const result = await mirrors.withScratchRepo({ dir: repo.dir }, tip, (scratch) => revertInScratchRepo(scratch, plan, bot, 'Revert #2: version 2'));
  return { plan, result };
}

const fileAt = (repo: GitRepoBuilder, sha: string, path: string) => repo.git('show', `${sha}:${path}`);

describe('reverting a merged pull request', () => {
  it('a merge commit is reverted against its first parent, as one commit by the bot on top of the tip', async () => {
    const repo = await repoWithApp();
    const pr = await prBranch(repo);
    await repo.git('merge', '--no-ff', '--quiet', '-m', 'Merge pull request #2', 'change');
    const merged = await repo.revParse('main');
    await repo.write('README.md', 'deployments, later\n');
    const tip = await repo.commit('unrelated later change');

    const { plan, result } = await revert(repo, merged, pr, tip);
    expect(plan).toEqual({ mode: 'merge-commit', commits: [merged], mainline: 1 });
    expect(result.status).toBe('committed');
    if (result.status !== 'committed') return;
    expect(result.files.sort()).toEqual(['clusters/staging/app.yaml', 'clusters/staging/extra.yaml']);
    expect(await fileAt(repo, result.sha, 'clusters/staging/app.yaml')).toBe(config('1'));
    await expect(fileAt(repo, result.sha, 'clusters/staging/extra.yaml')).rejects.toThrow();
    // The later change stays; the revert sits on the tip, written by the bot.
    expect(await fileAt(repo, result.sha, 'README.md')).toBe('deployments, later\n');
    expect((await repo.git('show', '-s', '--format=%P|%an|%ae|%cn|%s', result.sha)).trim()).toBe(`${tip}|bosun[bot]|bosun[bot]@users.noreply.github.com|bosun[bot]|Revert #2: version 2`);
    // Nothing moved in the repository: the revert was made in a scratch repository, now gone.
    expect(await repo.revParse('main')).toBe(tip);
  });

  it('a squash merge is one ordinary commit and is reverted as it is', async () => {
    const repo = await repoWithApp();
    const pr = await prBranch(repo);
    await repo.git('merge', '--squash', '--quiet', 'change');
    const merged = await repo.commit('version 2 (#2)');

    const { plan, result } = await revert(repo, merged, pr, merged);
    expect(plan).toEqual({ mode: 'squash', commits: [merged] });
    expect(result.status).toBe('committed');
    if (result.status === 'committed') expect(await fileAt(repo, result.sha, 'clusters/staging/app.yaml')).toBe(config('1'));
  });

  it('a rebase merge replayed each commit: all of them are reverted, newest first, in one commit', async () => {
    const repo = await repoWithApp();
    await repo.write('README.md', 'main moved on\n');
    await repo.commit('main moves');
    const pr = await prBranch(repo);
    // GitHub's "Rebase and merge": the PR's commits replayed on main, authors and author dates kept.
    await repo.git('checkout', '--quiet', 'main');
    await repo.git('cherry-pick', `${pr.base}..${pr.head}`);
    const merged = await repo.revParse('main');

    const { plan, result } = await revert(repo, merged, pr, merged);
    expect(plan.mode).toBe('rebase');
    expect(plan.commits).toEqual([merged, await repo.revParse('main~1')]);
    expect(result.status).toBe('committed');
    if (result.status !== 'committed') return;
    expect(await fileAt(repo, result.sha, 'clusters/staging/app.yaml')).toBe(config('1'));
    expect((await repo.git('rev-list', '--count', `${merged}..${result.sha}`)).trim()).toBe('1');
  });

  it('a revert that conflicts with a later change names the file and commits nothing', async () => {
    const repo = await repoWithApp();
    const pr = await prBranch(repo);
    await repo.git('merge', '--no-ff', '--quiet', '-m', 'Merge pull request #2', 'change');
    const merged = await repo.revParse('main');
    await repo.write('clusters/staging/app.yaml', config('3'));
    const tip = await repo.commit('version 3');

    const { result } = await revert(repo, merged, pr, tip);
    expect(result).toEqual({ status: 'conflict', files: ['clusters/staging/app.yaml'] });
    // The half-done revert was aborted with its scratch repository: no branch moved, no worktree registered.
    expect(await repo.revParse('main')).toBe(tip);
    expect((await repo.git('worktree', 'list')).trim().split('\n')).toHaveLength(1);
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('a PR that main no longer has anything of gives an empty revert', async () => {
    const repo = await repoWithApp();
    const pr = await prBranch(repo);
    await repo.git('merge', '--no-ff', '--quiet', '-m', 'Merge pull request #2', 'change');
    const merged = await repo.revParse('main');
    await repo.git('revert', '--no-edit', '-m', '1', merged);
    const tip = await repo.revParse('main');
    expect(await isAncestor(repo.dir, merged, tip)).toBe(true);

    const { result } = await revert(repo, merged, pr, tip);
    expect(result).toEqual({ status: 'empty' });
  });
});

describe('pushing the revert branch', () => {
  it('creates the branch on GitHub over smart HTTP with the installation token, and never moves an existing one', async () => {
    const repo = await repoWithApp();
    const first = await repo.revParse('main');
    await repo.write('README.md', 'two\n');
    const second = await repo.commit('two');
    const gh = await startGitHubStandin();
    cleanups.push(() => gh.close());
    const info = await gh.addRepo({ owner: 'acme', name: 'gitops', gitDir: repo.dir, defaultBranch: 'main' });
    const mirrors = createMirrorCache({ root: await tempDir('bosun-revert-push-') });
    cleanups.push(() => rm(mirrors.root, { recursive: true, force: true }));
    const token = gh.mintToken(info.installationId);
    const mirror = await mirrors.ensure({ fullName: info.fullName, cloneUrl: info.cloneUrl }, async () => token);

    const push = (sha: string, branch: string, secret = token) => pushNewBranch({ cwd: mirror.dir, sha, branch, token: secret, repoName: info.fullName });
    expect(await push(first, 'bosun/revert-2-staging')).toEqual({ status: 'pushed' });
    expect(await repo.revParse('refs/heads/bosun/revert-2-staging')).toBe(first);
    expect(gh.git('acme', 'gitops').pushes).toBeGreaterThan(0);

    // The branch exists now: a second push, even a fast-forward, leaves it where it is.
    expect(await push(second, 'bosun/revert-2-staging')).toEqual({ status: 'exists' });
    expect(await repo.revParse('refs/heads/bosun/revert-2-staging')).toBe(first);

    // A refused token is an error that names the repository and carries no secret.
    const bad = 'ghs_notavalidtokenatall0000000000000000';
    const err = await push(second, 'bosun/revert-2-other', bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BosunError);
    expect(String((err as Error).message)).toContain('cannot push bosun/revert-2-other to acme/gitops');
    expect(String((err as Error).message)).not.toContain(bad);
    expect(await git(['for-each-ref', '--format=%(refname)', 'refs/heads/bosun/'], { cwd: repo.dir })).toBe('refs/heads/bosun/revert-2-staging\n');
  });
});
