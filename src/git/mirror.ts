import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BosunError } from '../model/errors.ts';
import { scrub } from '../util/scrub.ts';
import { git } from './git.ts';
import { checkCloneUrl, checkShas, displayUrl, mirrorPaths, type MirrorRepo } from './mirror-layout.ts';
import { KeyedMutex, acquireFileLock } from './mirror-lock.ts';
import { remoteGit } from './mirror-remote.ts';
import { createWorktreePool, type WorktreePool } from './mirror-worktrees.ts';
import type { ScratchRepo } from './scratch-repo.ts';
import type { Checkout } from './worktree.ts';

export type { MirrorRepo } from './mirror-layout.ts';

export interface MirrorCacheOptions {
  /** Cache folder (e.g. `$BOSUN_DATA_DIR/git`); mirrors live in `mirrors/`, checkouts in `worktrees/`. */
  root: string;
  log?: (line: string) => void;
  /** Per clone/fetch; default 15 min. */
  fetchTimeoutMs?: number;
  /** How long to wait for another process that is fetching the same mirror; default 20 min. */
  lockTimeoutMs?: number;
  /** A lock file older than this is abandoned whoever holds it; default 1 h (longer than any fetch). */
  lockStaleMs?: number;
}

export interface EnsureResult {
  /** The bare mirror repository. */
  dir: string;
  /** This call contacted the remote (clone or fetch). */
  fetched: boolean;
  /** This call created the mirror. */
  cloned: boolean;
}

export interface Mirror {
  dir: string;
}

export interface MirrorCache {
  readonly root: string;
  /**
   * Makes sure the mirror of `repo` exists and holds every commit in `wantShas`, cloning the first time
   * and fetching only when a wanted commit is missing (or, with no `wantShas`, to pick up the latest refs).
   * `token` is called only when the network is needed.
   */
  ensure(repo: MirrorRepo, token: () => Promise<string>, wantShas?: readonly string[]): Promise<EnsureResult>;
  /** The files of `sha` from the mirror in a folder of their own; `dispose()` it when done (or use `withCheckout`). */
  checkoutCommit(mirror: Mirror, sha: string): Promise<Checkout>;
  withCheckout<R>(mirror: Mirror, sha: string, fn: (checkout: Checkout) => Promise<R>): Promise<R>;
  /** A private repository at `sha` to commit in (a revert), removed when `fn` is done. */
  withScratchRepo<R>(mirror: Mirror, sha: string, fn: (repo: ScratchRepo) => Promise<R>): Promise<R>;
  /**
   * Crash recovery at start-up: removes the cache's checkouts left by processes on this host that are
   * gone. (Those in the work root, where plans check out, are cleared by every bosun process at start:
   * cli/process-entry.ts.)
   */
  prune(): Promise<{ removedWorktrees: number }>;
}

// GitHub rewrites refs/pull/*/merge on every push to a PR's base branch; mirroring them would make most
// fetches download merge commits nobody plans. Heads, tags and PR heads (fork PRs included) are enough.
const refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*', '+refs/pull/*/head:refs/pull/*/head'];

