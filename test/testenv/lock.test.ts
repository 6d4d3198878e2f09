import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withLock } from '../../testkit/testenv/lock.ts';

const quiet = { log: () => undefined, pollMs: 20 };
const temps: string[] = [];
const lockPath = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-lock-'));
  temps.push(dir);
  return join(dir, 'build.lock');
};
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('the build lock', () => {
  it('lets a second holder in only after the first has finished', async () => {
    const path = lockPath();
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstEntered!: () => void;
    const entered = new Promise<void>((resolve) => (firstEntered = resolve));

    const first = withLock(path, quiet, async () => {
      events.push('first in');
      firstEntered();
      await held;
      events.push('first out');
    });
    await entered;
    let refusals = 0;
    let refusedOften!: () => void;
    const waitedLong = new Promise<void>((resolve) => (refusedOften = resolve));
    const second = withLock(path, { ...quiet, onBusy: () => ++refusals === 10 && refusedOften() }, async () => {
      events.push('second in');
    });
    // the waiter has found the lock held ten times (or, wrongly, got in: the order below then fails)
    await Promise.race([waitedLong, second]);
    release();
    await Promise.all([first, second]);

    expect(events).toEqual(['first in', 'first out', 'second in']);
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock left behind by a process that no longer runs', async () => {
    const path = lockPath();
    const dead = spawnSync('true').pid;
    writeFileSync(path, `${dead}\n`);

    let ran = false;
    await withLock(path, quiet, async () => {
      ran = true;
      expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    });

    expect(ran).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('does not break the lock of a live process, and says whom it waited for', async () => {
    const path = lockPath();
    const owner = spawn('sleep', ['30']);
    try {
      writeFileSync(path, `${owner.pid}\n`);
      await expect(withLock(path, { ...quiet, timeoutMs: 300 }, async () => undefined)).rejects.toThrow(`held by pid ${owner.pid}`);
      expect(readFileSync(path, 'utf8').trim()).toBe(String(owner.pid));
    } finally {
      owner.kill();
    }
  });
});
