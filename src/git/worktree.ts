import { execFile } from 'node:child_process';
import { chmod, lstat, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BosunError } from '../model/errors.ts';
import { onShutdown } from '../util/child-processes.ts';
import { makeOwnedDir, releaseOwnedDir, removeAbandonedDirs } from '../util/owned-dirs.ts';
import { isFullId } from './commit-answers.ts';
import { git } from './git.ts';
import { readFailure, resolveRef } from './refs.ts';
import { defaultWorkRoot } from './work-root.ts';

export interface Checkout {
  /** Absolute path of the checked-out tree. */
  dir: string;
  sha: string;
  /** Removes the checkout; safe to call more than once, and concurrently. */
  dispose(): Promise<void>;
}

/** Name prefix of checkout folders (`bosun-wt-<host>-<pid>-XXXXXX`); the owner part lets a later process remove a dead one's. */
export const checkoutPrefix = 'bosun-wt-';

/**
 * Git runs on repository content with only the repository's own config (the mirror's, which bosun
 * writes): no system or user config, so no filter driver, fsmonitor, hook path or `submodule.recurse`
 * of the host can be triggered by a `.gitattributes` or a tree in an untrusted commit.
 */
export const isolatedGitEnv: Record<string, string> = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
export const isolatedGitConfig = [
  '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.sparseCheckout=false', '-c', 'submodule.recurse=false',
];

/**
 * The files of commit `sha` in a fresh folder of their own (on tmpfs when there is room, see work-root.ts).
 * Any number of checkouts of one repository, of the same or different commits, can exist at once.
 *
 * This is deliberately not `git worktree add`: a linked worktree registers itself under
 * `.git/worktrees/`, and removing it means `git worktree prune`, which deletes every registration it
 * finds incomplete — including one that a concurrent `worktree add` (another job, another process on
 * the same mirror, or git's own auto-gc) has created but not finished writing. The add then dies with
 * "failed to read .git/worktrees/…/commondir". Here the commit is read into a private index file
 * (GIT_INDEX_FILE) and written out with `read-tree --reset -u`: the repository is only read, nothing under
 * `.git` is created or pruned, and so there is nothing to race. The folder holds no `.git` either, so no
 * tool run in it can find its way back to the mirror. A caller that needs to commit uses scratch-repo.ts.
 */
export async function checkout(repoDir: string, sha: string, opts: { tempRoot?: string } = {}): Promise<Checkout> {
  const full = await resolveRef(repoDir, sha);
  let files: number | undefined;
  // A checkout of a few hundred files is removed in this process, without starting `rm`.
  const { dir, dispose } = await checkoutFolder(opts.tempRoot, { few: () => files !== undefined && files <= fewFiles });
  try {
    files = await writeTree(repoDir, full, dir);
  } catch (e) {
    await dispose();
    throw await readFailure(repoDir, sha, e);
  }
  return { dir, sha: full, dispose };
}

export interface PartialCheckout extends Checkout {
  /** Whether `path` (a file of the commit) is in the folder. */
  has(path: string): boolean;
  /**
   * Whether `path` was among the files first written out: unlike `has`, the same answer before, during and
   * after `complete()` (a reader that started on the partial folder is judged by what was surely there).
   */
  wrote(path: string): boolean;
  /**
   * Writes every other file of the commit too (once; concurrent callers share the one run). The files
   * already there are left as they are, so a render or walk reading them meanwhile never sees one missing.
   */
  complete(): Promise<void>;
  readonly completed: boolean;
}

/** A commit's files as `listTree` read them: object id and mode by path. */
export interface TreeListing {
  ids: ReadonlyMap<string, string>;
  modes: ReadonlyMap<string, string>;
}

/**
 * Some files of commit `sha` in a fresh folder (as `checkout`, through a private index file): only
 * `paths` (each a file of the commit), so a plan that knows what it will read does not
 * write, and then remove, the whole repository. `complete()` writes the rest when more turns out to be
 * needed (`onComplete` is told once, when that starts). `listing`: the commit's tree as the caller already
 * read it, with `sha` its full id — neither is asked of git again.
 */
