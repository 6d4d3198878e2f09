import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { createMirrorCache, type MirrorCache } from '../../src/git/mirror.ts';
import { BosunError } from '../../src/model/errors.ts';
import { startGitHubStandin } from '../../testkit/github-standin/index.ts';
import { tempDir, tempRepo } from './temp-repo.ts';

const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const basic = (token: string) => Buffer.from(`x-access-token:${token}`).toString('base64');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * The GitHub stand-in serving one real repository over smart HTTP (`git http-backend` behind GitHub's
 * rule for Apps: basic auth `x-access-token:<installation token>`), with a clock the test can move.
 */
async function standinRepo() {
  const clock = { now: Date.now() };
  const gh = await startGitHubStandin({ now: () => clock.now });
  cleanups.push(() => gh.close());
  const work = await tempRepo({ 'clusters/staging/app.yaml': 'kind: ConfigMap\n' });
  cleanups.push(work.cleanup);
  const first = await work.commit('first');
  const info = await gh.addRepo({ owner: 'acme', name: 'gitops', gitDir: work.dir, defaultBranch: 'main' });
  const repo = { fullName: info.fullName, cloneUrl: info.cloneUrl };
  /** An installation token the way the bot gets one: App JWT → POST /app/installations/{id}/access_tokens. */
  const token = () => {
    const fn = async () => {
      fn.calls++;
      const res = await fetch(`${gh.apiUrl}/app/installations/${info.installationId}/access_tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gh.appJwt()}`, accept: 'application/vnd.github+json' },
      });
      const value = ((await res.json()) as { token: string }).token;
      minted.push(value);
      return value;
    };
    fn.calls = 0;
    return fn;
  };
  const minted: string[] = [];
  /** Every clone, fetch or ls-remote starts with one ref advertisement. */
  const contacts = () => gh.git('acme', 'gitops').advertisements;
  return { gh, clock, work, first, info, repo, token, minted, contacts };
}

async function newCache(log: string[] = []): Promise<MirrorCache> {
  const root = await tempDir('bosun-mirrors-');
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  return createMirrorCache({ root, log: (line) => log.push(line) });
}

function expectNoSecret(text: string, tokens: readonly string[]) {
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) {
    expect(text).not.toContain(token);
    expect(text).not.toContain(basic(token));
  }
}

function countingToken(value = TOKEN) {
  const fn = async () => {
    fn.calls++;
    return value;
  };
  fn.calls = 0;
  return fn;
}

