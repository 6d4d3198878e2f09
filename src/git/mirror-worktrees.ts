import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive, processTag, removeAbandonedDirs } from '../util/owned-dirs.ts';
import { scratchRepo, type ScratchRepo } from './scratch-repo.ts';
import { checkout, checkoutPrefix, type Checkout } from './worktree.ts';

export interface WorktreePool {
  checkout(repoDir: string, sha: string): Promise<Checkout>;
  /** A private repository at `sha` to commit in (see scratch-repo.ts). */
  scratchRepo(repoDir: string, sha: string): Promise<ScratchRepo>;
  /** Removes checkout folders of processes on this host that are gone. */
  removeAbandoned(): Promise<number>;
}

/**
 * Checkouts of the mirror cache live in `<root>/bosun-wt-<host>-<pid>-XXXXXX`: a process that starts
 * after a crash can tell its predecessor's leftovers from the live checkouts of another worker sharing
 * the cache folder (see util/owned-dirs.ts).
 */
export function createWorktreePool(root: string): WorktreePool {
  return {
    async checkout(repoDir, sha) {
      await mkdir(root, { recursive: true });
      return checkout(repoDir, sha, { tempRoot: root });
    },

    async scratchRepo(repoDir, sha) {
      await mkdir(root, { recursive: true });
      return scratchRepo(repoDir, sha, { tempRoot: root });
    },

    async removeAbandoned() {
      return (await removeAbandonedDirs(root, checkoutPrefix)) + (await removeOldLayout(root));
    },
  };
}

/**
 * Earlier versions kept linked worktrees in `<root>/<host>-<pid>/bosun-wt-*`; those of dead processes
 * are removed as well (their registrations in the mirror are git's to expire: bosun never prunes).
 */
async function removeOldLayout(root: string): Promise<number> {
  const self = processTag();
  const ownHost = self.tag.slice(0, self.tag.lastIndexOf('-'));
  let removed = 0;
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    const m = /^(.+)-(\d+)$/.exec(entry);
    if (!m || m[1] !== ownHost || Number(m[2]) === self.pid || processAlive(Number(m[2]))) continue;
    const dir = join(root, entry);
    removed += (await readdir(dir).catch(() => [] as string[])).length;
    await rm(dir, { recursive: true, force: true });
  }
  return removed;
}
