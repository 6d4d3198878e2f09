// The small pure rules beside the one apply path (queue/workflows/apply): which merges wait for a
// person, whether the merge is what was reviewed, what the promotion gate does, and which recorded
// applies are states of the default branch.
import { describe, expect, it } from 'vitest';
import type { ApplyRecord } from '../../src/jobs.ts';
import { decidePromotion } from '../../src/jobs/promotion.ts';
import type { Change } from '../../src/model/change.ts';
import { defaultBranchApplies, lastDefaultBranchApply } from '../../queue/workflows/apply/history.ts';
import { endsPin, holdOf, notesPullRequest, rolloutPruneOffHold } from '../../queue/workflows/apply/hold.ts';
import { heldCheck } from '../../queue/workflows/apply/apply-text.ts';
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