/** A `git` first on PATH that records each argument list (what `ps` shows) before running the real one. */
async function recordGitArguments(): Promise<() => Promise<string>> {
  const dir = await tempDir('bosun-git-shim-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const realGit = (await new Promise<string>((resolve, reject) => {
    execFile('sh', ['-c', 'command -v git'], (e, out) => (e ? reject(e) : resolve(out.trim())));
  }));
  const record = join(dir, 'argv.log');
  await writeFile(join(dir, 'git'), `#!/bin/sh\nprintf '%s ' "$@" >> '${record}'\necho >> '${record}'\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
  cleanups.push(async () => {
    process.env.PATH = path;
  });
  return () => readFile(record, 'utf8').catch(() => '');
}

describe('mirror cache against the GitHub stand-in', () => {
  it('clones once, then serves a known commit without contacting GitHub or asking for a token', async () => {
    const s = await standinRepo();
    const cache = await newCache();
    const token = s.token();

    const cloned = await cache.ensure(s.repo, token, [s.first]);
    expect(cloned).toMatchObject({ cloned: true, fetched: true });
    expect((await git(['rev-parse', 'refs/heads/main'], { cwd: cloned.dir })).trim()).toBe(s.first);
    expect(s.contacts()).toBe(1);
    expect(token.calls).toBe(1);

    const again = await cache.ensure(s.repo, token, [s.first]);
    expect(again).toEqual({ dir: cloned.dir, cloned: false, fetched: false });
    expect(s.contacts()).toBe(1);
    expect(token.calls).toBe(1);
  });

  it('fetches (and does not clone again) when a wanted commit was pushed after the last fetch', async () => {
    const s = await standinRepo();
    const cache = await newCache();
    const { dir } = await cache.ensure(s.repo, s.token(), [s.first]);
    await writeFile(join(dir, 'marker'), 'the same mirror folder must be reused');

    await writeFile(join(s.work.dir, 'clusters/staging/app.yaml'), 'kind: ConfigMap\ndata: {a: b}\n');
    const second = await s.work.commit('second');
    const result = await cache.ensure(s.repo, s.token(), [second]);

    expect(result).toEqual({ dir, cloned: false, fetched: true });
    expect(s.contacts()).toBe(2);
    expect(s.gh.git('acme', 'gitops').fetches).toBe(2);
    expect(existsSync(join(dir, 'marker'))).toBe(true);
    expect((await git(['rev-parse', 'refs/heads/main'], { cwd: dir })).trim()).toBe(second);
  });

  it('mints a fresh token for every fetch, so an expired one never breaks a later plan', async () => {
    const s = await standinRepo();
    const cache = await newCache();
    const token = s.token();
    await cache.ensure(s.repo, token, [s.first]);

    s.clock.now += 2 * 60 * 60_000; // the first token has expired
    const second = await s.work.commit('second');
    expect(await cache.ensure(s.repo, token, [second])).toMatchObject({ fetched: true });
    expect(token.calls).toBe(2);
    expect(new Set(s.minted).size).toBe(2);
  });

  it('mirrors pull request heads, including fork commits on no branch, follows a force-push and prunes deleted branches', async () => {
    const s = await standinRepo();
    await git(['branch', 'feature'], { cwd: s.work.dir });
    await writeFile(join(s.work.dir, 'fork.yaml'), 'kind: ConfigMap\n');
    const forkHead = await s.work.commit('from a fork');
    await git(['reset', '--quiet', '--hard', s.first], { cwd: s.work.dir });
    await s.gh.addPullRequest({ owner: 'acme', repo: 'gitops', number: 7, head: { ref: 'patch-1', sha: forkHead }, base: { ref: 'main' }, user: 'octocat' });
    const cache = await newCache();

    const { dir } = await cache.ensure(s.repo, s.token(), [forkHead]);
    expect((await git(['rev-parse', 'refs/pull/7/head'], { cwd: dir })).trim()).toBe(forkHead);
    expect(await git(['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: dir })).toBe('refs/heads/feature\nrefs/heads/main\n');

    await writeFile(join(s.work.dir, 'fork.yaml'), 'kind: Secret\n');
    const forcePushed = await s.work.commit('fork force-push');
    await git(['reset', '--quiet', '--hard', s.first], { cwd: s.work.dir });
    await s.gh.updatePullRequest('acme', 'gitops', 7, { head: { sha: forcePushed } });
    await git(['branch', '--quiet', '-D', 'feature'], { cwd: s.work.dir });
    expect(await cache.ensure(s.repo, s.token(), [forcePushed])).toMatchObject({ fetched: true, cloned: false });
    expect((await git(['rev-parse', 'refs/pull/7/head'], { cwd: dir })).trim()).toBe(forcePushed);
    expect(await git(['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: dir })).toBe('refs/heads/main\n');
  });

  it('fetches a wanted commit by id when no mirrored ref points at it', async () => {
    const s = await standinRepo();
    const cache = await newCache();
    await cache.ensure(s.repo, s.token(), [s.first]);
    const hidden = await s.work.commit('only under a ref bosun does not mirror');
    await git(['update-ref', 'refs/keep/hidden', hidden], { cwd: s.work.dir });
    await git(['reset', '--quiet', '--hard', s.first], { cwd: s.work.dir });

    const result = await cache.ensure(s.repo, s.token(), [hidden]);
    expect(result.fetched).toBe(true);
    expect((await git(['cat-file', '-t', hidden], { cwd: result.dir })).trim()).toBe('commit');
  });

  it('keeps the token out of the mirror\'s git config, its remote URL, log lines and every git argument list', async () => {
    const s = await standinRepo();
    const logs: string[] = [];
    const cache = await newCache(logs);
    const argv = await recordGitArguments();

    const { dir } = await cache.ensure(s.repo, s.token(), [s.first]);
    const second = await s.work.commit('second');
    await cache.ensure(s.repo, s.token(), [second]);

    const recorded = await argv();
    expect(recorded).toMatch(/(^| )fetch --prune/m);
    expectNoSecret(recorded, s.minted);
    const config = await git(['config', '--list', '--local'], { cwd: dir });
    expect(config).toContain(`remote.origin.url=${s.repo.cloneUrl}`);
    expect(config.toLowerCase()).not.toContain('authorization');
    expectNoSecret(config, s.minted);
    expect(logs.join('\n')).toContain(`mirror acme/gitops: cloning from ${s.repo.cloneUrl}`);
    expectNoSecret(logs.join('\n'), s.minted);
  });

  it('reports a refused (expired) token with the repository name and never the token, leaving no half-made mirror', async () => {
    const s = await standinRepo();
    const stale = s.gh.mintToken(s.info.installationId);
    s.clock.now += 61 * 60_000;
    const cache = await newCache();

    const err = await cache.ensure(s.repo, countingToken(stale), [s.first]).then(() => new Error('accepted'), (e: unknown) => e as Error);

    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).kind).toBe('git');
    expect(err.message).toMatch(/^cannot fetch acme\/gitops from http:\/\/127\.0\.0\.1:\d+\/acme\/gitops\.git: the credentials were refused; check that the GitHub App is installed on acme\/gitops/);
    expectNoSecret(`${err.message}\n${err.stack}`, [stale]);
    expect(await readdir(join(cache.root, 'mirrors', 'acme'))).toEqual([]);

    // The next attempt with a good token clones normally.
    expect(await cache.ensure(s.repo, s.token(), [s.first])).toMatchObject({ cloned: true });
  });

  it('says a repository outside the installation is not found, without the token', async () => {
    const s = await standinRepo();
    const other = await tempRepo({ 'a.yaml': 'a: 1\n' });
    cleanups.push(other.cleanup);
    await other.commit('first');
    const foreign = await s.gh.addRepo({ owner: 'globex', name: 'infra', gitDir: other.dir, defaultBranch: 'main' });
    const cache = await newCache();

    const err = await cache.ensure({ fullName: foreign.fullName, cloneUrl: foreign.cloneUrl }, s.token())
      .then(() => new Error('accepted'), (e: unknown) => e as Error);
    expect(err.message).toMatch(/^cannot fetch globex\/infra from .*: repository not found; was it renamed, deleted or removed from the App's installation\?/);
    expectNoSecret(err.message, s.minted);
  });

  it('names the repository and the commit when a wanted commit is not on the server', async () => {
    const s = await standinRepo();
    const cache = await newCache();
    const ghost = 'deadbeef'.repeat(5);

    await expect(cache.ensure(s.repo, s.token(), [ghost]))
      .rejects.toThrow(/commit deadbeefdead is not in acme\/gitops even after fetching; it may have been force-pushed away/);
  });

  it('runs one fetch for concurrent ensures of the same repository, with or without wanted commits', async () => {
    const s = await standinRepo();
    const cache = await newCache();

    const clones = await Promise.all([1, 2, 3].map(() => cache.ensure(s.repo, s.token())));
    expect(clones.filter((r) => r.cloned)).toHaveLength(1);
    expect(s.contacts()).toBe(1);

    const next = await s.work.commit('second');
    const results = await Promise.all([1, 2, 3].map(() => cache.ensure(s.repo, s.token(), [next])));
    expect(results.filter((r) => r.fetched)).toHaveLength(1);
    expect(s.contacts()).toBe(2);

    await s.work.commit('third');
    const latest = await Promise.all([1, 2, 3].map(() => cache.ensure(s.repo, s.token())));
    expect(latest.filter((r) => r.fetched)).toHaveLength(1);
    expect(s.contacts()).toBe(3);
  });

  it('lets only one of two caches sharing a folder (two workers on one host) fetch a mirror', async () => {
    const s = await standinRepo();
    const root = await tempDir('bosun-mirrors-');
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const workerA = createMirrorCache({ root });
    const workerB = createMirrorCache({ root });

    const [a, b] = await Promise.all([workerA.ensure(s.repo, s.token(), [s.first]), workerB.ensure(s.repo, s.token(), [s.first])]);

    expect([a.cloned, b.cloned].sort()).toEqual([false, true]);
    expect(a.dir).toBe(b.dir);
    expect(s.contacts()).toBe(1);
    expect(existsSync(join(root, 'mirrors', 'acme', 'gitops.git.lock'))).toBe(false);
  });

  it('lets only one of two worker processes sharing a cache folder clone a repository', async () => {
    const s = await standinRepo();
    const root = await tempDir('bosun-mirrors-');
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const script = [
      `import { createMirrorCache } from ${JSON.stringify(join(import.meta.dirname, '../../src/git/mirror.ts'))};`,
      'const cache = createMirrorCache({ root: process.env.ROOT });',
      'const result = await cache.ensure({ fullName: "acme/gitops", cloneUrl: process.env.URL }, async () => process.env.TEST_TOKEN, [process.env.SHA]);',
      'process.stdout.write(JSON.stringify(result));',
    ].join('\n');
    const scriptFile = join(root, 'worker.mts');
    await writeFile(scriptFile, script);
    const token = s.gh.mintToken(s.info.installationId);
    const worker = () => new Promise<{ cloned: boolean; fetched: boolean; dir: string }>((resolve, reject) => {
      const child = spawn(join(import.meta.dirname, '../../node_modules/.bin/tsx'), [scriptFile], {
        env: { ...process.env, ROOT: root, URL: s.repo.cloneUrl, SHA: s.first, TEST_TOKEN: token },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker failed: ${err}`))));
    });

    const [a, b] = await Promise.all([worker(), worker()]);

    expect([a.cloned, b.cloned].sort()).toEqual([false, true]);
    expect(s.contacts()).toBe(1);
  });
});

