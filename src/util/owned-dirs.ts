import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders that carry their owner in their name: `<prefix><host>-<pid>-XXXXXX`. A process that
 * was killed (SIGKILL, OOM, a crash) cannot remove its checkouts and render folders; the next bosun that
 * starts on the host can, because the name says whose they were and whether that process still runs.
 */

/** This process's name in lock files and temporary folders: host + pid, since caches may be shared. */
export function processTag(): { host: string; pid: number; tag: string } {
  const host = hostname();
  return { host, pid: process.pid, tag: `${sanitizeHost(host)}-${process.pid}` };
}

function sanitizeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9.-]/g, '_');
}

/** Whether a pid on this host is running (EPERM: it is, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Liveness belongs to the process, not to one caller: two pools over one folder in the same process
// must not take each other's folders for leftovers.
const live = new Set<string>();
const startedAt = Date.now() - process.uptime() * 1000;

/**
 * Creates `<root>/<prefix><host>-<pid>-XXXXXX`, readable by everyone (0755): a render sandbox may run the
 * tools as another uid. Call `releaseOwnedDir` once it is removed.
 */
export async function makeOwnedDir(root: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(root, `${prefix}${processTag().tag}-`));
  live.add(dir);
  await chmod(dir, 0o755);
  return dir;
}

export function releaseOwnedDir(dir: string): void {
  live.delete(dir);
}

/** Owner of an entry `<prefix><host>-<pid>-XXXXXX` (also with a `.suffix`), or undefined for other names. */
export function ownerOf(entry: string, prefix: string): { host: string; pid: number; suffix?: string } | undefined {
  if (!entry.startsWith(prefix)) return undefined;
  const m = /^(.+)-(\d+)-[A-Za-z0-9]{6}(?:\.([a-z]+))?$/.exec(entry.slice(prefix.length));
  if (!m) return undefined;
  return { host: m[1], pid: Number(m[2]), ...(m[3] ? { suffix: m[3] } : {}) };
}

/**
 * Removes the entries `<root>/<prefix>…` whose owner on this host is gone. Entries named after this
 * process are removed only when this process did not make them and they predate it: a restarted
 * container often gets the same host name and pid as the one that crashed, while another container
 * sharing the folder with the same name and pid would have made its folders after we started.
 */
export async function removeAbandonedDirs(root: string, prefix: string): Promise<number> {
  const self = processTag();
  const ownHost = sanitizeHost(self.host);
  let removed = 0;
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    const owner = ownerOf(entry, prefix);
    if (!owner || owner.host !== ownHost) continue;
    const path = join(root, entry);
    if (owner.pid === self.pid) {
      if (live.has(path) || !(await predatesThisProcess(path))) continue;
    } else if (processAlive(owner.pid)) {
      continue;
    }
    await rm(path, { recursive: true, force: true });
    // Side files (a checkout's index) go with their folder; only folders are counted.
    if (!owner.suffix) removed++;
  }
  return removed;
}

/** Last changed before this process started (the folder's own entries are written when it is made). */
async function predatesThisProcess(path: string): Promise<boolean> {
  try {
    return (await stat(path)).mtimeMs < startedAt;
  } catch {
    return false;
  }
}