export async function partialCheckout(repoDir: string, sha: string, paths: Iterable<string>, opts: { tempRoot?: string; onComplete?: () => void; listing?: TreeListing } = {}): Promise<PartialCheckout> {
  const listing = opts.listing && isFullId(sha) ? opts.listing : undefined;
  const full = listing ? sha : await resolveRef(repoDir, sha);
  const wanted = new Set(paths);
  let completing: Promise<void> | undefined;
  // A few files written and never completed: removed in this process, without starting `rm`.
  const folder = await checkoutFolder(opts.tempRoot, { few: () => completing === undefined && wanted.size <= fewFiles });
  const index = `${folder.dir}.idx`;
  const run = (args: string[], input?: string) => git([...isolatedGitConfig, ...args], { cwd: repoDir, env: { ...isolatedGitEnv, GIT_INDEX_FILE: index }, ...(input !== undefined ? { input } : {}) });
  let completed = false;
  let disposing: Promise<void> | undefined;
  // `complete()`'s git runs write the folder and the index beside it: both go only once none can run any
  // more — a completion under way is waited for, one asked for after the removal is refused. Before, the
  // index of the whole commit stayed behind for the life of the process when a plan stopped mid-way (a
  // newer head) removed its checkouts while its other environments' walks still completed them.
  const dispose = (): Promise<void> => {
    disposing ??= (async () => {
      await completing?.catch(() => undefined);
      await folder.dispose();
      await rm(index, { force: true });
    })();
    return disposing;
  };
  try {
    // Only the wanted entries go into the private index (`ls-tree` lines are what `update-index --index-info`
    // reads): reading the whole tree into it and checking a few paths out of that took several times as
    // long on a repository of 50,000 files. `complete()` reads the whole tree then.
    const wantedEntries = wanted.size === 0 ? '' : listing ? listedEntries(listing, wanted) : (await run(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', full]))
      .split('\0')
      .filter((record) => record !== '' && wanted.has(record.slice(record.indexOf('\t') + 1)))
      .map((record) => `${record}\0`)
      .join('');
    if (wantedEntries !== '') {
      await run(['update-index', '-z', '--index-info'], wantedEntries);
      await run([`--work-tree=${folder.dir}`, 'checkout-index', '-a', '-f']);
    }
    await makeWorldReadable(folder.dir);
  } catch (e) {
    await dispose();
    throw listing ? e : await readFailure(repoDir, sha, e);
  }
  return {
    dir: folder.dir,
    sha: full,
    dispose,
    has: (path) => completed || wanted.has(path),
    wrote: (path) => wanted.has(path),
    get completed() {
      return completed;
    },
    complete() {
      if (disposing && !completing) return Promise.reject(new BosunError({ kind: 'internal', message: `the checkout of ${full.slice(0, 12)} was removed before the rest of its files were written out` }));
      completing ??= (async () => {
        opts.onComplete?.();
        // A one-tree merge into the index of what was written: entries already there and unchanged are
        // kept, so only the missing files are written (`checkout-index -a -f` rewrote every file, each
        // briefly absent). Anything in the way (a file a tool wrote) falls back to overwriting.
        await run([`--work-tree=${folder.dir}`, 'read-tree', '-m', '-u', full]).catch(async () => {
          await run([`--work-tree=${folder.dir}`, 'read-tree', full]);
          await run([`--work-tree=${folder.dir}`, 'checkout-index', '-a', '-f']);
        });
        await makeWorldReadable(folder.dir);
        completed = true;
      })();
      return completing;
    },
  };
}

/** The `ls-tree` records (what `update-index --index-info` reads) of the wanted paths that are files of the listed commit. */
function listedEntries(listing: TreeListing, wanted: ReadonlySet<string>): string {
  let out = '';
  for (const path of wanted) {
    const id = listing.ids.get(path);
    const mode = listing.modes.get(path);
    // A gitlink (submodule) is a commit entry; every other file of a tree is a blob (symlinks too).
    if (id !== undefined && mode !== undefined) out += `${mode} ${mode === '160000' ? 'commit' : 'blob'} ${id}\t${path}\0`;
  }
  return out;
}

/** Up to this many files a folder is removed by fs.rm alone: starting `rm -rf` costs more than unlinking them. */
const fewFiles = 256;

/**
 * A new, empty checkout folder under `root` and its idempotent removal (with its private index beside
 * it), which a shutdown (SIGTERM to bosun) also runs, even while a render still reads the folder. `few`,
 * asked at removal: whether the folder holds at most a few hundred files.
 */
export async function checkoutFolder(root = defaultWorkRoot(), opts: { few?: () => boolean } = {}): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await makeOwnedDir(root, checkoutPrefix);
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> => {
    disposed ??= (async () => {
      unregister();
      await removeTree(dir, opts.few?.() ?? false);
      // The private index beside it (writeTree, partialCheckout) and git's lock of it: a shutdown runs only
      // this removal, and a git it killed mid-write leaves both behind.
      await Promise.all([`${dir}.idx`, `${dir}.idx.lock`].map((side) => rm(side, { force: true })));
      releaseOwnedDir(dir);
    })();
    return disposed;
  };
  const unregister = onShutdown(dispose);
  return { dir, dispose };
}

/**
 * Removes a folder and everything in it: `rm -rf` first (a full checkout of 50,000 files goes in half the
 * time fs.rm takes, which unlinks file by file through the thread pool), then fs.rm for anything left
 * (no `rm` on the PATH, or it failed); a folder of `few` files by fs.rm alone.
 */
async function removeTree(dir: string, few: boolean): Promise<void> {
  if (!few) {
    await new Promise<void>((resolve) => {
      execFile('rm', ['-rf', '--', dir], { timeout: 120_000 }, () => resolve());
    });
  }
  await rm(dir, { recursive: true, force: true });
}

/** Removes the checkouts (in `root`, default the work root) of processes on this host that are gone. */
export function removeAbandonedCheckouts(root = defaultWorkRoot()): Promise<number> {
  return removeAbandonedDirs(root, checkoutPrefix);
}

/**
 * Writes the files of commit `sha` of `repoDir` into the empty folder `dir`, readable by every uid; returns
 * how many files that is (undefined when the index does not say).
 */
export async function writeTree(repoDir: string, sha: string, dir: string): Promise<number | undefined> {
  // Beside the folder, not in it (the tree is the repository's, byte for byte), and gone afterwards.
  const index = `${dir}.idx`;
  let files: number | undefined;
  try {
    await git([...isolatedGitConfig, `--work-tree=${dir}`, 'read-tree', '--reset', '-u', sha], {
      cwd: repoDir,
      env: { ...isolatedGitEnv, GIT_INDEX_FILE: index },
    });
    files = await indexEntries(index);
  } finally {
    await rm(index, { force: true });
  }
  await makeWorldReadable(dir);
  return files;
}

/**
 * The number of entries of a git index file, from its header ("DIRC", version, entry count: 32-bit
 * big-endian numbers, git's Documentation/gitformat-index.txt); undefined for anything else.
 */
async function indexEntries(index: string): Promise<number | undefined> {
  const handle = await open(index, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const header = Buffer.alloc(12);
    const { bytesRead } = await handle.read(header, 0, 12, 0);
    return bytesRead === 12 && header.toString('latin1', 0, 4) === 'DIRC' ? header.readUInt32BE(8) : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Directories 0755 and files 0644 (0755 when executable): the render sandbox may read the checkout as
 * another uid. Git creates files with 0666 & ~umask, so with the usual umask 022 this is already so and
 * only the top folder (created 0700) needs a chmod; a stricter umask costs one walk.
 */
async function makeWorldReadable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  if (((await processUmask()) & 0o055) === 0) return;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const abs = join(path, entry.name);
      if (entry.isDirectory()) {
        await chmod(abs, 0o755);
        await walk(abs);
      } else if (entry.isFile()) {
        await chmod(abs, ((await lstat(abs)).mode & 0o100) !== 0 ? 0o755 : 0o644);
      }
    }
  };
  await walk(dir);
}

/** The umask as Linux reports it (process.umask() cannot read it without changing it); without /proc, assume the strictest. */
async function processUmask(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const m = /^Umask:\s+([0-7]+)$/m.exec(status);
  return m ? parseInt(m[1], 8) : 0o077;
}
