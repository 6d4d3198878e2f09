// Drift from an apply preview, and the drift issue's body: pure, no servers. Preview objects are built
// with the cluster engine's own liveDiff, so the diffs (and Secret masking) are the real ones.
import { describe, expect, it } from 'vitest';
import { liveDiff } from '../../src/cluster/live-diff.ts';
import type { PreviewObject, PreviewResult } from '../../src/cluster/types.ts';
import { chooseBaseline, driftCounts, healRefusal, driftReport, isDriftIssueBody, renderDriftIssueBody, resolvedDriftIssueBody, type DriftIssueInput } from '../../src/drift/index.ts';
import type { KubeObject } from '../../src/model/object.ts';

const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data });
const b64 = (s: string) => Buffer.from(s).toString('base64');

function previewObject(action: PreviewObject['action'], live: KubeObject | undefined, next: KubeObject | undefined, extra: Partial<PreviewObject> = {}): PreviewObject {
  const subject = (next ?? live)!;
  const { diff, risk, secretKeys, changed } = liveDiff(live, next);
  const name = subject.metadata!.name!;
  const namespace = subject.metadata!.namespace ?? '';
  const group = subject.apiVersion.includes('/') ? subject.apiVersion.split('/')[0] : '';
  return {
    id: { group, kind: subject.kind, namespace, name },
    key: `${group || 'core'}/${subject.kind}/${namespace}/${name}`,
    apiVersion: subject.apiVersion,
    kind: subject.kind,
    namespace,
    name,
    action,
    ...(changed || action !== 'unchanged' ? { diff, risk } : {}),
    ...(secretKeys ? { secretKeys } : {}),
    ...extra,
  };
}

function preview(objects: PreviewObject[], prunes: PreviewObject[] = [], notes: string[] = []): PreviewResult {
  const counts = { create: 0, update: 0, unchanged: 0, conflict: 0, rejected: 0, prune: 0 };
  for (const o of [...objects, ...prunes]) counts[o.action]++;
  return { environment: 'staging', cluster: 'test', objects, prunes, counts, notes, ok: true };
}

function input(over: Partial<DriftIssueInput> = {}): DriftIssueInput {
  return {
    env: 'staging',
    cluster: 'test',
    sha: 'a'.repeat(40),
    defaultBranch: 'main',
    checkedAt: Date.UTC(2025, 0, 2, 3, 4),
    report: driftReport(preview([])),
    state: { status: 'drifted', heal: { mode: 'off' } },
    ...over,
  };
}

describe('driftReport', () => {
  it('finds nothing when every object is unchanged', () => {
    const report = driftReport(preview([previewObject('unchanged', configMap('app', { v: '1' }), configMap('app', { v: '1' }))]));
    expect(report.items).toEqual([]);
    expect(report.compared).toBe(1);
    expect(driftCounts(report)).toBe('no drift');
  });

  it('names objects changed, deleted and left over by hand, with who changed them and the diff', () => {
    const changed = previewObject('update', configMap('app', { v: 'by-hand' }), configMap('app', { v: '1' }), { conflicts: [{ manager: 'kubectl-edit', field: '.data.v' }] });
    const missing = previewObject('create', undefined, configMap('gone', { v: '1' }));
    const extra = previewObject('prune', configMap('old', { v: '1' }), undefined);
    const report = driftReport(preview([previewObject('unchanged', configMap('same', {}), configMap('same', {})), changed, missing], [extra]));
    expect(report.items.map((i) => [i.kind, i.name])).toEqual([['missing', 'gone'], ['changed', 'app'], ['extra', 'old']]);
    expect(report.items[1].changedBy).toEqual(['kubectl-edit']);
    expect(report.items[1].diff).toMatch(/-\s+v: by-hand\n\+\s+v: "1"/);
    expect(driftCounts(report)).toBe('1 changed, 1 missing, 1 extra');
  });

  it('keeps objects the dry run could not check apart from drift', () => {
    const report = driftReport(preview([previewObject('rejected', undefined, configMap('bad', {}), { message: 'admission webhook denied it' })]));
    expect(report.items).toEqual([]);
    expect(report.unchecked).toEqual([expect.objectContaining({ name: 'bad', message: 'admission webhook denied it' })]);
  });
});

