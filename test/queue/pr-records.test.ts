// Per-PR records in Redis: the head planned per environment, and the applied entries behind the
// "After merge" lines, which two environments finishing at once must both keep.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPrRecords, type PrRecords } from '../../src/jobs/pr-records.ts';
import { dropPrefix, testRedis, uniquePrefix } from './support.ts';

describe('pull request records', () => {
  let redis: Redis;
  let prefix: string;
  let records: PrRecords;
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix();
    records = createPrRecords(redis, prefix);
  });
  afterEach(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  it('remembers the last planned head per environment and PR', async () => {
    await records.recordPlanned('acme/gitops', 7, 'staging', { sha: 'a1', at: 1 });
    await records.recordPlanned('acme/gitops', 7, 'staging', { sha: 'b2', at: 2 });
    await records.recordPlanned('acme/gitops', 8, 'staging', { sha: 'c3', at: 3 });
    expect((await records.planned('Acme/GitOps', 7, 'staging'))?.sha).toBe('b2');
    expect(await records.planned('acme/gitops', 7, 'production')).toBeUndefined();
  });

  it('keeps every environment\'s entry when they finish at once, and renders under one lock at a time', async () => {
    const inside: number[] = [];
    let concurrent = 0;
    const finish = async (env: string) => {
      await records.recordApplied('acme/gitops', 7, { env, sha: 'abc', ok: true, state: 'applied', at: Date.now() });
      return records.withCommentLock('acme/gitops', 7, async () => {
        concurrent++;
        inside.push(concurrent);
        const seen = (await records.applied('acme/gitops', 7)).map((e) => e.env);
        await sleep(30);
        concurrent--;
        return seen;
      });
    };
    const seen = await Promise.all(['staging', 'production', 'qa'].map(finish));
    expect(inside.every((n) => n === 1)).toBe(true);
    // Whoever rendered last saw every entry.
    expect(seen.some((envs) => envs.length === 3)).toBe(true);
    expect((await records.applied('acme/gitops', 7)).map((e) => e.env)).toEqual(['production', 'qa', 'staging']);
  });
});