export function createMirrorCache(opts: MirrorCacheOptions): MirrorCache {
  const log = opts.log ?? (() => undefined);
  const fetchTimeoutMs = opts.fetchTimeoutMs ?? 15 * 60_000;
  const lockTimeoutMs = opts.lockTimeoutMs ?? 20 * 60_000;
  const lockStaleMs = opts.lockStaleMs ?? 60 * 60_000;
  const mutex = new KeyedMutex();
  const worktrees: WorktreePool = createWorktreePool(join(opts.root, 'worktrees'));
  // In-process logical clock: a fetch that started after a caller arrived serves that caller too.
  let clock = 0;
  const freshSince = new Map<string, number>();
  // The origin URL each mirror was last seen or set with by this cache: one `git config` run less per fetch.
  const originUrls = new Map<string, string>();

  async function missingCommits(dir: string, shas: readonly string[]): Promise<string[]> {
    if (shas.length === 0) return [];
    const out = await git(['cat-file', '--batch-check'], { cwd: dir, input: shas.map((s) => `${s}^{commit}\n`).join('') });
    const lines = out.split('\n');
    return shas.filter((_, i) => / (missing|ambiguous)$/.test(lines[i] ?? ' missing'));
  }

  async function getToken(repo: MirrorRepo, token: () => Promise<string>): Promise<string> {
    try {
      const value = await token();
      if (typeof value !== 'string' || value === '') throw new Error('empty token');
      return value;
    } catch (e) {
      throw new BosunError({
        kind: 'git',
        message: `cannot get an installation token to fetch ${repo.fullName}: ${scrub(e instanceof Error ? e.message : String(e))}`,
      }, { cause: e });
    }
  }

  /**
   * `known`: the wanted commits found missing just before the lock was taken, when nobody held it meanwhile
   * (no other caller of this cache queued first, no other process's lock waited for): not looked up again
   * unless a fetch of this cache started since. At worst a fetch another process finished in between is
   * repeated, which finds nothing new.
   */
  async function update(repo: MirrorRepo, url: URL, token: () => Promise<string>, shas: string[], arrivedAt: number, known?: string[]): Promise<EnsureResult> {
    const paths = mirrorPaths(opts.root, repo.fullName);
    const where = { repoName: repo.fullName, displayUrl: displayUrl(url), timeoutMs: fetchTimeoutMs };
    const cloning = !existsSync(paths.dir);
    let missingBefore = 0;
    if (!cloning) {
      // Whoever held the lock before us may have fetched what we need.
      if (shas.length > 0) {
        const fetchedSince = (freshSince.get(paths.dir) ?? 0) > arrivedAt;
        missingBefore = (known && !fetchedSince ? known : await missingCommits(paths.dir, shas)).length;
        if (missingBefore === 0) return { dir: paths.dir, fetched: false, cloned: false };
      }
      if (shas.length === 0 && (freshSince.get(paths.dir) ?? 0) > arrivedAt) return { dir: paths.dir, fetched: false, cloned: false };
    }
    const startedAt = ++clock;
    const secret = await getToken(repo, token);
    const started = Date.now();
    if (cloning) {
      await clone(repo, url, secret, paths);
      originUrls.set(paths.dir, url.href);
    } else {
      // A renamed or transferred repository keeps its mirror only if the fullName stayed; the URL may move.
      if (originUrls.get(paths.dir) !== url.href) {
        const current = (await git(['config', '--get', 'remote.origin.url'], { cwd: paths.dir }).catch(() => '')).trim();
        if (current !== url.href) await git(['config', 'remote.origin.url', url.href], { cwd: paths.dir });
        originUrls.set(paths.dir, url.href);
      }
      const missing = missingBefore;
      log(`mirror ${repo.fullName}: fetching${missing > 0 ? ` (${missing} wanted commit${missing === 1 ? '' : 's'} missing)` : ''}`);
      await remoteGit(['fetch', '--prune', '--no-write-fetch-head', '--quiet', 'origin'], { ...where, cwd: paths.dir, token: secret });
    }
    freshSince.set(paths.dir, startedAt);
    let missing = await missingCommits(paths.dir, shas);
    if (missing.length > 0) {
      // Only under a ref we do not mirror (refs/pull/N/merge, say): GitHub serves reachable commits by id.
      await remoteGit(['fetch', '--no-write-fetch-head', '--quiet', '--end-of-options', 'origin', ...missing], { ...where, cwd: paths.dir, token: secret }).catch(() => undefined);
      missing = await missingCommits(paths.dir, shas);
    }
    log(`mirror ${repo.fullName}: ${cloning ? 'cloned' : 'fetched'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (missing.length > 0) {
      throw new BosunError({
        kind: 'git',
        message: `commit ${missing.map((s) => s.slice(0, 12)).join(', ')} is not in ${repo.fullName} even after fetching; ` +
          'it may have been force-pushed away, or it belongs to another repository',
      });
    }
    return { dir: paths.dir, fetched: true, cloned: cloning };
  }

  async function clone(repo: MirrorRepo, url: URL, token: string, paths: ReturnType<typeof mirrorPaths>): Promise<void> {
    const parent = dirname(paths.dir);
    await mkdir(parent, { recursive: true });
    // We hold the lock, so any temp folder of this repository is a crashed clone.
    for (const entry of await readdir(parent)) {
      const full = join(parent, entry);
      if (full.startsWith(paths.tempPrefix)) await rm(full, { recursive: true, force: true });
    }
    const temp = `${paths.tempPrefix}${randomBytes(4).toString('hex')}`;
    log(`mirror ${repo.fullName}: cloning from ${displayUrl(url)}`);
    try {
      await git(['init', '--bare', '--quiet', temp], { cwd: parent });
      await git(['config', 'remote.origin.url', url.href], { cwd: temp });
      for (const spec of refspecs) await git(['config', '--add', 'remote.origin.fetch', spec], { cwd: temp });
      // Automatic gc must finish inside our lock, not in a detached child that outlives it.
      await git(['config', 'gc.autoDetach', 'false'], { cwd: temp });
      await remoteGit(['fetch', '--prune', '--no-write-fetch-head', '--quiet', 'origin'],
        { repoName: repo.fullName, displayUrl: displayUrl(url), timeoutMs: fetchTimeoutMs, cwd: temp, token });
      // Readers take a mirror folder's existence as "complete", so it appears in one rename.
      await rename(temp, paths.dir);
    } catch (e) {
      await rm(temp, { recursive: true, force: true });
      throw e;
    }
  }

  const cache: MirrorCache = {
    root: opts.root,

    async ensure(repo, token, wantShas = []) {
      const paths = mirrorPaths(opts.root, repo.fullName);
      const url = checkCloneUrl(repo);
      const shas = checkShas(repo.fullName, wantShas);
      const arrivedAt = ++clock;
      // Lock-free fast path: reading objects is safe while another process fetches.
      const missing = shas.length > 0 && existsSync(paths.dir) ? await missingCommits(paths.dir, shas) : undefined;
      if (missing?.length === 0) return { dir: paths.dir, fetched: false, cloned: false };
      let waited = mutex.busy(paths.dir);
      return mutex.run(paths.dir, async () => {
        await mkdir(dirname(paths.lockFile), { recursive: true });
        const release = await acquireFileLock(paths.lockFile, {
          what: `mirror ${repo.fullName}`,
          timeoutMs: lockTimeoutMs,
          staleMs: lockStaleMs,
          onWait: (holder) => {
            waited = true;
            log(`mirror ${repo.fullName}: waiting for another process${holder ? ` (pid ${holder.pid} on ${holder.host})` : ''}`);
          },
        });
        try {
          return await update(repo, url, token, shas, arrivedAt, waited ? undefined : missing);
        } finally {
          await release();
        }
      });
    },

    checkoutCommit(mirror, sha) {
      return worktrees.checkout(mirror.dir, sha);
    },

    async withCheckout(mirror, sha, fn) {
      const co = await worktrees.checkout(mirror.dir, sha);
      try {
        return await fn(co);
      } finally {
        await co.dispose();
      }
    },

    async withScratchRepo(mirror, sha, fn) {
      const repo = await worktrees.scratchRepo(mirror.dir, sha);
      try {
        return await fn(repo);
      } finally {
        await repo.dispose();
      }
    },

    async prune() {
      // No `git worktree prune` here: it races a `worktree add` of any other process on the mirror, and
      // bosun's checkouts are not linked worktrees (see worktree.ts).
      const removedWorktrees = await worktrees.removeAbandoned();
      if (removedWorktrees > 0) log(`mirror cache: removed ${removedWorktrees} abandoned checkout${removedWorktrees === 1 ? '' : 's'}`);
      return { removedWorktrees };
    },
  };
  return cache;
}