describe('drift issue body', () => {
  it('starts with the environment marker and says how to heal when selfHeal is off', () => {
    const report = driftReport(preview([previewObject('update', configMap('app', { v: '2' }), configMap('app', { v: '1' }))]));
    const body = renderDriftIssueBody(input({ report }));
    expect(isDriftIssueBody(body, 'staging')).toBe(true);
    expect(isDriftIssueBody(body, 'production')).toBe(false);
    expect(isDriftIssueBody(`> ${body}`, 'staging')).toBe(false);
    expect(body).toContain('| Compared with | `aaaaaaa` (the tip of `main`) |');
    expect(body).toContain('| Checked | 2025-01-02 03:04 UTC |');
    expect(body).toContain('| `ConfigMap` | `shop` | `app` | ✏️ changed |');
    expect(body).toContain('`/bosun sync staging`');
    expect(body).toContain('selfHeal: true');
    expect(body).toMatch(/<details><summary>✏️ changed · <code>ConfigMap shop\/app<\/code><\/summary>[\s\S]*```diff\n[\s\S]*-\s+v: "2"[\s\S]*<\/details>/);
  });

  it('never shows Secret values, only which keys differ', () => {
    const secret = (pw: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', data: { password: b64(pw) } });
    const report = driftReport(preview([previewObject('update', secret('typed-by-hand-s3cret'), secret('from-git-hunter2'))]));
    const body = renderDriftIssueBody(input({ report }));
    for (const value of ['typed-by-hand-s3cret', 'from-git-hunter2', b64('typed-by-hand-s3cret'), b64('from-git-hunter2')]) expect(body).not.toContain(value);
    expect(body).toContain('Secret values masked; keys differ: `password`');
  });

  it('says when bosun healed the drift, or why it would not', () => {
    const report = driftReport(preview([previewObject('create', undefined, configMap('gone', {}))]));
    expect(renderDriftIssueBody(input({ report, state: { status: 'healed', healedAt: Date.UTC(2025, 0, 2, 3, 5) } }))).toContain('**Healed at 2025-01-02 03:05 UTC**: bosun re-applied `aaaaaaa`');
    expect(renderDriftIssueBody(input({ report, state: { status: 'drifted', heal: { mode: 'refused', reason: 'the render is empty and allowEmpty is off' } } })))
      .toContain('`selfHeal` is on, but this drift is not healed: the render is empty and allowEmpty is off.');
  });

  it('when the drift is gone, keeps the last drift as the record under an "in sync since" banner (once)', () => {
    const report = driftReport(preview([previewObject('create', undefined, configMap('gone', {}))]));
    const drifted = renderDriftIssueBody(input({ report }));
    const first = resolvedDriftIssueBody(drifted, { env: 'staging', sha: 'c'.repeat(40), checkedAt: Date.UTC(2025, 0, 2, 4, 0) });
    expect(isDriftIssueBody(first, 'staging')).toBe(true);
    expect(first).toContain('> ✅ **In sync since 2025-01-02 04:00 UTC** at `ccccccc`');
    expect(first).toContain('| `ConfigMap` | `shop` | `gone` | ➕ missing |');
    const again = resolvedDriftIssueBody(first, { env: 'staging', sha: 'c'.repeat(40), checkedAt: Date.UTC(2025, 0, 2, 5, 0) });
    expect(again.match(/In sync since/g)).toHaveLength(1);
    expect(again).toContain('In sync since 2025-01-02 05:00 UTC');
  });

  it('stays within the body limit and counts the objects and diff lines it leaves out', () => {
    const big = (i: number) => configMap(`app-${String(i).padStart(4, '0')}`, Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`key${k}`, `value-${i}-${k}-${'x'.repeat(30)}`])));
    const objects = Array.from({ length: 1200 }, (_, i) => previewObject('update', big(i), configMap(`app-${String(i).padStart(4, '0')}`, { key0: 'git' })));
    const report = driftReport(preview(objects));
    const body = renderDriftIssueBody(input({ report }));
    expect(body.length).toBeLessThanOrEqual(65_536);
    const rows = body.split('\n').filter((l) => l.startsWith('| `ConfigMap`')).length;
    const diffs = (body.match(/<details>/g) ?? []).length;
    expect(rows).toBeLessThan(1200);
    expect(body).toContain(`**${1200 - rows} more drifted object(s) not listed**`);
    expect(diffs).toBeLessThan(rows);
    expect(body).toMatch(new RegExp(`\\*\\*${rows - diffs} diff\\(s\\) \\(\\d+ lines\\) not shown\\*\\*`));
    // Every opened block is closed: the markdown stays valid.
    expect((body.match(/<\/details>/g) ?? []).length).toBe(diffs);
    expect((body.match(/^```/gm) ?? []).length % 2).toBe(0);
  });

  it('cuts one huge diff instead of letting it crowd out the others', () => {
    const huge = configMap('huge', Object.fromEntries(Array.from({ length: 600 }, (_, k) => [`k${k}`, 'v'])));
    const report = driftReport(preview([previewObject('update', huge, configMap('huge', {})), previewObject('update', configMap('small', { a: '1' }), configMap('small', { a: '2' }))]));
    const body = renderDriftIssueBody(input({ report }));
    expect(body).toMatch(/… \d+ more lines not shown/);
    expect(body).toContain('<code>ConfigMap shop/small</code>');
  });
});

describe('chooseBaseline', () => {
  const tip = 'b'.repeat(40);
  it('compares with the tip of the default branch by default', () => {
    expect(chooseBaseline({ tip, defaultBranch: 'main', autoApply: true, lastApplied: 'c'.repeat(40) })).toEqual({ sha: tip, source: 'tip' });
  });
  it('compares with the pinned commit while a rollback holds the environment, and says so', () => {
    const b = chooseBaseline({ tip, defaultBranch: 'main', autoApply: true, pin: { sha: 'd'.repeat(40), reason: 'rollback by alice', revertPr: 12 } });
    expect(b).toMatchObject({ sha: 'd'.repeat(40), source: 'pin' });
    expect('note' in b && b.note).toBe('pinned at `ddddddd` (rollback by alice); revert PR #12 will bring `main` there; `main` is at `bbbbbbb`');
  });
  it('with autoApply off, compares with the last applied commit (merged changes wait for /bosun apply), and checks nothing before the first apply', () => {
    expect(chooseBaseline({ tip, defaultBranch: 'main', autoApply: false, lastApplied: 'c'.repeat(40) })).toMatchObject({ sha: 'c'.repeat(40), source: 'last-applied' });
    expect(chooseBaseline({ tip, defaultBranch: 'main', autoApply: false })).toEqual({ skip: expect.stringContaining('nothing to compare the cluster with until `/bosun apply`') });
  });
  it('never heals an empty render unless allowEmpty is on', () => {
    expect(healRefusal({ allowEmpty: false }, 3)).toBeUndefined();
    expect(healRefusal({ allowEmpty: false }, 0)).toMatch(/render is empty and `allowEmpty` is off/);
    expect(healRefusal({ allowEmpty: true }, 0)).toBeUndefined();
  });
});
