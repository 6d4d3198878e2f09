// The pure rules of a rollback: the revert branch's name, how a merged PR is reverted, which applied
// state `--now` goes back to, and what the revert pull request and the replies say.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ApplyRecord } from '../../src/jobs.ts';
import {
  alsoUndoneLine,
  chooseRevertMode,
  chooseSnapshot,
  conflictReply,
  revertBody,
  revertBranchName,
  revertTitle,
  seqAfter,
  type CommitFacts,
} from '../../src/rollback/index.ts';

const run = promisify(execFile);

describe('revert branch names', () => {
  it('are bosun/revert-<pr>-<env>, numbered when taken, and valid git branch names for any environment name', async () => {
    expect(revertBranchName(2, 'staging')).toBe('bosun/revert-2-staging');
    expect(revertBranchName(2, 'staging', 3)).toBe('bosun/revert-2-staging-3');
    expect(revertBranchName(7, 'staging/apps')).toBe('bosun/revert-7-staging-apps');
    for (const env of ['staging/apps', 'a..b', 'prod.lock', 'eu-1/', 'x_y.z', 'weird/../name']) {
      const branch = revertBranchName(12, env, 2);
      await expect(run('git', ['check-ref-format', '--branch', branch])).resolves.toBeDefined();
      expect(branch.startsWith('bosun/revert-12-')).toBe(true);
    }
    // `staging/apps` must not collide with a `staging` revert branch as a folder (git refuses `a` beside `a/b`).
    expect(revertBranchName(2, 'staging/apps')).not.toContain('staging/');
  });
});

const commit = (sha: string, over: Partial<CommitFacts> = {}): CommitFacts => ({
  sha, parents: ['p'], authorEmail: 'dev@example.org', authorDate: `2024-01-15T09:0${sha.length % 10}:00Z`, subject: `subject ${sha}`, ...over,
});

describe('choosing how to revert', () => {
  it('reverts a merge commit against its first parent', () => {
    expect(chooseRevertMode({ merged: commit('m', { parents: ['a', 'b'] }), prCommits: [commit('x'), commit('y')], mainline: [] }))
      .toEqual({ mode: 'merge-commit', commits: ['m'], mainline: 1 });
  });

  it('reverts the replayed commits of a rebase merge, newest first', () => {
    const pr = [commit('a1', { subject: 'one' }), commit('a22', { subject: 'two' })];
    const mainline = [commit('r2', { subject: 'two', authorDate: pr[1].authorDate }), commit('r1', { subject: 'one', authorDate: pr[0].authorDate }), commit('old')];
    expect(chooseRevertMode({ merged: mainline[0], prCommits: pr, mainline })).toEqual({ mode: 'rebase', commits: ['r2', 'r1'] });
  });

  it('reverts a squash merge (a new commit that matches none of the PR\'s) as one commit', () => {
    const pr = [commit('a1', { subject: 'one' }), commit('a22', { subject: 'two' })];
    const squash = commit('s', { subject: 'Feature (#2)' });
    expect(chooseRevertMode({ merged: squash, prCommits: pr, mainline: [squash, commit('before')] })).toEqual({ mode: 'squash', commits: ['s'] });
    // A one-commit PR, however merged, is one commit to revert.
    expect(chooseRevertMode({ merged: commit('r'), prCommits: [commit('a')], mainline: [] })).toEqual({ mode: 'squash', commits: ['r'] });
  });
});

const applied = (sha: string, seq: number, more: Partial<ApplyRecord> = {}): ApplyRecord => ({
  sha, seq, trigger: 'merge', ok: true, health: 'healthy', at: seq, durationMs: 1000, summary: '1 created', ...more,
});

describe('the state rollback --now goes back to', () => {
  it('is the newest successful apply older than the apply of the merge commit', () => {
    const history = [applied('m2', 300, { pr: 2 }), applied('m1', 200, { pr: 1 }), applied('m0', 100)];
    expect(chooseSnapshot(history, 'm2', 'staging')).toMatchObject({ ok: true, target: { sha: 'm1' }, applied: { sha: 'm2' }, alsoUndone: [] });
  });

  it('skips re-applies of the same commit and names what later applies it also takes back', () => {
    const history = [applied('m3', 500, { pr: 3 }), applied('m2', 400, { trigger: 'sync' }), applied('m2', 300, { pr: 2 }), applied('m1', 200)];
    const choice = chooseSnapshot(history, 'm2', 'staging');
    expect(choice).toMatchObject({ ok: true, target: { sha: 'm1' }, alsoUndone: [{ sha: 'm3' }] });
    if (choice.ok) expect(alsoUndoneLine('staging', choice.alsoUndone)).toContain('`m3` (#3)');
    expect(alsoUndoneLine('staging', [])).toBeUndefined();
  });

  it('refuses when the merge commit was never applied, or nothing was applied before it', () => {
    expect(chooseSnapshot([applied('m1', 200)], 'm2', 'staging')).toMatchObject({ ok: false, reason: 'never-applied', message: expect.stringContaining('`m2` was never applied successfully to `staging`') });
    expect(chooseSnapshot([applied('m1', 200, { ok: false })], 'm1', 'staging')).toMatchObject({ ok: false, reason: 'never-applied' });
    expect(chooseSnapshot([applied('m2', 300), applied('m2', 250)], 'm2', 'staging')).toMatchObject({ ok: false, reason: 'nothing-before' });
  });

  it('is ordered after every apply bosun knows of', () => {
    expect(seqAfter(100, undefined, 300, 200)).toBe(301);
  });
});

describe('what the revert pull request says', () => {
  const plan = { mode: 'merge-commit' as const, commits: ['abcdef1234567'] as [string], mainline: 1 as const };

  it('names the original PR, who asked, the environment, and that merging applies the revert', () => {
    const body = revertBody({ pr: 2, prUrl: 'https://github.com/acme/d/pull/2', prTitle: 'version 2', env: 'staging', requestedBy: 'mia', command: '/bosun rollback staging', prefix: '/bosun', defaultBranch: 'main', plan });
    expect(body).toContain('This reverts #2 (https://github.com/acme/d/pull/2)');
    expect(body).toContain('@mia asked for it with `/bosun rollback staging` on #2');
    expect(body).toContain('reverts merge commit abcdef1');
    expect(body).toContain('**Merging this pull request applies the revert**');
    expect(body).not.toContain('pinned');
    const now = revertBody({ pr: 2, prUrl: 'u', prTitle: 't', env: 'staging', requestedBy: 'mia', command: '/bosun rollback staging --now', prefix: '/bosun', defaultBranch: 'main', plan, now: { target: applied('0123456789', 1) } });
    expect(now).toContain('was already rolled back to `0123456`');
    expect(now).toContain('`/bosun sync staging`');
    // No line of the body starts like a command: the bot must never read its own text as one.
    for (const line of now.split('\n')) expect(line.trimStart().startsWith('/bosun')).toBe(false);
  });

  it('titles it "Revert #<n>: <title>" within GitHub\'s 256 characters', () => {
    expect(revertTitle(2, 'version 2')).toBe('Revert #2: version 2');
    expect(revertTitle(2, 'x'.repeat(400))).toHaveLength(256);
  });

  it('a conflicting revert names the files and says nothing was pushed', () => {
    const text = conflictReply({ pr: 2, env: 'staging', mergeSha: 'abcdef1234567', defaultBranch: 'main', files: ['clusters/staging/app.yaml'], plan });
    expect(text).toContain('- `clusters/staging/app.yaml`');
    expect(text).toContain('Nothing was pushed');
    expect(text).toContain('git revert -m 1 abcdef1');
  });
});
