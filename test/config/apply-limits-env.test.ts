import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadServerConfig, ServerConfigError } from '../../src/config/server.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { HOME: '/home/bosun', APP_ID: '12345', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'whsec-apply-limits', ...extra } as NodeJS.ProcessEnv;
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
});
