import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { git } from './git.ts';
import { readFailure, resolveRef } from './refs.ts';
import { checkoutFolder, isolatedGitConfig, isolatedGitEnv, type Checkout } from './worktree.ts';

/** A throw-away repository to commit in; see `scratchRepo`. */
export interface ScratchRepo extends Checkout {
  /** Copies commit `sha`, made in this scratch repository, and what it needs into the source repository. */
  keep(sha: string): Promise<void>;
}

/**
 * A private repository in a fresh folder with `sha` checked out (detached), for work that commits (a
 * revert). It borrows the source repository's objects (objects/info/alternates) instead of copying them,
 * and it is not a linked worktree, so — as for `checkout` — nothing is registered in or pruned from the
 * source repository, which many jobs use at once. New objects land in the scratch repository; `keep`
 * fetches the finished commit into the source so it can be pushed from there.
 */
export async function scratchRepo(repoDir: string, sha: string, opts: { tempRoot?: string } = {}): Promise<ScratchRepo> {
  const full = await resolveRef(repoDir, sha);
  const objects = (await git(['rev-parse', '--git-path', 'objects'], { cwd: repoDir })).trim();
  const { dir, dispose } = await checkoutFolder(opts.tempRoot);
  const run = (args: string[]) => git([...isolatedGitConfig, ...args], { cwd: dir, env: isolatedGitEnv });
  try {
    // No template: nothing (sample hooks included) comes from the host's git installation.
    await run(['init', '--quiet', '--template=', dir]);
    await mkdir(join(dir, '.git', 'objects', 'info'), { recursive: true });
    await writeFile(join(dir, '.git', 'objects', 'info', 'alternates'), `${isAbsolute(objects) ? objects : join(repoDir, objects)}\n`);
    // gc here would judge the borrowed objects by this repository's refs alone; `keep` fetches by id.
    for (const [key, value] of [['gc.auto', '0'], ['maintenance.auto', 'false'], ['uploadpack.allowAnySHA1InWant', 'true']]) {
      await run(['config', key, value]);
    }
    await run(['read-tree', '--reset', '-u', full]);
    await run(['update-ref', '--no-deref', 'HEAD', full]);
  } catch (e) {
    await dispose();
    // A commit resolved earlier but gone since is named as unknown, as resolveRef names it.
    throw await readFailure(repoDir, sha, e);
  }
  return {
    dir,
    sha: full,
    dispose,
    async keep(commit) {
      await git(['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', dir, commit], {
        cwd: repoDir,
        env: isolatedGitEnv,
      });
    },
  };
}
