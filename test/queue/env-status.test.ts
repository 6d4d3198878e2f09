// The per-environment record the dashboard, promotion and rollback read: last apply, history of
// successful applies (newest first, bounded), drift, pin; all under the installation's key prefix.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createEnvStatusStore, historyLength, type ApplyRecord, type EnvStatusStore } from '../../src/jobs.ts';
import { dropPrefix, testRedis, uniquePrefix } from './support.ts';

const record = (sha: string, ok: boolean, seq = 1): ApplyRecord => ({
  sha, seq, trigger: 'merge', ok, health: ok ? 'healthy' : 'unhealthy', at: 1_700_000_000_000 + seq, durationMs: 1200, summary: '1 created, 0 configured, 0 pruned',
});

describe('environment status store', () => {
  let redis: Redis;
  let prefix: string;
  let store: EnvStatusStore;
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix();
    store = createEnvStatusStore(redis, prefix);
  });
  afterEach(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  it('keeps the last apply, and only successful ones in the history, newest first', async () => {
    await store.recordApply('acme/gitops', 'staging', record('a1', true, 1));
    await store.recordApply('acme/gitops', 'staging', record('b2', false, 2));
    await store.recordApply('acme/gitops', 'staging', record('c3', true, 3));
    expect((await store.lastApply('acme/gitops', 'staging'))?.sha).toBe('c3');
    expect((await store.history('acme/gitops', 'staging')).map((r) => r.sha)).toEqual(['c3', 'a1']);
    await store.recordApply('acme/gitops', 'staging', record('d4', false, 4));
    expect((await store.lastApply('acme/gitops', 'staging'))?.ok).toBe(false);
  });

  it('bounds the history', async () => {
    for (let i = 0; i < historyLength + 5; i++) await store.recordApply('acme/gitops', 'prod', record(`s${i}`, true, i));
    const history = await store.history('acme/gitops', 'prod');
    expect(history).toHaveLength(historyLength);
    expect(history[0].sha).toBe(`s${historyLength + 4}`);
  });

  it('lists environments with any record, and forgets one', async () => {
    await store.recordApply('acme/gitops', 'staging', record('a1', true));
    await store.recordDrift('acme/gitops', 'production', { state: 'drifted', checkedAt: 1, sha: 'a1', drifted: 2, summary: '2 objects differ' });
    await store.setPin('acme/other', 'dev', { sha: 'a0', reason: 'rollback', at: 2 });
    expect(await store.environments()).toEqual([
      { repo: 'acme/gitops', env: 'production' },
      { repo: 'acme/gitops', env: 'staging' },
      { repo: 'acme/other', env: 'dev' },
    ]);
    const status = await store.status('acme/gitops', 'production');
    expect(status.drift?.state).toBe('drifted');
    expect(status.lastApply).toBeUndefined();
    await store.forget('acme/gitops', 'staging');
    expect((await store.environments()).map((e) => e.env)).toEqual(['production', 'dev']);
    expect(await store.lastApply('acme/gitops', 'staging')).toBeUndefined();
  });

  it('sets, reads and clears a pin once', async () => {
    await store.setPin('acme/gitops', 'staging', { sha: 'a1', reason: 'rollback of #12', at: 5, revertPr: 13 });
    expect((await store.pin('acme/gitops', 'staging'))?.revertPr).toBe(13);
    expect((await store.clearPin('acme/gitops', 'staging'))?.sha).toBe('a1');
    expect(await store.clearPin('acme/gitops', 'staging')).toBeUndefined();
  });

  it('treats the repository name case-insensitively, like GitHub', async () => {
    await store.recordApply('Acme/GitOps', 'staging', record('a1', true));
    expect((await store.lastApply('acme/gitops', 'staging'))?.sha).toBe('a1');
  });
});
