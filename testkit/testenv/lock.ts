import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BosunError } from '../../src/model/errors.ts';
import { elapsedSeconds, type Log } from './exec.ts';
import { isAlive } from './processes.ts';

export function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Moves a lock left by a dead process aside; if a live owner slipped in meanwhile, puts its lock back. */
function breakStale(path: string, stalePid: number | undefined): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readOwner(aside);
  if (moved !== stalePid && moved !== undefined && isAlive(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // someone else holds it now; they win
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already cleaned
  }
}

/**
 * Runs `fn` while holding an exclusive lock file, so two `npm test` runs on one machine do not build (or
 * apt-install) at the same time. A lock whose owner process is gone is taken over.
 */
export async function withLock<T>(
  path: string,
  opts: {
    log: Log;
    timeoutMs?: number;
    pollMs?: number;
    what?: string;
    /** Called each time the lock is found held by a live owner, before waiting to try again. */
    onBusy?: (owner: number) => void;
  },
  fn: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  let lastSaid = 0;
  while (!tryCreate(path)) {
    const owner = readOwner(path);
    if (owner === undefined || !isAlive(owner)) {
      breakStale(path, owner);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new BosunError({
        kind: 'internal',
        message: `testenv: gave up after ${elapsedSeconds(started)} s waiting for ${path} held by pid ${owner}; if that process is stuck, stop it and retry`,
      });
    }
    opts.onBusy?.(owner);
    if (Date.now() - lastSaid >= 30_000) {
      lastSaid = Date.now();
      opts.log(`[testenv] waiting for another ${opts.what ?? 'testenv build'} (pid ${owner}) to finish (${elapsedSeconds(started)} s)`);
    }
    await sleep(opts.pollMs ?? 500);
  }
  try {
    return await fn();
  } finally {
    if (readOwner(path) === process.pid) unlinkSync(path);
  }
}
