import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { createMirrorCache, type MirrorCache } from '../../src/git/mirror.ts';
import { BosunError } from '../../src/model/errors.ts';
import { tempDir, tempRepo } from './temp-repo.ts';

const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const basic = (token: string) => Buffer.from(`x-access-token:${token}`).toString('base64');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * A real smart-HTTP git server: `git http-backend` behind a Node HTTP server that accepts only
 * `x-access-token:<TOKEN>` basic auth, counts fetches (one `info/refs` request per git fetch) and can
 * hold requests so a test can look at the running git processes.
 */
async function startGitServer() {
  const projectRoot = await tempDir('bosun-git-http-');
  let fetches = 0;
  let hold: (() => Promise<void>) | undefined;
  const authHeaders: string[] = [];
  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    authHeaders.push(String(req.headers.authorization ?? ''));
    if (req.headers.authorization !== `Basic ${basic(TOKEN)}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"' });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.endsWith('/info/refs')) {
      fetches++;
      if (hold) await hold();
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  cleanups.push(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(projectRoot, { recursive: true, force: true });
  });
  return {
    get fetches() {
      return fetches;
    },
    authHeaders,
    holdRequests(fn: (() => Promise<void>) | undefined) {
      hold = fn;
    },
    /** Creates `owner/name.git` on the server and a working repo that pushes to it. */
    async addRepo(fullName: string) {
      const bare = join(projectRoot, `${fullName}.git`);
      await mkdir(bare, { recursive: true });
      await git(['init', '--bare', '--quiet', bare], { cwd: projectRoot });
      const work = await tempRepo({ 'clusters/staging/app.yaml': 'kind: ConfigMap\n' });
      cleanups.push(work.cleanup);
      const push = async (...refspecs: string[]) => {
        await git(['push', '--quiet', '--force', bare, ...refspecs], { cwd: work.dir });
      };
      return { bare, work, push, cloneUrl: `http://127.0.0.1:${port}/${fullName}.git` };
    },
  };
}

async function newCache(log: string[] = []): Promise<MirrorCache> {
  const root = await tempDir('bosun-mirrors-');
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  return createMirrorCache({ root, log: (line) => log.push(line) });
}

function expectNoToken(text: string) {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(basic(TOKEN));
}

function countingToken(value = TOKEN) {
  const fn = async () => {
    fn.calls++;
    return value;
  };
  fn.calls = 0;
  return fn;
}

