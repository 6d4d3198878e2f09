// What bosun reads of a commit through src/git without a checkout: a blob by id, a branch's tip, a commit's time.
import { afterEach, describe, expect, it } from 'vitest';
import { branchTip, commitTime, git, listTree, readBlob } from '../../src/git/index.ts';
import { tempRepo, writeFiles } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function repo(files: Record<string, string>) {
  const r = await tempRepo(files);
  cleanups.push(r.cleanup);
  return r;
}

describe('readBlob', () => {
  it('reads a file of a commit by the blob id its tree lists, from git objects alone, and refuses anything but an object id', async () => {
    const r = await repo({ 'chart/Chart.yaml': 'name: web\nversion: 1.0.0\n' });
    const sha = await r.commit('first');
    // The working tree changes afterwards: only the commit counts.
    await writeFiles(r.dir, { 'chart/Chart.yaml': 'name: web\nversion: 2.0.0\n' });
    const id = (await listTree(r.dir, sha)).get('chart/Chart.yaml')!;
    expect(await readBlob(r.dir, id)).toBe('name: web\nversion: 1.0.0\n');
    await expect(readBlob(r.dir, '--output=/tmp/x')).rejects.toThrow(/not a git object id/);
  });
});

describe('branchTip', () => {
  it('is the commit a branch points at, and undefined for a name that is no branch (a tag, nothing, an option)', async () => {
    const r = await repo({ 'a.txt': 'one\n' });
    const first = await r.commit('first');
    await git(['branch', 'main-copy', first], { cwd: r.dir });
    await git(['tag', 'only-a-tag', first], { cwd: r.dir });
    await writeFiles(r.dir, { 'a.txt': 'two\n' });
    const second = await r.commit('second');
    const current = (await git(['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: r.dir })).trim();
    expect(await branchTip(r.dir, current)).toBe(second);
    expect(await branchTip(r.dir, 'main-copy')).toBe(first);
    expect(await branchTip(r.dir, 'only-a-tag')).toBeUndefined();
    expect(await branchTip(r.dir, 'nothing')).toBeUndefined();
    expect(await branchTip(r.dir, '--output=/tmp/x')).toBeUndefined();
  });
});

describe('commitTime', () => {
  it('is the commit\'s committer date in milliseconds, which orders the applies of an environment', async () => {
    const r = await repo({ 'a.txt': 'one\n' });
    await git(['add', '-A'], { cwd: r.dir });
    await git(['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-m', 'dated'], {
      cwd: r.dir, env: { GIT_AUTHOR_DATE: '2001-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-12-07T04:00:00Z' },
    });
    const sha = (await git(['rev-parse', 'HEAD'], { cwd: r.dir })).trim();
    expect(await commitTime(r.dir, sha)).toBe(Date.parse('2026-12-07T04:00:00Z'));
  });
});
