// Promotion order: production (dependsOn staging) waits for staging's result at the same commit or a
// newer one; a failed or unhealthy staging stops it and says so; waiting has an end.
import { describe, expect, it } from 'vitest';
import { decidePromotion, dependenciesToWaitFor, promotionRetryMs, type DependencyState } from '../../src/jobs/promotion.ts';

const sha = 'abc1234def';
const seq = 2_000;
const hour = 3600_000;
const last = (s: string, q: number, ok: boolean, health: 'healthy' | 'unhealthy' | 'timeout' | 'not-checked' = ok ? 'healthy' : 'not-checked'): NonNullable<DependencyState['last']> => ({
  sha: s, seq: q, ok, health, summary: ok ? '1 created, healthy' : '1 failed', checkRunUrl: `https://github.example/runs/${s}`,
});
const decide = (dependencies: DependencyState[], waitedMs = 0) => decidePromotion({ sha, seq, dependencies, waitedMs, maxWaitMs: hour });

describe('promotion decision', () => {
  it('goes when every dependency is applied and healthy at the same commit', () => {
    expect(decide([{ env: 'staging', last: last(sha, seq, true) }])).toEqual({ status: 'go' });
  });

  it('goes when there is nothing to wait for', () => {
    expect(decide([])).toEqual({ status: 'go' });
  });

  it('waits while a dependency has no result yet, or only an older one', () => {
    expect(decide([{ env: 'staging' }])).toMatchObject({ status: 'wait', waitingFor: ['staging'] });
    expect(decide([{ env: 'staging', last: last('older00', seq - 1, true) }])).toMatchObject({ status: 'wait', waitingFor: ['staging'] });
  });

  it('stops when the dependency failed at this commit, naming it and linking its check run', () => {
    const verdict = decide([{ env: 'staging', last: last(sha, seq, false) }]);
    expect(verdict).toMatchObject({ status: 'stop', env: 'staging', reason: 'failed', title: 'Not applied: staging failed at abc1234', checkRunUrl: `https://github.example/runs/${sha}` });
  });

  it('stops when the dependency was applied but did not become healthy', () => {
    expect(decide([{ env: 'staging', last: last(sha, seq, false, 'timeout') }])).toMatchObject({ status: 'stop', reason: 'unhealthy', title: 'Not applied: staging is unhealthy at abc1234' });
  });

  it('lets a newer result decide when the dependency\'s apply of this commit was superseded', () => {
    expect(decide([{ env: 'staging', last: last('newer00', seq + 5, true) }])).toEqual({ status: 'go' });
    const stop = decide([{ env: 'staging', last: last('newer00', seq + 5, false) }]);
    expect(stop).toMatchObject({ status: 'stop', sha: 'newer00', title: 'Not applied: staging failed at newer00' });
    expect(stop.status === 'stop' && stop.detail).toContain('a newer commit than abc1234');
  });

  it('stops on the first failed dependency even while another is still running', () => {
    expect(decide([{ env: 'a' }, { env: 'b', last: last(sha, seq, false) }])).toMatchObject({ status: 'stop', env: 'b' });
  });

  it('gives up after the longest wait, naming what never finished', () => {
    expect(decide([{ env: 'staging' }], hour)).toMatchObject({ status: 'stop', reason: 'timeout', title: 'Not applied: staging did not finish' });
  });

  it('a RollingSync step applied without prune that left objects Git no longer has is not done: the next step waits, naming the sync that releases it', () => {
    const left = { ...last(sha, seq, true), leftByPruneOff: 2 };
    expect(decide([{ env: 'dev', last: left, rollout: true }])).toMatchObject({ status: 'wait', waitingFor: ['dev'], outOfSync: [{ env: 'dev', sha, left: 2 }] });
    // Synced with prune (nothing left): done.
    expect(decide([{ env: 'dev', last: last(sha, seq, true), rollout: true }])).toEqual({ status: 'go' });
    // dependsOn keeps its rule: applied and healthy is enough.
    expect(decide([{ env: 'staging', last: left }])).toEqual({ status: 'go' });
    // A failed step still stops, left objects or not.
    expect(decide([{ env: 'dev', last: { ...last(sha, seq, false), leftByPruneOff: 2 }, rollout: true }])).toMatchObject({ status: 'stop', reason: 'failed' });
  });

  it('gives up on a step left out of sync after the longest wait, saying it stayed out of sync and what releases it', () => {
    const verdict = decide([{ env: 'dev', last: { ...last(sha, seq, true), leftByPruneOff: 1 }, rollout: true }], hour);
    expect(verdict).toMatchObject({ status: 'stop', reason: 'timeout', env: 'dev', title: 'Not applied: dev stayed out of sync' });
    expect(verdict.status === 'stop' && verdict.detail).toContain('1 object(s) Git no longer has stay, so its Application stays OutOfSync');
    expect(verdict.status === 'stop' && verdict.detail).toContain('`/bosun sync dev --prune`');
  });

  it('a RollingSync step whose objects Prune=false kept is not done either, and says that only deleting them releases it', () => {
    const kept = { ...last(sha, seq, true), keptByPruneRule: 1 };
    expect(decide([{ env: 'dev', last: kept, rollout: true }])).toMatchObject({ status: 'wait', waitingFor: ['dev'], outOfSync: [{ env: 'dev', sha, left: 0, kept: 1 }] });
    expect(decide([{ env: 'staging', last: kept }])).toEqual({ status: 'go' });
    const verdict = decide([{ env: 'dev', last: kept, rollout: true }], hour);
    expect(verdict).toMatchObject({ status: 'stop', reason: 'timeout', title: 'Not applied: dev stayed out of sync' });
    expect(verdict.status === 'stop' && verdict.detail).toContain('1 object(s) Git no longer has are kept by `Prune=false`');
    expect(verdict.status === 'stop' && verdict.detail).toContain('delete them by hand or remove Prune=false from them');
  });

  it('polls quickly at first and at most every 30 s', () => {
    expect(promotionRetryMs(0)).toBe(1_000);
    expect(promotionRetryMs(60_000)).toBe(6_000);
    expect(promotionRetryMs(hour)).toBe(30_000);
  });

  it('waits only for dependencies the same push applies', () => {
    expect(dependenciesToWaitFor(['staging', 'qa'], new Set(['staging', 'production']))).toEqual(['staging']);
  });
});