describe('mirror cache over smart HTTP', () => {
  it('clones once, then serves a known commit without contacting GitHub or asking for a token', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    const first = await origin.work.commit('first');
    await origin.push('main');
    const cache = await newCache();
    const token = countingToken();

    const cloned = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: origin.cloneUrl }, token, [first]);
    expect(cloned).toMatchObject({ cloned: true, fetched: true });
    expect((await git(['rev-parse', 'refs/heads/main'], { cwd: cloned.dir })).trim()).toBe(first);
    expect(server.fetches).toBe(1);
    expect(token.calls).toBe(1);

    const again = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: origin.cloneUrl }, token, [first]);
    expect(again).toEqual({ dir: cloned.dir, cloned: false, fetched: false });
    expect(server.fetches).toBe(1);
    expect(token.calls).toBe(1);
  });

  it('fetches (and does not clone again) when a wanted commit was pushed after the last fetch', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    const first = await origin.work.commit('first');
    await origin.push('main');
    const cache = await newCache();
    const repo = { fullName: 'acme/gitops', cloneUrl: origin.cloneUrl };
    const { dir } = await cache.ensure(repo, countingToken(), [first]);
    await writeFile(join(dir, 'marker'), 'the same mirror folder must be reused');

    await writeFile(join(origin.work.dir, 'clusters/staging/app.yaml'), 'kind: ConfigMap\ndata: {a: b}\n');
    const second = await origin.work.commit('second');
    await origin.push('main');
    const result = await cache.ensure(repo, countingToken(), [second]);

    expect(result).toEqual({ dir, cloned: false, fetched: true });
    expect(server.fetches).toBe(2);
    expect(existsSync(join(dir, 'marker'))).toBe(true);
    expect((await git(['rev-parse', 'refs/heads/main'], { cwd: dir })).trim()).toBe(second);
  });

  it('mirrors pull request heads, including commits that exist on no branch (fork PRs), and prunes deleted branches', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    await origin.work.commit('base');
    await origin.push('main', 'main:refs/heads/feature');
    await writeFile(join(origin.work.dir, 'fork.yaml'), 'kind: Secret\n');
    const forkHead = await origin.work.commit('from a fork');
    await origin.push(`${forkHead}:refs/pull/7/head`);
    await git(['reset', '--quiet', '--hard', 'HEAD~1'], { cwd: origin.work.dir });
    const cache = await newCache();
    const repo = { fullName: 'acme/gitops', cloneUrl: origin.cloneUrl };

    const { dir } = await cache.ensure(repo, countingToken(), [forkHead]);
    expect((await git(['rev-parse', 'refs/pull/7/head'], { cwd: dir })).trim()).toBe(forkHead);
    expect(await git(['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: dir })).toBe('refs/heads/feature\nrefs/heads/main\n');

    await git(['push', '--quiet', origin.bare, ':refs/heads/feature'], { cwd: origin.work.dir });
    await cache.ensure(repo, countingToken());
    expect(await git(['for-each-ref', '--format=%(refname)', 'refs/heads/'], { cwd: dir })).toBe('refs/heads/main\n');
  });

  it('keeps the token out of the mirror\'s git config, its remote URL and every process argument list', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    const sha = await origin.work.commit('first');
    await origin.push('main');
    const logs: string[] = [];
    const cache = await newCache(logs);

    const seen: string[] = [];
    server.holdRequests(async () => {
      // While git is blocked on this request, everything `ps` could show is in /proc/*/cmdline.
      for (const pid of await readdir('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmdline.includes('git')) seen.push(cmdline.split('\0').join(' '));
      }
    });
    const { dir } = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: origin.cloneUrl }, countingToken(), [sha]);
    server.holdRequests(undefined);

    expect(seen.some((line) => line.includes('remote-http') || line.includes('fetch'))).toBe(true);
    for (const line of seen) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(basic(TOKEN));
    }
    const config = await git(['config', '--list', '--local'], { cwd: dir });
    expect(config).toContain(`remote.origin.url=${origin.cloneUrl}`);
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(basic(TOKEN));
    expect(config.toLowerCase()).not.toContain('authorization');
    expect(server.authHeaders).toContain(`Basic ${basic(TOKEN)}`);
    expect(logs.join('\n')).toContain(`mirror acme/gitops: cloning from ${origin.cloneUrl}`);
    expectNoToken(logs.join('\n'));
  });

  it('reports a refused token with the repository name and never the token, leaving no half-made mirror', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    const sha = await origin.work.commit('first');
    await origin.push('main');
    const cache = await newCache();
    const badToken = 'ghs_WrongWrongWrong0123456789abcdefABCDEF';

    const err = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: origin.cloneUrl }, countingToken(badToken), [sha]).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(BosunError);
    const message = (err as BosunError).message;
    expect((err as BosunError).kind).toBe('git');
    expect(message).toContain('acme/gitops');
    expect(message).toMatch(/credentials were refused.*installed on acme\/gitops/);
    expect(message).not.toContain(badToken);
    expect(message).not.toContain(basic(badToken));
    expect(String((err as Error).stack)).not.toContain(badToken);
    expect(await readdir(join(cache.root, 'mirrors', 'acme'))).toEqual([]);

    // The next attempt with a good token clones normally.
    expect(await cache.ensure({ fullName: 'acme/gitops', cloneUrl: origin.cloneUrl }, countingToken(), [sha])).toMatchObject({ cloned: true });
  });

  it('names the repository and the commit when a wanted commit is not on the server', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    await origin.work.commit('first');
    await origin.push('main');
    const cache = await newCache();
    const ghost = 'deadbeef'.repeat(5);

    await expect(cache.ensure({ fullName: 'acme/gitops', cloneUrl: origin.cloneUrl }, countingToken(), [ghost]))
      .rejects.toThrow(/commit deadbeefdead is not in acme\/gitops even after fetching; it may have been force-pushed away/);
  });

  it('runs one fetch for concurrent ensures of the same repository, with or without wanted commits', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    await origin.work.commit('first');
    await origin.push('main');
    const cache = await newCache();
    const repo = { fullName: 'acme/gitops', cloneUrl: origin.cloneUrl };

    const clones = await Promise.all([1, 2, 3].map(() => cache.ensure(repo, countingToken())));
    expect(clones.filter((r) => r.cloned)).toHaveLength(1);
    expect(server.fetches).toBe(1);

    const next = await origin.work.commit('second');
    await origin.push('main');
    const results = await Promise.all([1, 2, 3].map(() => cache.ensure(repo, countingToken(), [next])));
    expect(results.filter((r) => r.fetched)).toHaveLength(1);
    expect(server.fetches).toBe(2);

    await origin.work.commit('third');
    await origin.push('main');
    const latest = await Promise.all([1, 2, 3].map(() => cache.ensure(repo, countingToken())));
    expect(latest.filter((r) => r.fetched)).toHaveLength(1);
    expect(server.fetches).toBe(3);
  });

  it('lets only one of two caches sharing a folder (two workers on one host) fetch a mirror', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    const sha = await origin.work.commit('first');
    await origin.push('main');
    const root = await tempDir('bosun-mirrors-');
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const workerA = createMirrorCache({ root });
    const workerB = createMirrorCache({ root });
    const repo = { fullName: 'acme/gitops', cloneUrl: origin.cloneUrl };

    const [a, b] = await Promise.all([workerA.ensure(repo, countingToken(), [sha]), workerB.ensure(repo, countingToken(), [sha])]);

    expect([a.cloned, b.cloned].sort()).toEqual([false, true]);
    expect(a.dir).toBe(b.dir);
    expect(server.fetches).toBe(1);
    expect(existsSync(join(root, 'mirrors', 'acme', 'gitops.git.lock'))).toBe(false);
  });
  it('lets only one of two worker processes sharing a cache folder clone a repository', async () => {
    const server = await startGitServer();
    const origin = await server.addRepo('acme/gitops');
    const sha = await origin.work.commit('first');
    await origin.push('main');
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
    const worker = () => new Promise<{ cloned: boolean; fetched: boolean; dir: string }>((resolve, reject) => {
      const child = spawn(join(import.meta.dirname, '../../node_modules/.bin/tsx'), [scriptFile], {
        env: { ...process.env, ROOT: root, URL: origin.cloneUrl, SHA: sha, TEST_TOKEN: TOKEN },
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
    expect(server.fetches).toBe(1);
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
    expectNoToken(err.message);
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
    expect((await git(['worktree', 'list', '--porcelain'], { cwd: mirror.dir })).match(/^worktree /gm)).toHaveLength(1);
  });

  it('removes worktrees a crashed process left behind when the next one starts, and keeps live ones', async () => {
    const origin = await tempRepo({ 'a.yaml': 'a: 1\n' });
    cleanups.push(origin.cleanup);
    const sha = await origin.commit('first');
    const cache = await newCache();
    const mirror = await cache.ensure({ fullName: 'acme/gitops', cloneUrl: `file://${origin.dir}` }, countingToken(), [sha]);

    // A worker that died mid-plan: its worktree is still registered in the mirror.
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('close', resolve));
    const crashed = join(cache.root, 'worktrees', `${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${dead.pid}`, 'bosun-wt-crashed');
    await mkdir(join(crashed, '..'), { recursive: true });
    await git(['worktree', 'add', '--detach', '--quiet', crashed, sha], { cwd: mirror.dir });
    // Another live worker on another host sharing the folder must be left alone.
    const otherHost = join(cache.root, 'worktrees', 'other-host-1', 'bosun-wt-live');
    await mkdir(otherHost, { recursive: true });
    const live = await cache.checkoutCommit(mirror, sha);
    cleanups.push(() => live.dispose());

    const restarted = createMirrorCache({ root: cache.root });
    expect(await restarted.prune()).toEqual({ removedWorktrees: 1 });

    expect(existsSync(crashed)).toBe(false);
    expect(existsSync(otherHost)).toBe(true);
    expect(existsSync(join(live.dir, 'a.yaml'))).toBe(true);
    const registered = await git(['worktree', 'list', '--porcelain'], { cwd: mirror.dir });
    expect(registered).not.toContain('bosun-wt-crashed');
    expect(registered).toContain(live.dir);
  });
});
