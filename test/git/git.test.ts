import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changedFiles, checkout, commitTrees, git, listTree, partialCheckout, resolveRef, rootTreeIds, treeId } from '../../src/git/index.ts';
import { rememberCommit } from '../../src/git/refs.ts';
import { scratchRepo } from '../../src/git/scratch-repo.ts';
import { BosunError } from '../../src/model/errors.ts';
import { tempDir, tempRepo, writeFiles } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function repo(files: Parameters<typeof tempRepo>[0]) {
  const r = await tempRepo(files);
  cleanups.push(r.cleanup);
  return r;
}

describe('resolveRef', () => {
  it('resolves branches, tags and short shas to the full commit sha', async () => {
    const r = await repo({ 'a.yaml': 'a: 1\n' });
    const sha = await r.commit('first');
    await git(['tag', 'v1'], { cwd: r.dir });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await resolveRef(r.dir, 'main')).toBe(sha);
    expect(await resolveRef(r.dir, 'v1')).toBe(sha);
    expect(await resolveRef(r.dir, sha.slice(0, 8))).toBe(sha);
  });

  it('names an unknown ref in the error, and does not read a ref starting with "-" as an option', async () => {
    const r = await repo({ 'a.yaml': 'a: 1\n' });
    await r.commit('first');
    await expect(resolveRef(r.dir, 'no-such-branch')).rejects.toThrow(/unknown git ref "no-such-branch"/);
    const err = await resolveRef(r.dir, '--all').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).kind).toBe('git');
    expect((err as BosunError).message).toContain('"--all"');
  });

  it('asks git once per full commit id (a plan\'s checkouts start no rev-parse), a branch every time', async () => {
    const r = await repo({ 'a.yaml': 'a: 1\n' });
    const first = await r.commit('first');
    const [{ commit }] = await commitTrees(r.dir, [first]);
    expect(commit).toBe(first);
    expect(await resolveRef(r.dir, 'main')).toBe(first);
    // Without git answering (no repository here any more), a full id resolved before is still known, a branch is not.
    await rm(join(r.dir, '.git'), { recursive: true });
    expect(await resolveRef(r.dir, first)).toBe(first);
    await expect(resolveRef(r.dir, 'main')).rejects.toThrow(/unknown git ref "main"/);
  });

  it('names a commit known before but gone since as unknown where it is read (checkout, partial checkout, scratch repository), and asks git again afterwards', async () => {
    const r = await repo({ 'a.yaml': 'a: 1\n' });
    const gone = await r.commit('first');
    expect(await resolveRef(r.dir, gone)).toBe(gone);
    // The same folder made a repository again (a mirror cloned anew): the commit is not in it.
    await rm(join(r.dir, '.git'), { recursive: true });
    await git(['init', '--quiet', '--initial-branch=main'], { cwd: r.dir });
    const root = await tempDir('bosun-wt-root-');
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const readers = [
      () => checkout(r.dir, gone, { tempRoot: root }),
      () => partialCheckout(r.dir, gone, ['a.yaml'], { tempRoot: root }),
      () => scratchRepo(r.dir, gone, { tempRoot: root }),
    ];
    for (const read of readers) {
      rememberCommit(r.dir, gone, gone);
      await expect(read()).rejects.toThrow(`unknown git ref "${gone}"`);
      await expect(resolveRef(r.dir, gone)).rejects.toThrow(/unknown git ref/);
    }
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('changedFiles', () => {
  it('lists added, modified, deleted and type-changed files, and both sides of a rename', async () => {
    const r = await repo({
      'apps/web/deploy.yaml': 'kind: Deployment\n',
      'apps/web/old-name.yaml': 'kind: Service\nmetadata:\n  name: web\n',
      'apps/db/gone.yaml': 'kind: ConfigMap\n',
      'apps/db/link.yaml': 'kind: Secret\n',
      'README.md': 'hello\n',
    });
    const base = await r.commit('base');
    await git(['mv', 'apps/web/old-name.yaml', 'apps/web/new-name.yaml'], { cwd: r.dir });
    await git(['rm', '--quiet', 'apps/db/gone.yaml'], { cwd: r.dir });
    await writeFiles(r.dir, {
      'apps/web/deploy.yaml': 'kind: Deployment\nspec: {}\n',
      'apps/new/with space.yaml': 'kind: Namespace\n',
      'apps/db/link.yaml': { symlink: '../web/deploy.yaml' },
    });
    const head = await r.commit('head');

    expect(await changedFiles(r.dir, base, head)).toEqual([
      'apps/db/gone.yaml',
      'apps/db/link.yaml',
      'apps/new/with space.yaml',
      'apps/web/deploy.yaml',
      'apps/web/new-name.yaml',
      'apps/web/old-name.yaml',
    ]);
    expect(await changedFiles(r.dir, head, head)).toEqual([]);
  });
});

describe('listTree and treeId', () => {
  it('maps every file to its blob id, and folders to tree ids that change only when their content does', async () => {
    const r = await repo({ 'clusters/a/x.yaml': 'x: 1\n', 'clusters/b/y.yaml': 'y: 1\n' });
    const first = await r.commit('first');
    await writeFiles(r.dir, { 'clusters/b/y.yaml': 'y: 2\n' });
    const second = await r.commit('second');

    const tree1 = await listTree(r.dir, first);
    const tree2 = await listTree(r.dir, second);
    expect([...tree1.keys()].sort()).toEqual(['clusters/a/x.yaml', 'clusters/b/y.yaml']);
    expect(tree1.get('clusters/a/x.yaml')).toBe(tree2.get('clusters/a/x.yaml'));
    expect(tree1.get('clusters/b/y.yaml')).not.toBe(tree2.get('clusters/b/y.yaml'));
    expect(tree1.get('clusters/a/x.yaml')).toBe((await git(['hash-object', join(r.dir, 'clusters/a/x.yaml')], { cwd: r.dir })).trim());

    expect(await treeId(r.dir, first, 'clusters/a')).toBe(await treeId(r.dir, second, 'clusters/a'));
    expect(await treeId(r.dir, first, 'clusters/b')).not.toBe(await treeId(r.dir, second, 'clusters/b/'));
    expect(await treeId(r.dir, first, '.')).toMatch(/^[0-9a-f]{40}$/);
    expect(await treeId(r.dir, first, 'clusters/missing')).toBeUndefined();
    await expect(treeId(r.dir, 'f'.repeat(40), 'clusters/a')).rejects.toThrow(/unknown commit/);
  });

  it('gives the root trees of several commits at once, in their order, and names an unknown commit', async () => {
    const r = await repo({ 'a.yaml': 'a: 1\n' });
    const first = await r.commit('first');
    await writeFiles(r.dir, { 'a.yaml': 'a: 2\n' });
    const second = await r.commit('second');
    const [one, two] = [await treeId(r.dir, first, '.'), await treeId(r.dir, second, '.')];
    expect(await rootTreeIds(r.dir, [second, first, second])).toEqual([two, one, two]);
    expect(await rootTreeIds(r.dir, ['main', first])).toEqual([two, one]);
    await expect(rootTreeIds(r.dir, [first, 'f'.repeat(40)])).rejects.toThrow(/unknown commit/);
  });

  it('gives commits and their root trees together, for ids and for names, and names an unknown ref as resolveRef does', async () => {
    const r = await repo({ 'a.yaml': 'a: 1\n' });
    const first = await r.commit('first');
    await writeFiles(r.dir, { 'a.yaml': 'a: 2\n' });
    const second = await r.commit('second');
    const [one, two] = [await treeId(r.dir, first, '.'), await treeId(r.dir, second, '.')];
    expect(await commitTrees(r.dir, [first, second])).toEqual([{ commit: first, tree: one }, { commit: second, tree: two }]);
    expect(await commitTrees(r.dir, ['main', first])).toEqual([{ commit: second, tree: two }, { commit: first, tree: one }]);
    await expect(commitTrees(r.dir, [first, 'f'.repeat(40)])).rejects.toThrow(`unknown git ref "${'f'.repeat(40)}"`);
    await expect(commitTrees(r.dir, ['no-such-branch', first])).rejects.toThrow('unknown git ref "no-such-branch"');
    // A tree's id is not a commit.
    await expect(commitTrees(r.dir, [first, one!])).rejects.toThrow(`unknown git ref "${one}"`);
  });
});

describe('checkout', () => {
  it('checks out two commits at once in separate folders, registers nothing in the repository and removes both on dispose', async () => {
    const r = await repo({ 'env/app.yaml': 'version: 1\n' });
    const v1 = await r.commit('v1');
    await writeFiles(r.dir, { 'env/app.yaml': 'version: 2\n', 'env/extra.yaml': 'extra: true\n' });
    const v2 = await r.commit('v2');

    const [a, b] = await Promise.all([checkout(r.dir, v1), checkout(r.dir, v2)]);
    expect(a.dir).not.toBe(b.dir);
    expect(basename(a.dir)).toMatch(new RegExp(`^bosun-wt-.+-${process.pid}-[A-Za-z0-9]{6}$`));
    expect(a.sha).toBe(v1);
    expect(readFileSync(join(a.dir, 'env/app.yaml'), 'utf8')).toBe('version: 1\n');
    expect(existsSync(join(a.dir, 'env/extra.yaml'))).toBe(false);
    expect(readFileSync(join(b.dir, 'env/app.yaml'), 'utf8')).toBe('version: 2\n');
    // Plain files: no .git leading back to the repository, no linked worktree registered in it, and
    // no index file left beside the folder.
    expect(readdirSync(a.dir)).toEqual(['env']);
    expect(existsSync(join(r.dir, '.git', 'worktrees'))).toBe(false);
    expect(existsSync(`${a.dir}.idx`)).toBe(false);

    await Promise.all([a.dispose(), b.dispose(), a.dispose()]);
    await a.dispose(); // idempotent
    expect(existsSync(a.dir)).toBe(false);
    expect(existsSync(b.dir)).toBe(false);
    // the repository's own working tree and index were not touched
    expect(readFileSync(join(r.dir, 'env/app.yaml'), 'utf8')).toBe('version: 2\n');
    expect(await git(['status', '--porcelain'], { cwd: r.dir })).toBe('');
  });

  it('leaves a tree every uid can read (folders 0755, files 0644, executables 0755) even under umask 077, symlinks as links', async () => {
    const r = await repo({ 'charts/app/Chart.yaml': 'name: app\n', 'bin/render.sh': '#!/bin/sh\n', 'link.yaml': { symlink: 'charts/app/Chart.yaml' } });
    chmodSync(join(r.dir, 'bin/render.sh'), 0o755);
    const sha = await r.commit('first');
    const previous = process.umask(0o077);
    let co;
    try {
      co = await checkout(r.dir, sha);
    } finally {
      process.umask(previous);
    }
    cleanups.push(co.dispose);
    const mode = (path: string) => (statSync(join(co.dir, path)).mode & 0o777).toString(8);
    expect([mode('.'), mode('charts'), mode('charts/app'), mode('bin')]).toEqual(['755', '755', '755', '755']);
    expect([mode('charts/app/Chart.yaml'), mode('bin/render.sh')]).toEqual(['644', '755']);
    expect(readlinkSync(join(co.dir, 'link.yaml'))).toBe('charts/app/Chart.yaml');
  });

  it('writes out only the asked files of a commit (modes and links as committed), and the rest on complete()', async () => {
    const r = await repo({ 'charts/app/Chart.yaml': 'name: app\n', 'bin/render.sh': '#!/bin/sh\n', 'link.yaml': { symlink: 'charts/app/Chart.yaml' }, 'apps/a/x.yaml': 'x: 1\n', 'apps/b/y.yaml': 'y: 1\n', 'top.yaml': 't: 1\n' });
    chmodSync(join(r.dir, 'bin/render.sh'), 0o755);
    const sha = await r.commit('first');
    const files = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).filter((p) => !lstatSync(join(dir, p)).isDirectory()).sort();
    const co = await partialCheckout(r.dir, sha, ['bin/render.sh', 'link.yaml', 'apps/a/x.yaml', 'not/in/the/commit.yaml']);
    cleanups.push(co.dispose);
    expect(files(co.dir)).toEqual(['apps/a/x.yaml', 'bin/render.sh', 'link.yaml']);
    expect((statSync(join(co.dir, 'bin/render.sh')).mode & 0o777).toString(8)).toBe('755');
    expect(readlinkSync(join(co.dir, 'link.yaml'))).toBe('charts/app/Chart.yaml');
    expect([co.has('apps/a/x.yaml'), co.has('apps/b/y.yaml'), co.completed]).toEqual([true, false, false]);
    await Promise.all([co.complete(), co.complete()]);
    expect(files(co.dir)).toEqual(['apps/a/x.yaml', 'apps/b/y.yaml', 'bin/render.sh', 'charts/app/Chart.yaml', 'link.yaml', 'top.yaml']);
    expect(readFileSync(join(co.dir, 'apps/b/y.yaml'), 'utf8')).toBe('y: 1\n');
    expect([co.has('apps/b/y.yaml'), co.completed]).toEqual([true, true]);

    const none = await partialCheckout(r.dir, sha, []);
    cleanups.push(none.dispose);
    expect(readdirSync(none.dir)).toEqual([]);
    await none.complete();
    expect(files(none.dir)).toEqual(files(co.dir));
    await Promise.all([co.dispose(), none.dispose()]);
    expect([existsSync(co.dir), existsSync(`${co.dir}.idx`), existsSync(none.dir)]).toEqual([false, false, false]);
  });

  it('writes out the same files from a tree listing the caller already read, and removes a checkout never completed', async () => {
    const r = await repo({ 'charts/app/Chart.yaml': 'name: app\n', 'bin/render.sh': '#!/bin/sh\n', 'link.yaml': { symlink: 'charts/app/Chart.yaml' }, 'apps/a/x.yaml': 'x: 1\n', 'apps/b/y.yaml': 'y: 1\n' });
    chmodSync(join(r.dir, 'bin/render.sh'), 0o755);
    const sha = await r.commit('first');
    const files = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).filter((p) => !lstatSync(join(dir, p)).isDirectory()).sort();
    const modes = new Map<string, string>();
    const ids = await listTree(r.dir, sha, modes);
    expect(modes.get('bin/render.sh')).toBe('100755');
    expect(modes.get('link.yaml')).toBe('120000');
    const co = await partialCheckout(r.dir, sha, ['bin/render.sh', 'link.yaml', 'apps/a/x.yaml', 'not/in/the/commit.yaml'], { listing: { ids, modes } });
    cleanups.push(co.dispose);
    expect(files(co.dir)).toEqual(['apps/a/x.yaml', 'bin/render.sh', 'link.yaml']);
    expect((statSync(join(co.dir, 'bin/render.sh')).mode & 0o777).toString(8)).toBe('755');
    expect(readlinkSync(join(co.dir, 'link.yaml'))).toBe('charts/app/Chart.yaml');
    expect(readFileSync(join(co.dir, 'apps/a/x.yaml'), 'utf8')).toBe('x: 1\n');
    const idle = await partialCheckout(r.dir, sha, ['apps/b/y.yaml'], { listing: { ids, modes } });
    await co.complete();
    expect(files(co.dir)).toEqual(['apps/a/x.yaml', 'apps/b/y.yaml', 'bin/render.sh', 'charts/app/Chart.yaml', 'link.yaml']);
    await Promise.all([co.dispose(), idle.dispose()]);
    expect([existsSync(co.dir), existsSync(`${co.dir}.idx`), existsSync(idle.dir), existsSync(`${idle.dir}.idx`)]).toEqual([false, false, false, false]);
  });

  it('runs no filter, even one the user\'s git config defines and the repository\'s .gitattributes names', async () => {
    const r = await repo({ '.gitattributes': '*.yaml filter=evil\n', 'a.yaml': 'a: 1\n' });
    const sha = await r.commit('first');
    const home = await tempDir('bosun-gitconfig-');
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const marker = join(home, 'filter-ran');
    await writeFile(join(home, 'gitconfig'), `[filter "evil"]\n\tsmudge = touch ${marker}; cat\n\trequired = true\n`);
    const saved = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = join(home, 'gitconfig');
    try {
      const co = await checkout(r.dir, sha);
      cleanups.push(co.dispose);
      expect(readFileSync(join(co.dir, 'a.yaml'), 'utf8')).toBe('a: 1\n');
    } finally {
      if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved;
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an unknown commit and leaves no folder behind', async () => {
    const r = await repo({ 'a.yaml': 'a: 1\n' });
    await r.commit('first');
    const root = await tempDir('bosun-wt-root-');
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await expect(checkout(r.dir, '0123456789abcdef0123456789abcdef01234567', { tempRoot: root })).rejects.toThrow(/unknown git ref/);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('git adapter', () => {
  it('reports failures as git errors with credentials scrubbed from stderr', async () => {
    const r = await repo({});
    const err = await git(['fetch', 'https://bosun:hunter2-secret-token@127.0.0.1:1/repo.git'], { cwd: r.dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).kind).toBe('git');
    expect((err as BosunError).message).toMatch(/git fetch failed/);
    expect((err as BosunError).message).not.toContain('hunter2-secret-token');
  });

  it('hands git none of bosun\'s own secrets: only what git needs (PATH, HOME, locale, proxies, CA bundles)', async () => {
    const r = await repo({});
    const saved = { key: process.env.PRIVATE_KEY, secret: process.env.WEBHOOK_SECRET, proxy: process.env.HTTPS_PROXY };
    process.env.PRIVATE_KEY = 'canary-private-key';
    process.env.WEBHOOK_SECRET = 'canary-webhook-secret';
    process.env.HTTPS_PROXY = 'http://proxy.internal:3128';
    try {
      // a git alias starting with "!" runs a shell command with git's environment
      const env = await git(['-c', 'alias.showenv=!env', 'showenv'], { cwd: r.dir });
      expect(env).not.toContain('canary-private-key');
      expect(env).not.toContain('canary-webhook-secret');
      expect(env).toContain('HTTPS_PROXY=http://proxy.internal:3128');
      expect(env).toMatch(/^PATH=/m);
    } finally {
      for (const [name, value] of [['PRIVATE_KEY', saved.key], ['WEBHOOK_SECRET', saved.secret], ['HTTPS_PROXY', saved.proxy]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('passes input on stdin', async () => {
    const r = await repo({});
    const id = await git(['hash-object', '-w', '--stdin'], { cwd: r.dir, input: 'hello\n' });
    expect(await git(['cat-file', '-p', id.trim()], { cwd: r.dir })).toBe('hello\n');
  });
});
