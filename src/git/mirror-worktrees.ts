import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './mirror-lock.ts';
import { processTag } from './mirror-layout.ts';
import { checkout, type Checkout } from './worktree.ts';

export interface WorktreePool {
  checkout(repoDir: string, sha: string): Promise<Checkout>;
  /** Removes worktree folders of dead processes on this host, and this process's folders nobody uses. */
  removeAbandoned(): Promise<number>;
}

// Liveness belongs to the process, not to one pool: two caches over one folder in the same process
// must not take each other's worktrees for leftovers.
const live = new Set<string>();
let pending = 0;

/**
 * Checkouts live in `<root>/<host>-<pid>/`, so a process that starts after a crash can tell its
 * predecessor's leftovers from the live worktrees of another worker sharing the cache folder.
 */
export function createWorktreePool(root: string): WorktreePool {
  const self = processTag();
  const ownDir = join(root, self.tag);
  const ownHost = self.tag.slice(0, self.tag.lastIndexOf('-'));

  return {
    async checkout(repoDir, sha) {
      await mkdir(ownDir, { recursive: true });
      pending++;
      let co: Checkout;
      try {
        co = await checkout(repoDir, sha, { tempRoot: ownDir });
      } finally {
        pending--;
      }
      live.add(co.dir);
      return {
        dir: co.dir,
        sha: co.sha,
        async dispose() {
          await co.dispose();
          live.delete(co.dir);
        },
      };
    },

    async removeAbandoned() {
      let removed = 0;
      for (const entry of await readdir(root).catch(() => [] as string[])) {
        const dir = join(root, entry);
        if (entry === self.tag) {
          // A restarted container often gets the same host name and pid; only what this process
          // created and still uses is live.
          if (pending > 0) continue;
          for (const child of await readdir(dir).catch(() => [] as string[])) {
            if (live.has(join(dir, child))) continue;
            await rm(join(dir, child), { recursive: true, force: true });
            removed++;
          }
          continue;
        }
        const cut = entry.lastIndexOf('-');
        const pid = Number(entry.slice(cut + 1));
        if (cut <= 0 || entry.slice(0, cut) !== ownHost || !Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
        removed += (await readdir(dir).catch(() => [] as string[])).length;
        await rm(dir, { recursive: true, force: true });
      }
      return removed;
    },
  };
}
