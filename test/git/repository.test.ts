// What the CLI asks of a repository folder before reading commits (src/git/repository.ts), on real clones:
// a shallow clone as actions/checkout leaves it, a bare mirror, a linked worktree.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCommits, git, gitCommonDir, hasCommit, isShallow, repositoryTop } from '../../src/git/index.ts';
import { tempDir, tempRepo } from './temp-repo.ts';
import { rm } from 'node:fs/promises';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

// One origin for the file: every test only reads it or clones it.
let o: { dir: string; first: string; second: string };
beforeAll(async () => {
  o = await origin();
});

async function origin() {
  const r = await tempRepo({ 'app/deploy.yaml': 'kind: ConfigMap\n' });
  cleanups.push(r.cleanup);
  const first = await r.commit('first');
  const second = await r.commit('second');
  // GitHub serves any commit by id; a plain repository only what a ref reaches, unless told.
  await git(['config', 'uploadpack.allowAnySHA1InWant', 'true'], { cwd: r.dir });
  return { dir: r.dir, first, second };
}

async function folder(): Promise<string> {
  const dir = await tempDir();
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('a shallow clone missing the pull request base', () => {
  it('does not have the base commit until it is fetched by id, and stays shallow', async () => {
    const clone = join(await folder(), 'clone');
    await git(['clone', '--quiet', '--depth=1', `file://${o.dir}`, clone], { cwd: o.dir });
    expect(await isShallow(clone)).toBe(true);
    expect(await hasCommit(clone, o.second)).toBe(true);
    expect(await hasCommit(clone, o.first)).toBe(false);
    await fetchCommits(clone, [o.first]);
    expect(await hasCommit(clone, o.first)).toBe(true);
    expect(await isShallow(clone)).toBe(true);
  });

  it('fails to fetch a commit origin does not have, and never reads an id as an option', async () => {
    const clone = join(await folder(), 'clone');
    await git(['clone', '--quiet', `file://${o.dir}`, clone], { cwd: o.dir });
    expect(await isShallow(clone)).toBe(false);
    await expect(fetchCommits(clone, ['0'.repeat(40)])).rejects.toThrow();
    expect(await hasCommit(clone, '--output=x')).toBe(false);
    await expect(fetchCommits(clone, ['--upload-pack=touch /tmp/bosun-pwned'])).rejects.toThrow();
  });
});

describe('where a repository is', () => {
  it('a work tree has its top level, a bare mirror none; a linked worktree shares the common git directory', async () => {
    expect(realpathSync((await repositoryTop(o.dir))!)).toBe(realpathSync(o.dir));
    const bare = join(await folder(), 'mirror.git');
    await git(['clone', '--quiet', '--bare', `file://${o.dir}`, bare], { cwd: o.dir });
    expect(await repositoryTop(bare)).toBeUndefined();
    // Inside a work tree's `.git` folder there is no top level to give: git's error, as before.
    await expect(repositoryTop(join(o.dir, '.git'))).rejects.toThrow(/must be run in a work tree/);
    const linked = join(await folder(), 'linked');
    await git(['worktree', 'add', '--quiet', '--detach', linked, o.first], { cwd: o.dir });
    expect(realpathSync(await gitCommonDir(linked))).toBe(realpathSync(join(o.dir, '.git')));
    expect(realpathSync(await gitCommonDir(o.dir))).toBe(realpathSync(join(o.dir, '.git')));
  });
});
