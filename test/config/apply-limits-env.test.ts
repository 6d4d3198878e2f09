import { describe, expect, it } from 'vitest';
import { loadServerConfig, ServerConfigError } from '../../src/config/server.ts';
import { defaultConcurrency, defaultMaxStalls } from '../../queue/runtime.ts';
import { standinAppKey } from '../../testkit/github-standin/index.ts';

// An App key as GitHub hands it out (PKCS#1 PEM), the one this process's stand-ins share.
const privateKey = standinAppKey();

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { HOME: '/home/bosun', APP_ID: '12345', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'whsec-apply-limits', ...extra } as NodeJS.ProcessEnv;
}

function problemsOf(vars: Record<string, string>): ServerConfigError {
  try {
    loadServerConfig(env(vars));
  } catch (e) {
    if (e instanceof ServerConfigError) return e;
    throw e;
  }
  throw new Error('the configuration was accepted');
}

describe('apply limits in the server environment', () => {
  it('defaults to no global limit and four applies per cluster', () => {
    const cfg = loadServerConfig(env({}));
    expect(cfg.applyConcurrency).toBe(0);
    expect(cfg.applyConcurrencyPerCluster).toBe(4);
  });

  it('takes both limits, 0 meaning none', () => {
    const cfg = loadServerConfig(env({ BOSUN_APPLY_CONCURRENCY: '20', BOSUN_APPLY_CONCURRENCY_PER_CLUSTER: '0' }));
    expect(cfg.applyConcurrency).toBe(20);
    expect(cfg.applyConcurrencyPerCluster).toBe(0);
  });

  it('names each bad variable and what it takes', () => {
    let err: unknown;
    try {
      loadServerConfig(env({ BOSUN_APPLY_CONCURRENCY: '-1', BOSUN_APPLY_CONCURRENCY_PER_CLUSTER: 'many' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServerConfigError);
    const problems = (err as ServerConfigError).problems;
    expect(problems.map((p) => p.field)).toEqual(['BOSUN_APPLY_CONCURRENCY', 'BOSUN_APPLY_CONCURRENCY_PER_CLUSTER']);
    expect((err as Error).message).toContain('BOSUN_APPLY_CONCURRENCY must be a whole number from 0 to 1000 (got "-1")');
    expect((err as Error).message).toContain('BOSUN_APPLY_CONCURRENCY_PER_CLUSTER must be a whole number from 0 to 1000 (got "many")');
  });

  it('takes the applies one worker runs at once, two by default as for every other queue', () => {
    expect(loadServerConfig(env({})).applyWorkerConcurrency).toBe(defaultConcurrency);
    expect(loadServerConfig(env({ BOSUN_APPLY_WORKER_CONCURRENCY: ' 8 ' })).applyWorkerConcurrency).toBe(8);
    const err = problemsOf({ BOSUN_APPLY_WORKER_CONCURRENCY: '0' });
    expect(err.problems.map((p) => p.field)).toEqual(['BOSUN_APPLY_WORKER_CONCURRENCY']);
    expect(err.message).toContain('BOSUN_APPLY_WORKER_CONCURRENCY must be a whole number from 1 to 64 (got "0")');
  });
});

describe('stalled jobs in the server environment', () => {
  it('gives up on a job after five vanished workers by default, the worker runtime\'s own default', () => {
    expect(loadServerConfig(env({})).jobMaxStalls).toBe(defaultMaxStalls);
    expect(loadServerConfig(env({ BOSUN_JOB_MAX_STALLS: '12' })).jobMaxStalls).toBe(12);
  });

  it('refuses anything but a positive whole number, naming the variable', () => {
    for (const bad of ['0', '-1', '2.5', 'often']) {
      const err = problemsOf({ BOSUN_JOB_MAX_STALLS: bad });
      expect(err.problems.map((p) => p.field)).toEqual(['BOSUN_JOB_MAX_STALLS']);
      expect(err.message).toContain(`BOSUN_JOB_MAX_STALLS must be a whole number from 1 to 1000 (got "${bad}")`);
    }
  });
});
