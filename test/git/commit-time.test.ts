import { afterEach, describe, expect, it } from 'vitest';
import { commitTime, git } from '../../src/git/index.ts';
import { tempRepo } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('commitTime', () => {
  it('is the commit\'s committer date in milliseconds, which orders the applies of an environment', async () => {
    const r = await tempRepo({ 'a.txt': 'one\n' });
    cleanups.push(r.cleanup);
    await git(['add', '-A'], { cwd: r.dir });
    await git(['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-m', 'dated'], {
      cwd: r.dir, env: { GIT_AUTHOR_DATE: '2001-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-12-07T04:00:00Z' },
    });
    const sha = (await git(['rev-parse', 'HEAD'], { cwd: r.dir })).trim();
    expect(await commitTime(r.dir, sha)).toBe(Date.parse('2026-12-07T04:00:00Z'));
  });
});
