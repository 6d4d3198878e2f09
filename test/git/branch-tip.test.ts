import { afterEach, describe, expect, it } from 'vitest';
import { branchTip, git } from '../../src/git/index.ts';
import { tempRepo, writeFiles } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('branchTip', () => {
  it('is the commit a branch points at, and undefined for a name that is no branch (a tag, nothing, an option)', async () => {
    const r = await tempRepo({ 'a.txt': 'one\n' });
    cleanups.push(r.cleanup);
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