describe('mirror cache locking and layout', () => {
  async function fileOrigin() {
    const origin = await tempRepo({ 'a.yaml': 'a: 1\n' });
    cleanups.push(origin.cleanup);
    const sha = await origin.commit('first');
    return { origin, sha, repo: { fullName: 'acme/gitops', cloneUrl: `file://${origin.dir}` } };
  }

  it('shares one mirror between spellings of the same repository name, as GitHub does', async () => {
    const { sha, repo } = await fileOrigin();
    const cache = await newCache();
    const a = await cache.ensure(repo, countingToken(), [sha]);
    const b = await cache.ensure({ ...repo, fullName: 'ACME/GitOps' }, countingToken(), [sha]);
    expect(b).toEqual({ dir: a.dir, cloned: false, fetched: false });
  });

  it('follows a repository whose clone URL moved, keeping the mirror', async () => {
    const { origin, sha, repo } = await fileOrigin();
    const cache = await newCache();
    const { dir } = await cache.ensure(repo, countingToken(), [sha]);
    const moved = await tempDir('bosun-moved-');
    cleanups.push(() => rm(moved, { recursive: true, force: true }));
    await git(['clone', '--quiet', '--bare', origin.dir, join(moved, 'gitops.git')], { cwd: moved });
    await git(['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'after the move'], { cwd: origin.dir });
    await git(['push', '--quiet', join(moved, 'gitops.git'), 'main'], { cwd: origin.dir });
    const next = (await git(['rev-parse', 'HEAD'], { cwd: origin.dir })).trim();

    const movedUrl = `file://${join(moved, 'gitops.git')}`;
    expect(await cache.ensure({ ...repo, cloneUrl: movedUrl }, countingToken(), [next])).toEqual({ dir, cloned: false, fetched: true });
    expect((await git(['config', '--get', 'remote.origin.url'], { cwd: dir })).trim()).toBe(movedUrl);
  });

  it('breaks a lock left by a process that died, and waits for (then gives up on) a live holder', async () => {
    const { sha, repo } = await fileOrigin();
    const cache = createMirrorCache({ root: await tempDir('bosun-mirrors-'), lockTimeoutMs: 300 });
    cleanups.push(() => rm(cache.root, { recursive: true, force: true }));
    const lockFile = join(cache.root, 'mirrors', 'acme', 'gitops.git.lock');
    await mkdir(join(cache.root, 'mirrors', 'acme'), { recursive: true });

    const dead = spawn('true');
    await new Promise((resolve) => dead.on('close', resolve));
    await writeFile(lockFile, JSON.stringify({ pid: dead.pid, host: hostname(), nonce: 'x', since: '2020-01-01T00:00:00Z' }));
    expect(await cache.ensure(repo, countingToken(), [sha])).toMatchObject({ cloned: true });
    expect(existsSync(lockFile)).toBe(false);

    await writeFile(lockFile, JSON.stringify({ pid: process.ppid, host: hostname(), nonce: 'y', since: '2020-01-01T00:00:00Z' }));
    const err = await cache.ensure(repo, countingToken()).catch((e: unknown) => e as BosunError);
    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).message).toContain(`mirror acme/gitops is locked by pid ${process.ppid}`);
    expect((err as BosunError).message).toContain(`delete ${lockFile}`);
  });

  it('refuses clone URLs with credentials, other transports and names that are not repositories, without echoing secrets', async () => {
    const cache = await newCache();
    const token = countingToken();
    const withCreds = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: `https://x-access-token:${TOKEN}@github.com/acme/gitops.git` }, token)
      .then(() => new Error('accepted'), (e: unknown) => e as Error);
    expect(withCreds.message).toMatch(/clone URL of acme\/gitops carries credentials/);
    expect(withCreds.message).not.toContain(TOKEN);
    await expect(cache.ensure({ fullName: 'acme/gitops', cloneUrl: 'ext::sh -c touch% /tmp/pwned' }, token)).rejects.toThrow(/not a valid URL|uses ext/);
    await expect(cache.ensure({ fullName: '../etc', cloneUrl: 'https://github.com/a/b.git' }, token)).rejects.toThrow(/not a GitHub repository name/);
    await expect(cache.ensure({ fullName: 'acme/..', cloneUrl: 'https://github.com/a/b.git' }, token)).rejects.toThrow(/not a GitHub repository name/);
    await expect(cache.ensure({ fullName: 'acme/gitops', cloneUrl: 'https://github.com/a/b.git' }, token, ['--upload-pack=evil'])).rejects.toThrow(/is not a commit sha/);
    expect(token.calls).toBe(0);
  });

  it('says the git host cannot be reached, naming the repository and never the token', async () => {
    const cache = await newCache();
    const err = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: 'http://127.0.0.1:1/acme/gitops.git' }, countingToken(), ['a'.repeat(40)])
      .then(() => new Error('accepted'), (e: unknown) => e as Error);
    expect(err.message).toMatch(/^cannot fetch acme\/gitops from http:\/\/127\.0\.0\.1:1\/acme\/gitops\.git: cannot reach the git host/);
    expectNoSecret(err.message, [TOKEN]);
  });

  it('explains a failing token provider with the repository name', async () => {
    const { sha, repo } = await fileOrigin();
    const cache = await newCache();
    await expect(cache.ensure(repo, async () => {
      throw new Error('installation 42 suspended');
    }, [sha])).rejects.toThrow('cannot get an installation token to fetch acme/gitops: installation 42 suspended');
  });
});

