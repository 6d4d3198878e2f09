// Which temporary folders a starting bosun may remove: those whose owner (named in the folder) is a
// process on this host that is gone, or a predecessor that had this very pid (a restarted container) —
// never a live process's, another host's, or one this process made and still uses.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOwnedDir, ownerOf, releaseOwnedDir, removeAbandonedDirs } from '../../src/util/owned-dirs.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');

async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

describe('owned temporary folders', () => {
  it('are named after their owner and readable by every uid', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bosun-owned-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const dir = await makeOwnedDir(root, 'bosun-wt-');
    releaseOwnedDir(dir);
    const name = dir.slice(root.length + 1);
    expect(ownerOf(name, 'bosun-wt-')).toEqual({ host, pid: process.pid });
    expect(ownerOf(`${name}.idx`, 'bosun-wt-')).toEqual({ host, pid: process.pid, suffix: 'idx' });
    expect(ownerOf('bosun-wt-AbC123', 'bosun-wt-')).toBeUndefined();
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
  });

  it('of dead owners and of a predecessor with this pid are removed; live, foreign and current ones stay', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bosun-owned-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const dead = await deadPid();
    const entries = {
      dead: join(root, `bosun-wt-${host}-${dead}-AbC123`),
      deadIndex: join(root, `bosun-wt-${host}-${dead}-AbC123.idx`),
      // Our pid, last written long before this process started: a restarted container's leftover.
      predecessor: join(root, `bosun-wt-${host}-${process.pid}-OlD456`),
      // Our pid and made after we started, but not by us: another container sharing the folder.
      sibling: join(root, `bosun-wt-${host}-${process.pid}-NeW789`),
      otherHost: join(root, `bosun-wt-elsewhere-${dead}-XyZ000`),
      alive: join(root, `bosun-wt-${host}-1-LiV111`),
      unrelated: join(root, 'bosun-wt-AbCdEf'),
    };
    for (const [key, path] of Object.entries(entries)) {
      if (key === 'deadIndex') await writeFile(path, '');
      else await mkdir(path);
    }
    const longAgo = new Date(Date.now() - 24 * 3600_000);
    await utimes(entries.predecessor, longAgo, longAgo);
    const mine = await makeOwnedDir(root, 'bosun-wt-');
    cleanups.push(async () => releaseOwnedDir(mine));
    await utimes(mine, longAgo, longAgo); // in use by this process: kept however old it looks

    expect(await removeAbandonedDirs(root, 'bosun-wt-')).toBe(2);
    expect(existsSync(entries.dead)).toBe(false);
    expect(existsSync(entries.deadIndex)).toBe(false);
    expect(existsSync(entries.predecessor)).toBe(false);
    expect((await readdir(root)).sort()).toEqual(
      [entries.sibling, entries.otherHost, entries.alive, entries.unrelated, mine].map((p) => p.slice(root.length + 1)).sort(),
    );
  });
});
