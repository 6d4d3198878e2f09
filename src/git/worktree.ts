import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from './git.ts';
import { resolveRef } from './refs.ts';
import { defaultWorkRoot } from './work-root.ts';

export interface Checkout {
  /** Absolute path of the checked-out tree. */
  dir: string;
  sha: string;
  /** Removes the worktree and its administrative files; safe to call more than once. */
  dispose(): Promise<void>;
}

/**
 * A detached worktree of `sha` in a fresh temp folder (on tmpfs when there is room, see work-root.ts). Several checkouts of the same repository (of the
 * same or different commits) can exist at once; each has its own folder and index.
 */
export async function checkout(repoDir: string, sha: string, opts: { tempRoot?: string } = {}): Promise<Checkout> {
  const full = await resolveRef(repoDir, sha);
  const dir = await mkdtemp(join(opts.tempRoot ?? defaultWorkRoot(), 'bosun-wt-'));
  try {
    // Hooks off: a checkout of untrusted content must not run anything from the repository's config.
    await git(['-c', 'core.hooksPath=/dev/null', '-c', 'advice.detachedHead=false',
      'worktree', 'add', '--detach', '--quiet', dir, full], { cwd: repoDir });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  let disposed: Promise<void> | undefined;
  return {
    dir,
    sha: full,
    dispose() {
      // Deleting the folder and pruning is enough: `worktree remove --force` would first stat every file
      // to look for local changes, which a throw-away checkout cannot have.
      disposed ??= (async () => {
        await rm(dir, { recursive: true, force: true });
        await git(['worktree', 'prune'], { cwd: repoDir }).catch(() => undefined);
      })();
      return disposed;
    },
  };
}