describe('mirror checkouts', () => {
  it('checks out a commit into its own worktree and removes it afterwards, even when the work fails', async () => {
    const origin = await tempRepo({ 'clusters/staging/app.yaml': 'v: 1\n' });
    cleanups.push(origin.cleanup);
    const v1 = await origin.commit('v1');
    await writeFile(join(origin.dir, 'clusters/staging/app.yaml'), 'v: 2\n');
    const v2 = await origin.commit('v2');
    const cache = await newCache();
    const mirror = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: `file://${origin.dir}` }, countingToken(), [v1, v2]);

    const [a, b] = await Promise.all([cache.checkoutCommit(mirror, v1), cache.checkoutCommit(mirror, v2)]);
    expect(await readFile(join(a.dir, 'clusters/staging/app.yaml'), 'utf8')).toBe('v: 1\n');
    expect(await readFile(join(b.dir, 'clusters/staging/app.yaml'), 'utf8')).toBe('v: 2\n');
    await a.dispose();
    await b.dispose();
    expect(existsSync(a.dir)).toBe(false);

    let seenDir = '';
    await expect(cache.withCheckout(mirror, v2, async (co) => {
      seenDir = co.dir;
      expect(existsSync(join(co.dir, 'clusters/staging/app.yaml'))).toBe(true);
      throw new Error('render failed');
    })).rejects.toThrow('render failed');
    expect(existsSync(seenDir)).toBe(false);
    // Checkouts are not linked worktrees: the mirror never gets a registration to prune.
    expect(existsSync(join(mirror.dir, 'worktrees'))).toBe(false);
  });

  it('removes checkouts a crashed process left behind when the next one starts, and keeps live ones', async () => {
    const origin = await tempRepo({ 'a.yaml': 'a: 1\n' });
    cleanups.push(origin.cleanup);
    const sha = await origin.commit('first');
    const cache = await newCache();
    const mirror = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: `file://${origin.dir}` }, countingToken(), [sha]);
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
    const root = join(cache.root, 'worktrees');

    // A worker that died mid-plan: its checkout and the index file beside it are still there.
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('close', resolve));
    const crashed = join(root, `bosun-wt-${host}-${dead.pid}-AbC123`);
    await mkdir(join(crashed, 'clusters'), { recursive: true });
    await writeFile(`${crashed}.idx`, '');
    // An earlier bosun's layout: linked worktrees in a folder per process.
    const oldLayout = join(root, `${host}-${dead.pid}`, 'bosun-wt-old');
    await mkdir(oldLayout, { recursive: true });
    // Another live worker on another host sharing the folder must be left alone.
    const otherHost = join(root, `bosun-wt-other-host-${dead.pid}-XyZ789`);
    await mkdir(otherHost, { recursive: true });
    const live = await cache.checkoutCommit(mirror, sha);
    cleanups.push(() => live.dispose());

    const restarted = createMirrorCache({ root: cache.root });
    expect(await restarted.prune()).toEqual({ removedWorktrees: 2 });

    expect(existsSync(crashed)).toBe(false);
    expect(existsSync(`${crashed}.idx`)).toBe(false);
    expect(existsSync(join(oldLayout, '..'))).toBe(false);
    expect(existsSync(otherHost)).toBe(true);
    expect(existsSync(join(live.dir, 'a.yaml'))).toBe(true);
  });
});
