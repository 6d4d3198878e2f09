import { describe, expect, it } from 'vitest';
import { ApiError, describeFailure } from '../../src/cluster/api-error.ts';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { renderPreviewMarkdown } from '../../src/report/preview-section.ts';
import type { ApplyReport, ObjectRef, PreviewResult } from '../../src/cluster/types.ts';

const ref = (kind: string, namespace: string, name: string, group = ''): ObjectRef => ({
  id: { group, kind, namespace, name }, key: `${group}/${kind}/${namespace}/${name}`, apiVersion: group ? `${group}/v1` : 'v1', kind, namespace, name,
});

// The Status a Kubernetes 1.20 API server sends for a server-side apply conflict on two fields.
const conflictStatus = {
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409,
  message: 'Apply failed with 2 conflicts: conflicts with "other":\n- .data.a\n- .data.b',
  details: { causes: [
    { reason: 'FieldManagerConflict', message: 'conflict with "other"', field: '.data.a' },
    { reason: 'FieldManagerConflict', message: 'conflict with "other"', field: '.data.b' },
  ] },
};

describe('failure descriptions', () => {
  it('names the managers and fields of a server-side apply conflict and says how to resolve it', () => {
    const error = new ApiError({ status: 409, body: conflictStatus, method: 'PATCH', path: '/x' });
    expect(error.conflicts()).toEqual([{ manager: 'other', field: '.data.a' }, { manager: 'other', field: '.data.b' }]);
    expect(describeFailure(error)).toBe('conflict with other field managers: "other" owns .data.a, .data.b. Change these fields in Git to match, remove them from the manifest, or set forceConflicts for this environment to take them over');
  });

  it('keeps Secret values and echoed request bytes out of server messages', () => {
    const error = new ApiError({
      status: 400, method: 'PATCH', path: '/x', secrets: ['hunter2-value'],
      body: { kind: 'Status', message: 'v1.Secret.StringData: ReadString: expects " or n, but found 1, error found in #10 byte of ...|{"pw":"hunter2-val|..., bigger context ...|ue","x":1}}|... and hunter2-value again', reason: 'BadRequest' },
    });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('ue","x"');
    expect(error.message).toContain('...|***|...');
  });
});

describe('preview markdown', () => {
  const result: PreviewResult = {
    environment: 'staging',
    cluster: 'kind-staging',
    objects: [
      { ...ref('ConfigMap', 'web', 'settings'), action: 'update', diff: '--- live\n+++ applied\n-  a: "1"\n+  a: "2"\n', risk: 'other' },
      { ...ref('Deployment', 'web', 'api', 'apps'), action: 'conflict', conflicts: [{ manager: 'kubectl-edit', field: '.spec.replicas' }], message: 'conflict with other field managers', source: { file: 'apps/api.yaml', line: 4 } },
      { ...ref('Service', 'web', 'api'), action: 'rejected', message: '422 Invalid: spec.ports[0].port: <bad>' },
      { ...ref('ConfigMap', 'web', 'same'), action: 'unchanged' },
      { ...ref('ConfigMap', 'web', 'fenced'), action: 'create', diff: '+data: "```not a fence```"\n' },
    ],
    prunes: [{ ...ref('Secret', 'web', 'old'), action: 'prune', diff: '-data:\n-  k: "*** (old value)"\n', risk: 'deletion', secretKeys: { added: [], removed: ['k'], changed: [] } }],
    counts: { create: 1, update: 1, unchanged: 1, conflict: 1, rejected: 1, prune: 1 },
    notes: ['prune is off for <reasons>'],
    ok: false,
  };
  const md = renderPreviewMarkdown(result);

  it('leads with counts and problems, naming conflicting managers and sources', () => {
    expect(md).toContain('❌ **+1 ~1 −1**, 1 unchanged, 1 conflict, 1 rejected');
    expect(md).toContain('- ⚠️ **conflict** `Deployment web/api` (`apps/api.yaml:4`)');
    expect(md).toContain('  - `.spec.replicas` is owned by `kubectl-edit`');
    expect(md).toContain('422 Invalid: spec.ports[0].port: &lt;bad&gt;');
    expect(md).toContain('> prune is off for &lt;reasons&gt;');
  });

  it('folds each change with its diff and leaves unchanged objects out', () => {
    expect(md).toContain('<details><summary><code>~ ConfigMap web/settings</code></summary>');
    expect(md).toContain('<code>− Secret web/old</code> (deletion) — Secret keys: −k');
    expect(md).not.toContain('web/same');
    // A diff holding backticks gets a longer fence, so it cannot close the block early.
    expect(md).toContain('````diff\n+data: "```not a fence```"\n````');
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
  });
});

describe('apply summary', () => {
  it('gives the verdict and counts first and one line per object, failures first', () => {
    const report: ApplyReport = {
      environment: 'production', cluster: 'prod', mode: 'apply', dryRun: false,
      objects: [
        { ...ref('ConfigMap', 'web', 'a'), action: 'unchanged', stage: 'apply' },
        { ...ref('Deployment', 'web', 'api', 'apps'), action: 'failed', stage: 'apply', error: '503 ServiceUnavailable: try later (after 5 tries)', source: { file: 'apps/api.yaml', line: 1 } },
        { ...ref('ConfigMap', 'web', 'b'), action: 'created', stage: 'apply' },
      ],
      pruned: 0,
      counts: { created: 1, configured: 0, unchanged: 1, failed: 1, pruned: 0, skipped: 0 },
      notes: ['apply failed for 1 object(s): nothing was pruned'],
      ok: false,
      durationMs: 1234,
    };
    const lines = renderApplySummary(report).trimEnd().split('\n');
    expect(lines[0]).toBe('FAILED: apply of environment "production" to cluster "prod" in 1.2 s');
    expect(lines[1]).toBe('  1 created, 0 configured, 1 unchanged, 0 pruned, 0 skipped, 1 failed');
    expect(lines[2]).toBe('  note: apply failed for 1 object(s): nothing was pruned');
    expect(lines.slice(-3)).toEqual([
      'failed     Deployment web/api (apps/api.yaml:1): 503 ServiceUnavailable: try later (after 5 tries)',
      'created    ConfigMap web/b',
      'unchanged  ConfigMap web/a',
    ]);
  });
});
