import { afterEach, describe, expect, it } from 'vitest';
import { listTree, readBlob } from '../../src/git/index.ts';
import { tempRepo, writeFiles } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('readBlob', () => {
  it('reads a file of a commit by the blob id its tree lists, from git objects alone, and refuses anything but an object id', async () => {
    const r = await tempRepo({ 'chart/Chart.yaml': 'name: web\nversion: 1.0.0\n' });
    cleanups.push(r.cleanup);
    const sha = await r.commit('first');
    // The working tree changes afterwards: only the commit counts.
    await writeFiles(r.dir, { 'chart/Chart.yaml': 'name: web\nversion: 2.0.0\n' });
    const id = (await listTree(r.dir, sha)).get('chart/Chart.yaml')!;
    expect(await readBlob(r.dir, id)).toBe('name: web\nversion: 1.0.0\n');
    await expect(readBlob(r.dir, '--output=/tmp/x')).rejects.toThrow(/not a git object id/);
  });
});
