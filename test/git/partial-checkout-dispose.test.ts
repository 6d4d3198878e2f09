// A partial checkout removed while, or before, the rest of its commit is written out (a plan stopped by a
// newer head disposes its checkouts while other environments' walks still call complete()): nothing of
// it may stay in the work root — neither the folder nor the private index file beside it.
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { partialCheckout } from '../../src/git/index.ts';
import { shutdownChildren } from '../../src/util/child-processes.ts';
import { tempDir, tempRepo } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function fixture(files: number) {
  const contents: Record<string, string> = {};
  for (let i = 0; i < files; i++) contents[`apps/app-${i}/config.yaml`] = `name: app-${i}\n`;
  const r = await tempRepo(contents);
  cleanups.push(r.cleanup);
  const sha = await r.commit('first');
  const root = await tempDir('bosun-wt-root-');
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  return { r, sha, root };
}

describe('partial checkout removed around its completion', () => {
  it('refuses to complete once removed, and leaves neither folder nor index behind', async () => {
    const { r, sha, root } = await fixture(20);
    const co = await partialCheckout(r.dir, sha, ['apps/app-0/config.yaml'], { tempRoot: root });
    await co.dispose();
    const err = await co.complete().then(() => undefined, (e: unknown) => e);
    expect([existsSync(co.dir), existsSync(`${co.dir}.idx`)]).toEqual([false, false]);
    expect(readdirSync(root)).toEqual([]);
    expect(String(err)).toMatch(/was removed before the rest of its files were written out/);
  });

  it('a shutdown (a second SIGINT to the worker) while it is in use leaves neither folder nor index behind', async () => {
    // The shutdown runs only the folder's registered removal, not the partial checkout's own dispose.
    const { r, sha, root } = await fixture(20);
    const co = await partialCheckout(r.dir, sha, ['apps/app-0/config.yaml'], { tempRoot: root });
    expect(existsSync(`${co.dir}.idx`)).toBe(true);
    await shutdownChildren();
    expect(readdirSync(root)).toEqual([]);
  });

  it('removed while completing: waits for the completion, then nothing is left', async () => {
    const { r, sha, root } = await fixture(400);
    for (let round = 0; round < 5; round++) {
      const co = await partialCheckout(r.dir, sha, ['apps/app-0/config.yaml'], { tempRoot: root });
      const completing = co.complete();
      await co.dispose();
      // The completion ran to its end before the removal: it succeeded, and what it wrote is gone.
      await expect(completing).resolves.toBeUndefined();
      expect(readdirSync(root)).toEqual([]);
    }
  });
});
