// The small pure rules beside the one apply path (queue/workflows/apply): which merges wait for a
// person, whether the merge is what was reviewed, what the promotion gate does, and which recorded
// applies are states of the default branch.
import { describe, expect, it } from 'vitest';
import type { ApplyRecord } from '../../src/jobs.ts';
import { decidePromotion } from '../../src/jobs/promotion.ts';
import type { Change } from '../../src/model/change.ts';
import { defaultBranchApplies, lastDefaultBranchApply } from '../../queue/workflows/apply/history.ts';
import { endsPin, holdOf, notesPullRequest, rolloutPruneOffHold } from '../../queue/workflows/apply/hold.ts';
import { appliedCheck, carriedPruneLine, heldCheck, supersededCheck } from '../../queue/workflows/apply/apply-text.ts';
import type { ApplyReport } from '../../src/cluster/index.ts';
import type { PreviewResult } from '../../src/model/preview.ts';
import { comparesWithPlan, planPinOf } from '../../queue/workflows/apply/plan-pin.ts';
import { promotionDecision } from '../../queue/workflows/apply/promotion-gate.ts';

const auto = { autoApply: true, requireMatchingPlan: false };
const change = { action: 'update' } as unknown as Change;

describe('holds', () => {
  it('hold a merge into an environment that does not apply on merge, and nothing else', () => {
    expect(holdOf({ trigger: 'merge', env: { ...auto, autoApply: false } })).toBe('manual');
    for (const trigger of ['command', 'sync', 'rollback', 'heal', 'pre-merge'] as const) {
      expect(holdOf({ trigger, env: { autoApply: false, requireMatchingPlan: true }, pin: { kind: 'differs', pr: 1, plannedSha: 'a', changes: [change] } })).toBeUndefined();
    }
    expect(holdOf({ trigger: 'merge', env: auto })).toBeUndefined();
  });

  it('hold a merge that differs from the reviewed plan, or cannot be compared with it, only under requireMatchingPlan', () => {
    const strict = { ...auto, requireMatchingPlan: true };
    expect(holdOf({ trigger: 'merge', env: strict, pin: { kind: 'differs', pr: 1, plannedSha: 'a', changes: [change] } })).toBe('plan-differs');
    expect(holdOf({ trigger: 'merge', env: strict, pin: { kind: 'unknown', pr: 1, plannedSha: 'a', reason: 'gone' } })).toBe('plan-differs');
    expect(holdOf({ trigger: 'merge', env: strict, pin: { kind: 'matches', pr: 1, plannedSha: 'a' } })).toBeUndefined();
    expect(holdOf({ trigger: 'merge', env: auto, pin: { kind: 'differs', pr: 1, plannedSha: 'a', changes: [change] } })).toBeUndefined();
  });

  it('a merge into a RollingSync step whose sync leaves what Git dropped (prune off) waits for a sync with prune; with prune, nothing left, outside a step, or not a merge: applied', () => {
    const step = { name: 'api-dev', prune: false, rollout: { appSet: 'web', step: 1 } };
    expect(rolloutPruneOffHold('merge', step, 2)).toMatch(/^ApplicationSet web's RollingSync syncs it in step 1 without prune, and 2 object\(s\) Git no longer has would stay: .*later steps wait until someone syncs it with prune \(argocd app sync --prune; with bosun, `\/bosun sync api-dev --prune`\)$/);
    expect(rolloutPruneOffHold('merge', step, undefined)).toBeUndefined();
    expect(rolloutPruneOffHold('merge', { ...step, prune: true }, 2)).toBeUndefined();
    expect(rolloutPruneOffHold('merge', { ...step, rollout: { appSet: 'web' } }, 2)).toBeUndefined();
    // One the rollout never syncs already waits for /bosun apply (holdOf: autoApply off).
    expect(rolloutPruneOffHold('merge', { ...step, rollout: { appSet: 'web', step: 2, manual: 'maxUpdate 0' } }, 2)).toBeUndefined();
    for (const trigger of ['command', 'sync', 'rollback', 'heal', 'pre-merge'] as const) expect(rolloutPruneOffHold(trigger, step, 2)).toBeUndefined();
  });

  it('the held check run of a RollingSync step that would leave objects names the sync with prune that releases it; other holds keep /bosun apply', () => {
    const preview = (leftByPruneOff?: number): PreviewResult => ({
      environment: 'api-dev', cluster: 'test', objects: [], prunes: [], notes: [], ok: true,
      counts: { create: 0, update: 1, unchanged: 0, prune: 0, conflict: 0, rejected: 0 },
      ...(leftByPruneOff ? { leftByPruneOff } : {}),
    });
    const job = { env: 'api-dev', sha: 'abcdef0123', trigger: 'merge' as const, pr: 7 };
    const why = rolloutPruneOffHold('merge', { name: 'api-dev', prune: false, rollout: { appSet: 'api', step: 1 } }, 1)!;
    const held = heldCheck(job, 'manual', 'test', preview(1), undefined, why);
    expect(held.title).toBe('Waits for a sync with prune: /bosun sync api-dev --prune');
    expect(held.summary).toContain('Comment `/bosun apply api-dev --prune` on #7 (this merge commit) or `/bosun sync api-dev --prune` on any pull request');
    expect(held.summary).toContain('without `--prune` they stay and the step stays not done');
    const direct = heldCheck({ ...job, pr: undefined }, 'manual', 'test', preview(1), undefined, why);
    expect(direct.summary).toContain('No pull request brought this commit in; comment `/bosun sync api-dev --prune` on any pull request');
    // A maxUpdate 0 step with nothing left, and autoApply off, are released by a plain /bosun apply.
    expect(heldCheck(job, 'manual', 'test', preview(), undefined, 'step 2 has maxUpdate 0').title).toBe('Waits for a manual sync: /bosun apply api-dev');
    expect(heldCheck(job, 'manual', 'test', preview(3), undefined, undefined).title).toBe('Waiting for /bosun apply api-dev');
  });

  it('objects kept by Prune=false alone do not hold a RollingSync merge (a sync with prune keeps them too); beside objects to prune, the hold says what else is needed', () => {
    const env = { name: 'api-dev', prune: false, rollout: { appSet: 'api', step: 1 } };
    expect(rolloutPruneOffHold('merge', env, 0, 2)).toBeUndefined();
    const why = rolloutPruneOffHold('merge', env, 1, 2)!;
    expect(why).toContain('`/bosun sync api-dev --prune`');
    expect(why).toContain('2 more kept by Prune=false stay even then (delete them by hand or remove Prune=false from them, then `/bosun sync api-dev --prune`)');
  });

  it('a merge or a sync ends a rollback pin; merges and /bosun apply after merge note the pull request', () => {
    expect((['merge', 'command', 'sync', 'rollback', 'heal', 'pre-merge'] as const).filter(endsPin)).toEqual(['merge', 'sync']);
    expect((['merge', 'command', 'sync', 'rollback', 'heal', 'pre-merge'] as const).filter(notesPullRequest)).toEqual(['merge', 'command']);
  });
});

describe('plan pinning', () => {
  it('compares only a merge from a pull request', () => {
    expect(comparesWithPlan('merge', 4)).toBe(true);
    expect(comparesWithPlan('merge', undefined)).toBe(false);
    expect(comparesWithPlan('command', 4)).toBe(false);
  });

  it('matches when the planned head is the merge commit or renders the same, differs with the changes, is unknown when it cannot be rendered', () => {
    expect(planPinOf({ pr: 4, plannedSha: 'abc', sha: 'abc' })).toEqual({ kind: 'matches', pr: 4, plannedSha: 'abc' });
    expect(planPinOf({ pr: 4, plannedSha: 'abc', sha: 'def', compared: { changes: [] } })).toEqual({ kind: 'matches', pr: 4, plannedSha: 'abc' });
    expect(planPinOf({ pr: 4, plannedSha: 'abc', sha: 'def', compared: { changes: [change] } })).toEqual({ kind: 'differs', pr: 4, plannedSha: 'abc', changes: [change] });
    expect(planPinOf({ pr: 4, plannedSha: 'abc', sha: 'def', compared: { error: 'branch deleted' } })).toEqual({ kind: 'unknown', pr: 4, plannedSha: 'abc', reason: 'branch deleted' });
  });
});

describe('promotion gate', () => {
  const job = { env: 'production', sha: 'c0ffee1234', removed: undefined };
  const staging = (last: Partial<ApplyRecord> & Pick<ApplyRecord, 'sha' | 'seq' | 'ok'>) => ({ env: 'staging', last: { health: 'healthy' as const, summary: '1 configured', ...last } });
  const verdict = (dependencies: ReturnType<typeof staging>[], waitedMs = 0) => decidePromotion({ sha: job.sha, seq: 10, dependencies, waitedMs, maxWaitMs: 60_000 });

  it('goes once the dependency is applied at the commit or a newer one, and waits, without touching anything, before', () => {
    expect(promotionDecision(job, verdict([staging({ sha: job.sha, seq: 10, ok: true })]))).toEqual({ status: 'go' });
    const wait = promotionDecision(job, verdict([staging({ sha: 'older00', seq: 9, ok: true })], 5_000));
    expect(wait).toMatchObject({ status: 'wait', message: 'production waits for staging at c0ffee1' });
  });

  it('keeps a later RollingSync step waiting while the earlier one was applied without prune and left objects: the check run names the step and the sync that releases it', () => {
    const rolloutJob = { ...job, env: 'web-prod', afterWhy: { 'web-dev': "ApplicationSet web's RollingSync syncs step 2 once the Applications of step 1 are healthy" } };
    const left = { env: 'web-dev', rollout: true, last: { sha: job.sha, seq: 10, ok: true, health: 'healthy' as const, summary: '1 configured', leftByPruneOff: 1 } };
    const wait = promotionDecision(rolloutJob, decidePromotion({ sha: job.sha, seq: 10, dependencies: [left], waitedMs: 5_000, maxWaitMs: 60_000 }));
    expect(wait).toMatchObject({ status: 'wait', message: 'web-prod waits for web-dev at c0ffee1 (web-dev left 1 object(s) out of sync)' });
    const check = wait.status === 'wait' ? wait.check : undefined;
    expect(check?.title).toBe('Waiting for a sync with prune: /bosun sync web-dev --prune');
    expect(check?.summary).toContain('`web-dev` was applied at `c0ffee1` without prune and 1 object(s) Git no longer has stay, so its Application stays OutOfSync');
    expect(check?.summary).toContain("`web-prod` waits for it: ApplicationSet web's RollingSync syncs step 2 once the Applications of step 1 are healthy.");
    expect(check?.summary).toContain('Comment `/bosun sync web-dev --prune` on any pull request');
    // Nothing left (synced with prune): it goes; an ordinary wait changes no check run text.
    expect(promotionDecision(rolloutJob, decidePromotion({ sha: job.sha, seq: 10, dependencies: [{ ...left, last: { ...left.last, leftByPruneOff: undefined } }], waitedMs: 5_000, maxWaitMs: 60_000 }))).toEqual({ status: 'go' });
    const plain = promotionDecision(job, verdict([staging({ sha: 'older00', seq: 9, ok: true })], 5_000));
    expect(plain.status === 'wait' && plain.check).toBeUndefined();
  });

  it('keeps a later RollingSync step waiting while the earlier one kept objects by Prune=false: the check run says a sync with prune does not release them, deleting them does', () => {
    const rolloutJob = { ...job, env: 'web-prod', afterWhy: { 'web-dev': "ApplicationSet web's RollingSync syncs step 2 once the Applications of step 1 are healthy" } };
    const kept = { env: 'web-dev', rollout: true, last: { sha: job.sha, seq: 10, ok: true, health: 'healthy' as const, summary: '0 created, 0 configured, 0 pruned', keptByPruneRule: 1 } };
    const wait = promotionDecision(rolloutJob, decidePromotion({ sha: job.sha, seq: 10, dependencies: [kept], waitedMs: 5_000, maxWaitMs: 60_000 }));
    expect(wait).toMatchObject({ status: 'wait', message: 'web-prod waits for web-dev at c0ffee1 (web-dev left 1 kept by Prune=false)' });
    const check = wait.status === 'wait' ? wait.check : undefined;
    expect(check?.title).toBe('Waiting for objects kept by Prune=false in web-dev to be deleted');
    expect(check?.summary).toContain('`web-dev` was applied at `c0ffee1` and 1 object(s) Git no longer has are kept by `Prune=false`');
    expect(check?.summary).toContain('delete them by hand or remove Prune=false from them, then `/bosun sync web-dev --prune`');
    expect(check?.summary).not.toContain('Comment `/bosun sync web-dev --prune` on any pull request to apply');
    // Both: the sync with prune is the title, the kept ones are still named.
    const both = promotionDecision(rolloutJob, decidePromotion({ sha: job.sha, seq: 10, dependencies: [{ ...kept, last: { ...kept.last, leftByPruneOff: 2 } }], waitedMs: 5_000, maxWaitMs: 60_000 }));
    const bothCheck = both.status === 'wait' ? both.check : undefined;
    expect(bothCheck?.title).toBe('Waiting for a sync with prune: /bosun sync web-dev --prune');
    expect(bothCheck?.summary).toContain('2 object(s) Git no longer has stay');
    expect(bothCheck?.summary).toContain('1 object(s) Git no longer has are kept by `Prune=false`');
    // Deleted by hand and synced again (nothing kept): it goes.
    expect(promotionDecision(rolloutJob, decidePromotion({ sha: job.sha, seq: 10, dependencies: [{ ...kept, last: { ...kept.last, keptByPruneRule: undefined } }], waitedMs: 5_000, maxWaitMs: 60_000 }))).toEqual({ status: 'go' });
  });

  it('stops when the dependency failed, naming it and linking its check run; a removed environment says it was not pruned', () => {
    const failed = verdict([staging({ sha: job.sha, seq: 10, ok: false, health: 'not-checked', checkRunUrl: 'https://github.example/run/1' })]);
    const stop = promotionDecision(job, failed);
    expect(stop).toMatchObject({ status: 'stop', title: 'Not applied: staging failed at c0ffee1', note: 'staging failed at c0ffee1' });
    expect(stop.status === 'stop' && stop.summary).toContain("`production` was not touched. See [staging's check run](https://github.example/run/1).");
    const removed = promotionDecision({ ...job, removed: { definedAt: 'abc' } }, failed);
    expect(removed).toMatchObject({ status: 'stop', title: 'Not pruned: staging failed at c0ffee1', note: 'staging failed at c0ffee1' });
    expect(removed.status === 'stop' && removed.summary).toContain('nothing of the removed `production` was pruned');
  });
});

describe('apply history', () => {
  it('a pre-merge apply is recorded but is not a state of the default branch', () => {
    const rec = (sha: string, trigger: ApplyRecord['trigger']): ApplyRecord => ({ sha, seq: 1, trigger, ok: true, health: 'healthy', at: 1, durationMs: 1, summary: '' });
    expect(defaultBranchApplies([rec('h', 'pre-merge'), rec('m', 'merge'), rec('x', 'heal'), rec('r', 'rollback')]).map((r) => r.sha)).toEqual(['m', 'x', 'r']);
  });

  it('the rules that order applies see the last default-branch apply: a pre-merge apply after it does not count', () => {
    const rec = (sha: string, trigger: ApplyRecord['trigger'], ok = true): ApplyRecord => ({ sha, seq: 1, trigger, ok, health: 'healthy', at: 1, durationMs: 1, summary: '' });
    const failedMerge = rec('f', 'merge', false);
    expect(lastDefaultBranchApply(failedMerge, [rec('m', 'merge')])).toBe(failedMerge);
    expect(lastDefaultBranchApply(rec('h', 'pre-merge'), [rec('h', 'pre-merge'), rec('m', 'merge')])?.sha).toBe('m');
    expect(lastDefaultBranchApply(rec('h', 'pre-merge'), [rec('h', 'pre-merge')])).toBeUndefined();
    expect(lastDefaultBranchApply(undefined, [])).toBeUndefined();
  });
});

describe('applied check run', () => {
  const job = { env: 'web-dev', sha: 'c0ffee1234', trigger: 'command' as const };
  const report = (extra: Partial<ApplyReport>): ApplyReport => ({
    environment: 'web-dev', cluster: 'test', mode: 'apply', dryRun: false, ok: true, durationMs: 1200, notes: [], objects: [], pruned: 0,
    counts: { created: 0, configured: 1, unchanged: 2, pruned: 0, skipped: 0, failed: 0 }, ...extra,
  });
  const rollout = { appSet: 'web', step: 1 };

  it('of a RollingSync step that left objects says the step is not done, that later steps wait, and what releases them', () => {
    const left = appliedCheck(job, report({ leftByPruneOff: 2 }), undefined, rollout);
    expect(left.title).toBe('Applied c0ffee1 to web-dev');
    expect(left.summary).toContain("**RollingSync:** 2 object(s) Git no longer has stay in `web-dev`, so its Application stays OutOfSync and step 1 of ApplicationSet `web` is not done: any later RollingSync step waits.");
    expect(left.summary).toContain('- 2 left because prune was off: comment `/bosun sync web-dev --prune` on any pull request to delete them.');
    const kept = appliedCheck({ ...job, trigger: 'sync' }, report({ keptByPruneRule: 1 }), undefined, rollout);
    expect(kept.summary).toContain('**RollingSync:** 1 object(s) Git no longer has stay');
    expect(kept.summary).toContain('- 1 kept by `Prune=false` (or `Prune=confirm`, `bosun.dev/prune: disabled`), which a sync with prune leaves too: delete them by hand or remove Prune=false from them, then `/bosun sync web-dev --prune`.');
    expect(kept.summary).not.toContain('left because prune was off');
  });

  it('says nothing of it with nothing left, outside a RollingSync step, or when the apply failed', () => {
    expect(appliedCheck(job, report({}), undefined, rollout).summary).not.toContain('RollingSync');
    expect(appliedCheck(job, report({ leftByPruneOff: 2 }), undefined, undefined).summary).not.toContain('RollingSync');
    expect(appliedCheck(job, report({ leftByPruneOff: 2 }), undefined, { appSet: 'web' }).summary).not.toContain('RollingSync');
    expect(appliedCheck(job, report({ ok: false, leftByPruneOff: 2 }), undefined, rollout).summary).not.toContain('RollingSync');
  });

  it('a superseded apply that was asked to prune says its --prune goes to the newer apply, which names whose it carries', () => {
    const job = { env: 'web-dev', sha: 'a'.repeat(40) };
    expect(supersededCheck(job, { sha: 'b'.repeat(40) }).summary).not.toContain('--prune');
    expect(supersededCheck({ ...job, prune: true }, { sha: 'b'.repeat(40) }).summary).toContain('Its `--prune` is not dropped: the next merge, sync or `/bosun apply web-dev` of `bbbbbbb` or a newer commit prunes what Git no longer has (a rollback does not)');
    expect(carriedPruneLine({ env: 'web-dev', sha: 'b'.repeat(40) }, { sha: 'a'.repeat(40), seq: 1, requestedBy: 'mia' })).toBe('**Prune:** this apply prunes what Git no longer has because of the `--prune` asked by @mia for `aaaaaaa`, whose apply `bbbbbbb` superseded before it ran.');
  });
});
