// The workers' input index in Redis (src/jobs/input-index-store.ts): what one worker's plan stored, another
// worker's plan of the same change reads instead of walking; the store is bounded by count (least recently
// used first) and by age.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInputIndexStore, inputIndexKeys } from '../../src/jobs/input-index-store.ts';
import { emptyIndex, type InputIndex, type InputIndexStore } from '../../src/plan/input-index.ts';
import { planChange } from '../../src/plan/plan.ts';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';
import { dropPrefix, testRedis, uniquePrefix } from './support.ts';

/** Counts what a worker asked its store, without changing the answers. */
function counted(store: InputIndexStore) {
  const calls = { hits: 0, misses: 0, puts: 0 };
  const wrapped: InputIndexStore = {
    get: async (key) => {
      const found = await store.get(key);
      if (found) calls.hits++;
      else calls.misses++;
      return found;
    },
    put: async (index) => {
      calls.puts++;
      await store.put(index);
    },
  };
  return { store: wrapped, calls };
}

const index = (key: string): InputIndex => ({ ...emptyIndex(key, `tree-${key}`), envs: { staging: { def: 'd', inputs: { files: [`apps/${key}.yaml`], dirs: [] } } } });

describe('input index store in Redis', () => {
  let prefix: string;
  const conns: Redis[] = [];
  const redis = () => {
    const r = testRedis();
    conns.push(r);
    return r;
  };
  let example: ExampleRepo | undefined;
  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    await dropPrefix(conns[0]!, prefix);
    for (const c of conns.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    if (example) await rm(example.dir, { recursive: true, force: true });
  });

  it('is shared by two workers: the second plans the same change from the first one\'s index and says the same', async () => {
    example = await buildExampleRepo({ dir: await mkdtemp(join(tmpdir(), 'bosun-index-store-')) });
    const one = counted(createInputIndexStore(redis(), prefix));
    const two = counted(createInputIndexStore(redis(), prefix));
    const plan = (store: InputIndexStore) => planChange({ repoDir: example!.dir, base: example!.baseSha, head: example!.headSha, baseBranch: 'main', inputIndex: { store, version: 'test' } });

    const first = await plan(one.store);
    expect(one.calls).toEqual({ hits: 0, misses: 2, puts: 2 });
    const second = await plan(two.store);
    // Both trees found, nothing walked that had to be written back.
    expect(two.calls).toEqual({ hits: 2, misses: 0, puts: 0 });
    expect(second).toEqual(first);
    expect(first.environments.some((e) => e.affected)).toBe(true);
  }, 120_000);

  it('keeps at most maxEntries, evicting the least recently used', async () => {
    const conn = redis();
    const store = createInputIndexStore(conn, prefix, { maxEntries: 2 });
    await store.put(index('aa'));
    await store.put(index('bb'));
    expect(await store.get('aa')).toBeDefined(); // aa is now the most recently used
    await store.put(index('cc'));
    expect(await store.get('bb')).toBeUndefined();
    expect((await store.get('aa'))?.tree).toBe('tree-aa');
    expect((await store.get('cc'))?.tree).toBe('tree-cc');
    expect(await conn.zcard(inputIndexKeys(prefix).lru)).toBe(2);
    expect(await conn.exists(inputIndexKeys(prefix).value('bb'))).toBe(0);
  });

  it('forgets an index by age, and an index read again lives on', async () => {
    const conn = redis();
    const store = createInputIndexStore(conn, prefix, { ttlMs: 1500 });
    await store.put(index('old'));
    await store.put(index('kept'));
    const started = Date.now();
    // Read 'kept' until 'old' is gone: each read renews 'kept', so it outlives 'old'.
    let oldGone = false;
    while (Date.now() - started < 10_000) {
      expect(await store.get('kept')).toBeDefined();
      if (!(await conn.exists(inputIndexKeys(prefix).value('old')))) {
        oldGone = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(oldGone).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await store.get('old')).toBeUndefined();
    // The next write also drops the expired name from the recency set.
    await store.put(index('new'));
    expect((await conn.zrange(inputIndexKeys(prefix).lru, 0, -1)).sort()).toEqual(['kept', 'new']);
  }, 20_000);

  it('does not store an index over maxBytes', async () => {
    const store = createInputIndexStore(redis(), prefix, { maxBytes: 10 });
    await store.put(index('big'));
    expect(await store.get('big')).toBeUndefined();
  });
});
