import { describe, expect, it } from 'vitest';
import { applyJobId, commandJobId, planDedupId, planJobId, reconcileSchedulerId, stateKeys } from '../../src/jobs.ts';

describe('job ids', () => {
  it('never contain a colon and never are all digits, whatever the delivery id', () => {
    for (const deliveryId of ['123', 'a:b', '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x+y']) {
      for (const id of [planJobId({ deliveryId, pr: 1 }), commandJobId({ deliveryId }), applyJobId({ deliveryId, env: 'prod:eu' })]) {
        expect(id).not.toContain(':');
        expect(id).not.toMatch(/^\d+$/);
      }
    }
  });

  it('keep different inputs apart even when the parts contain the separator', () => {
    expect(applyJobId({ deliveryId: 'a+b', env: 'c' })).not.toBe(applyJobId({ deliveryId: 'a', env: 'b+c' }));
    expect(applyJobId({ deliveryId: 'a-b', env: 'c' })).not.toBe(applyJobId({ deliveryId: 'a', env: 'b-c' }));
    expect(reconcileSchedulerId('acme/app', 'x')).not.toBe(reconcileSchedulerId('acme/app+x', ''));
  });

  it('treat repository names case-insensitively, as GitHub does', () => {
    expect(planDedupId('Acme/GitOps', 4)).toBe(planDedupId('acme/gitops', 4));
    const keys = stateKeys('p');
    expect(keys.planLatest('Acme/GitOps', 4)).toBe(keys.planLatest('acme/gitops', 4));
    expect(keys.envLease('Acme/GitOps', 'Prod')).not.toBe(keys.envLease('acme/gitops', 'prod'));
  });
});
