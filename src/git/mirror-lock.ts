import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { BosunError } from '../model/errors.ts';
import { processAlive, processTag } from '../util/owned-dirs.ts';

/** Serializes async work per key inside one process (one queue per mirror). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Whether work for `key` is queued or running: a `run` now would wait for it. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  run<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

export interface LockHolder {
  pid: number;
  host: string;
  nonce: string;
  since: string;
}

export interface FileLockOptions {
  /** How long to wait for another holder before giving up. */
  timeoutMs: number;
  /** A lock older than this is considered abandoned whoever holds it (the holder's git has timed out by then). */
  staleMs: number;
  /** What the lock protects, for messages ("mirror owner/name"). */
  what: string;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
}

/** Nonces of the locks this process holds right now: a lock file with our pid but another nonce is a leftover. */
const heldNonces = new Set<string>();

/**
 * A lock file created with O_EXCL, holding `{pid, host, nonce, since}`. It keeps two bosun processes that
 * share a cache folder from fetching into one mirror at the same time. A holder that died (same host,
 * pid gone) or that is older than `staleMs` is broken. Breaking is not perfectly atomic; in the rare
 * race that lets two fetches overlap, git's own ref locks turn it into a retryable error.
 */
export async function acquireFileLock(path: string, opts: FileLockOptions): Promise<() => Promise<void>> {
  const { host, pid } = processTag();
  const me: LockHolder = { pid, host, nonce: randomUUID(), since: new Date().toISOString() };
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 20;
  let announced = false;
  for (;;) {
    if (await tryCreate(path, me)) {
      heldNonces.add(me.nonce);
      return async () => {
        heldNonces.delete(me.nonce);
        const current = await readHolder(path);
        if (current?.nonce === me.nonce) await rm(path, { force: true });
      };
    }
    const holder = await readHolder(path);
    if (await isAbandoned(path, holder, opts.staleMs)) {
      // Rename is atomic, so only one breaker gets the file. If what we moved is not the lock we judged
      // (its holder released and someone else took it meanwhile), put it back.
      const aside = `${path}.stale-${me.nonce}`;
      const moved = await rename(path, aside).then(() => true, () => false);
      if (moved) {
        const taken = await readHolder(aside);
        if (holder && taken && taken.nonce !== holder.nonce) await link(aside, path).catch(() => undefined);
        await rm(aside, { force: true });
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const by = holder ? ` by pid ${holder.pid} on ${holder.host} since ${holder.since}` : '';
      throw new BosunError({
        kind: 'git',
        message: `${opts.what} is locked${by} for longer than ${Math.round(opts.timeoutMs / 1000)} s; ` +
          `if no bosun process is working on it, delete ${path}`,
      });
    }
    if (!announced) {
      announced = true;
      opts.onWait?.(holder);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 500);
  }
}

async function tryCreate(path: string, me: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new BosunError({ kind: 'git', message: `cannot create lock file ${path}: ${(e as Error).message}; check the cache folder is writable` }, { cause: e });
  }
  try {
    await handle.writeFile(JSON.stringify(me));
  } finally {
    await handle.close();
  }
  return true;
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.nonce === 'string') {
      return { pid: parsed.pid, host: parsed.host, nonce: parsed.nonce, since: String(parsed.since ?? '') };
    }
  } catch {
    // gone, or caught between create and write
  }
  return undefined;
}

async function isAbandoned(path: string, holder: LockHolder | undefined, staleMs: number): Promise<boolean> {
  let age: number;
  try {
    age = Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return false; // released meanwhile: just retry
  }
  if (age > staleMs) return true;
  // An unreadable lock is most likely being written right now; give its writer a moment.
  if (!holder) return age > 10_000;
  const self = processTag();
  if (holder.host !== self.host) return false;
  if (holder.pid === self.pid) return !heldNonces.has(holder.nonce); // left by an earlier process that had our pid
  return !processAlive(holder.pid);
}
