// What git answers about full commit ids is asked once per process (src/git/commit-answers.ts): the files of
// a commit and the paths two commits differ in. Shown here by removing the repository's `.git` after the
// first answer: a commit id is still answered, a name that can move (HEAD) is asked of git again and fails.
import { existsSync } from 'node:fs';
import { chmod, cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitAnswers } from '../../src/git/commit-answers.ts';
import { changedFiles, checkout, commitTrees, listTree } from '../../src/git/index.ts';
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

/** The git runs of bosun's own git (src/git/git.ts, which runs `git` from PATH) while `fn` runs, by argument list. */
async function gitRuns(fn: () => Promise<void>): Promise<string[][]> {
  const bin = await tempDir('bosun-git-log-');
  cleanups.push(() => rm(bin, { recursive: true, force: true }));
  const real = (process.env.PATH ?? '').split(':').map((d) => join(d, 'git')).find((p) => existsSync(p));
  expect(real).toBeDefined();
  await writeFile(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\0' "$@" >> ${bin}/runs\nprintf '\\n' >> ${bin}/runs\nexec ${real} "$@"\n`);
  await chmod(join(bin, 'git'), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved ?? ''}`;
  try {
    await fn();
  } finally {
    process.env.PATH = saved;
  }
  const log = await readFile(join(bin, 'runs'), 'utf8').catch(() => '');
  return log.split('\n').filter((l) => l !== '').map((l) => l.split('\0').filter((a) => a !== ''));
}

describe('git runs of a plan\'s commits', () => {
  it('resolves names that can move (HEAD~1, HEAD) with their trees in one run, and lists and diffs the commits no more after their first time', async () => {
    const { dir, base, head } = await twoCommits();
    const runs = await gitRuns(async () => {
      const [b, h] = await commitTrees(dir, ['HEAD~1', 'HEAD']);
      expect([b!.commit, h!.commit]).toEqual([base, head]);
      // The commits as those names resolved them need no rev-parse of their own to be checked out.
      const co = await checkout(dir, head);
      await co.dispose();
      for (let i = 0; i < 2; i++) {
        await listTree(dir, base);
        await changedFiles(dir, base, head);
      }
    });
    expect(runs.map((args) => args.find((a) => !a.startsWith('-') && !a.includes('=')))).toEqual(['rev-parse', 'read-tree', 'ls-tree', 'diff']);
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
