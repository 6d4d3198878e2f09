// How a plan is split into parts (src/jobs/plan-parts.ts), the parts' results as they travel through
// Redis, the plan job's analysis kept while its parts run (real Redis), and the operator's settings.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, ServerConfigError } from '../../src/config/server.ts';
import { stateKeys } from '../../src/jobs/ids.ts';
import { createPlanFanoutStore, decodePart, encodePart, shouldFanOut, splitParts, type FanoutAnalysis } from '../../src/jobs/plan-parts.ts';
import type { EnvironmentPlan } from '../../src/model/plan.ts';
import { dropPrefix, testRedis, uniquePrefix } from './support.ts';
import { standinAppKey } from '../../testkit/github-standin/index.ts';

const envPlan = (name: string, diff = ''): EnvironmentPlan => ({
  name, source: 'config', path: `envs/${name}`, affected: true, reason: 'base changed',
  render: { objects: 1, baseObjects: 1 }, validation: { errors: [], warnings: [] },
  changes: [{ kind: 'ConfigMap', name: 'shared', action: 'update', diff } as unknown as EnvironmentPlan['changes'][number]],
});

describe('splitting a plan into parts', () => {
  it('splits only past the threshold, never with 0', () => {
    expect(shouldFanOut({ envs: 40, batch: 10 }, 40, 2)).toBe(false);
    expect(shouldFanOut({ envs: 40, batch: 10 }, 41, 2)).toBe(true);
    expect(shouldFanOut({ envs: 0, batch: 10 }, 10_000, 2)).toBe(false);
    expect(shouldFanOut(undefined, 10_000, 2)).toBe(false);
    // One worker process would render the parts one after another, each fetching and discovering again.
    expect(shouldFanOut({ envs: 40, batch: 10 }, 10_000, 1)).toBe(false);
  });

  it('keeps every environment once, in order, in parts of at most the batch size', () => {
    const envs = Array.from({ length: 23 }, (_, i) => `e${i}`);
    const parts = splitParts(envs, 10);
    expect(parts.map((p) => p.length)).toEqual([10, 10, 3]);
    expect(parts.flat()).toEqual(envs);
  });

  it('round-trips a part\'s reports through its compressed return value, smaller than the JSON for large diffs', async () => {
    const result = { environments: [envPlan('a', '+x\n'.repeat(50_000)), envPlan('b')], notes: [] };
    const value = await encodePart(result);
    expect(value.gz.length).toBeLessThan(JSON.stringify(result).length / 10);
    expect(await decodePart(JSON.parse(JSON.stringify(value)))).toEqual(result);
    expect(await decodePart({ status: 'superseded' })).toBeUndefined();
  });
});

describe('the plan job\'s analysis while its parts run', () => {
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  it('is kept compressed with a time limit, and dropped', async () => {
    const store = createPlanFanoutStore(redis, prefix);
    const analysis: FanoutAnalysis = { plan: { base: 'a'.repeat(40), head: 'b'.repeat(40), environments: [envPlan('a'), envPlan('b')] }, parts: [['a'], ['b']] };
    await store.save('plan+d1+1', analysis);
    expect(await store.load('plan+d1+1')).toEqual(analysis);
    const ttl = await redis.pttl(stateKeys(prefix).planFanout('plan+d1+1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);
    await store.drop('plan+d1+1');
    expect(await store.load('plan+d1+1')).toBeUndefined();
  });
});

describe('the fan-out settings in the server environment', () => {
  const privateKey = standinAppKey();
  const env = (extra: Record<string, string>) => ({ HOME: '/home/bosun', APP_ID: '12345', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'whsec-fanout', ...extra }) as NodeJS.ProcessEnv;

  it('defaults to parts of 10 past 40 environments, and takes 0 for never', () => {
    expect(loadServerConfig(env({})).planFanout).toEqual({ envs: 40, batch: 10 });
    expect(loadServerConfig(env({ BOSUN_PLAN_FANOUT_ENVS: '0', BOSUN_PLAN_FANOUT_BATCH: '25' })).planFanout).toEqual({ envs: 0, batch: 25 });
  });

  it('names a bad value and what it takes', () => {
    let err: unknown;
    try {
      loadServerConfig(env({ BOSUN_PLAN_FANOUT_ENVS: 'lots', BOSUN_PLAN_FANOUT_BATCH: '0' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServerConfigError);
    expect((err as ServerConfigError).problems.map((p) => p.field)).toEqual(['BOSUN_PLAN_FANOUT_ENVS', 'BOSUN_PLAN_FANOUT_BATCH']);
    expect((err as Error).message).toContain('BOSUN_PLAN_FANOUT_BATCH must be a whole number from 1 to 10000 (got "0")');
  });
});
