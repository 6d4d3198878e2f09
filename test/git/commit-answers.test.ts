// What git answers about full commit ids is asked once per process (src/git/commit-answers.ts): the files of
// a commit and the paths two commits differ in. Shown here by removing the repository's `.git` after the
// first answer: a commit id is still answered, a name that can move (HEAD) is asked of git again and fails.
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitAnswers } from '../../src/git/commit-answers.ts';
import { changedFiles, listTree } from '../../src/git/index.ts';
import { tempDir, tempRepo, writeFiles } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function twoCommits() {
  const r = await tempRepo({ 'apps/web/deploy.yaml': 'kind: Deployment\n', 'README.md': 'hello\n' });
  cleanups.push(r.cleanup);
  const base = await r.commit('base');
  await writeFiles(r.dir, { 'apps/web/deploy.yaml': 'kind: Deployment\nspec: {}\n', 'apps/db/cm.yaml': 'kind: ConfigMap\n' });
  const head = await r.commit('head');
  return { dir: r.dir, base, head };
}

describe('answers about commit ids', () => {
  it('lists a commit\'s files and diffs two commits once: asked again, the same answer comes without git, and each caller gets its own copy', async () => {
    const { dir, base, head } = await twoCommits();
    const modes = new Map<string, string>();
    const files = await listTree(dir, head, modes);
    const changed = await changedFiles(dir, base, head);
    expect([...files.keys()].sort()).toEqual(['README.md', 'apps/db/cm.yaml', 'apps/web/deploy.yaml']);
    expect(changed).toEqual(['apps/db/cm.yaml', 'apps/web/deploy.yaml']);
    // What a caller does with its copy changes nobody else's.
    files.delete('README.md');
    changed.pop();

    await rm(join(dir, '.git'), { recursive: true });
    const modesAgain = new Map<string, string>();
    expect([...(await listTree(dir, head, modesAgain)).keys()].sort()).toEqual(['README.md', 'apps/db/cm.yaml', 'apps/web/deploy.yaml']);
    expect(modesAgain).toEqual(modes);
    expect(modesAgain.get('README.md')).toBe('100644');
    expect(await changedFiles(dir, base, head)).toEqual(['apps/db/cm.yaml', 'apps/web/deploy.yaml']);
    // Names that can move are asked every time: git now finds no repository.
    await expect(listTree(dir, 'HEAD')).rejects.toThrow(/git ls-tree failed/);
    await expect(changedFiles(dir, 'HEAD~1', 'HEAD')).rejects.toThrow(/git diff failed/);
    // Another pair of the same commits (reversed) was never asked.
    await expect(changedFiles(dir, head, base)).rejects.toThrow(/git diff failed/);
  });

  it('keeps no failure: a commit not in a repository yet is listed once it is', async () => {
    const { dir, head } = await twoCommits();
    // An empty folder, then the same repository copied into it.
    const later = await tempDir('bosun-repo-later-');
    cleanups.push(() => rm(later, { recursive: true, force: true }));
    await expect(listTree(later, head)).rejects.toThrow(/git ls-tree failed/);
    await cp(join(dir, '.git'), join(later, '.git'), { recursive: true });
    expect((await listTree(later, head)).size).toBe(3);
  });
});

describe('CommitAnswers', () => {
  it('asks concurrent callers of one key once, drops the least recently used past its weight, and never keeps an answer heavier than all of it', async () => {
    const asked: string[] = [];
    const answers = new CommitAnswers<string>(10, (v) => v.length);
    const ask = (key: string, value: string) => answers.get(key, async () => {
      asked.push(key);
      return value;
    });
    expect(await Promise.all([ask('a', 'aaaa'), ask('a', 'aaaa')])).toEqual(['aaaa', 'aaaa']);
    await ask('b', 'bbbb');
    await ask('a', 'aaaa'); // used: b is now the oldest
    await ask('c', 'cccc'); // 12 > 10: b goes
    await ask('a', 'aaaa');
    await ask('b', 'bbbb');
    await ask('big', 'x'.repeat(11));
    await ask('big', 'x'.repeat(11));
    expect(asked).toEqual(['a', 'b', 'c', 'b', 'big', 'big']);
  });
});
