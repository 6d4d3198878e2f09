// An environment's check run (queue/workflows/plan/check-report.ts): its conclusion and title say what the
// apply preview found, and tell "the apply would fail" apart from "the cluster could not be checked".
import { describe, expect, it } from 'vitest';
import { checkReport } from '../../queue/workflows/plan/check-report.ts';
import type { PreviewResult } from '../../src/model/preview.ts';
import { change, environment, plan } from '../report/plans.ts';

const updated = (fields: Parameters<typeof environment>[1]) => environment('production', { affected: true, render: { objects: 1 }, changes: [change('ConfigMap', 'settings', { action: 'update' })], ...fields });
const previewOf = (ok: boolean): PreviewResult => ({ environment: 'production', cluster: 'prod', ok, objects: [], prunes: [], counts: { create: 0, update: 1, unchanged: 0, conflict: ok ? 0 : 1, rejected: 0, prune: 0 }, notes: [] });

describe('check run of an environment with an apply preview', () => {
  it('succeeds when the preview says the apply goes through', () => {
    const env = updated({ preview: previewOf(true) });
    const report = checkReport(plan(env), env);
    expect(report.conclusion).toBe('success');
    expect(report.title).toBe('+0 ~1 −0');
  });

  it('fails and says the apply would fail when the preview found a conflict', () => {
    const env = updated({ preview: previewOf(false) });
    const report = checkReport(plan(env), env);
    expect(report.conclusion).toBe('failure');
    expect(report.title).toBe('+0 ~1 −0 · apply preview predicts failure');
  });

  it('fails but says the cluster could not be checked when the preview could not be taken', () => {
    const env = updated({ preview: { error: { kind: 'cluster', message: 'cluster "prod" (https://10.0.0.1:6443) answered 503: unavailable' } } });
    const report = checkReport(plan(env), env);
    expect(report.conclusion).toBe('failure');
    expect(report.title).toBe('+0 ~1 −0 · no apply preview: the cluster could not be checked');
    expect(report.summary).toContain('No apply preview: cluster "prod"');
  });
});
