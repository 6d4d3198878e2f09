import { describe, expect, it } from 'vitest';
import { renderIndex, renderMarkdown } from '../../src/report/markdown.ts';
import { structureProblems } from './markdown-checks.ts';
import { bigChange, change, environment, plan } from './plans.ts';

const staging = environment('staging', {
  source: 'flux', cluster: 'staging-eu',
  render: { objects: 12, baseObjects: 11 },
  validation: {
    errors: [{ severity: 'error', file: 'apps/web/deploy.yaml', line: 14, object: 'apps/v1 Deployment web/frontend', path: '/spec/replicas', message: 'must be integer' }],
    warnings: [{ severity: 'warning', object: 'example.com/v1 Widget web/w', path: '', message: 'no schema for example.com/v1 Widget' }],
  },
  changes: [
    change('ConfigMap', 'settings', { action: 'create', risk: 'other' }),
    change('Deployment', 'frontend', { risk: 'replicas', file: 'apps/web/deploy.yaml', line: 3 }),
    change('Namespace', 'legacy', { action: 'delete', risk: 'deletion-critical', namespace: '' }),
    change('Deployment', 'api', { risk: 'image' }),
  ],
});
const production = environment('production', {
  changes: [change('Deployment', 'frontend', { risk: 'replicas', file: 'apps/web/deploy.yaml', line: 3 })],
  validation: { errors: [], warnings: [{ severity: 'warning', object: 'v1 Service web/x', path: '/spec', message: 'deprecated' }] },
});
const broken = environment('qa', { render: { error: { kind: 'render', message: 'accumulating resources: token=abc123secret\nmissing file base/x.yaml', tool: 'kustomize', side: 'head', file: 'clusters/qa/kustomization.yaml', line: 4 } } });
const quiet = environment('perf', { changes: [] });
const skippedA = environment('dev', { affected: false, reason: 'no input changed', render: { skipped: true } });
const skippedB = environment('sandbox', { affected: false, reason: 'no input changed', render: { skipped: true } });
const full = plan(staging, production, broken, quiet, skippedA, skippedB);

function section(md: string, env: string): string {
  const start = md.indexOf(`### ${env}\n`);
  expect(start, `section ${env}`).toBeGreaterThanOrEqual(0);
  const end = md.indexOf('\n### ', start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

describe('markdown report', () => {
  const [md] = renderMarkdown(full, { links: (env) => (env.name === 'staging' ? 'https://github.com/o/r/runs/1' : undefined) });

  it('starts with a summary table: counts, validation state, highest risk and render state per environment', () => {
    expect(md.startsWith('## bosun plan · `0123456` → `fedcba9`\n')).toBe(true);
    expect(md).toContain('| [staging](https://github.com/o/r/runs/1) | +1 ~2 −1 | ❌ 1 error, 1 warning | 🔴 deletion-critical | 12 objects (base 11) |');
    expect(md).toContain('| production | +0 ~1 −0 | ⚠️ 1 warning | 🔵 replicas | 10 objects |');
    expect(md).toContain('| qa | — | — | — | ❌ render failed (head) |');
    expect(md).toContain('| perf | +0 ~0 −0 | ✅ valid | — | 10 objects |');
    expect(md).toContain('**4 of 6 environments rendered** · 5 changes · highest risk 🔴 deletion-critical · ❌ 1 failed to render · ❌ 1 with validation errors');
  });

  it('lists environments that were not rendered compactly, with their reason', () => {
    expect(md).toContain('**Not rendered:** `dev`, `sandbox` (no input changed)');
    expect(md).not.toContain('### dev');
    expect(md).not.toContain('### perf');
  });

  it('shows changes riskiest first, each collapsible with its risk badge and a diff block', () => {
    const s = section(md, 'staging');
    const summaries = s.split('\n').filter((l) => l.startsWith('<details><summary>'));
    expect(summaries).toEqual([
      '<details><summary>🔴 deletion-critical · <code>−</code> Namespace legacy</summary>',
      '<details><summary>🟡 image · <code>~</code> Deployment web/api</summary>',
      '<details><summary>🔵 replicas · <code>~</code> Deployment web/frontend</summary>',
      '<details><summary>⚪ other · <code>+</code> ConfigMap web/settings</summary>',
    ]);
    expect(s).toContain('```diff\n--- base/x/Namespace/web/legacy');
    expect(structureProblems(md)).toEqual([]);
  });

  it('lists validation findings with file:line, object and path, errors first', () => {
    const s = section(md, 'staging');
    const rows = s.split('\n').filter((l) => l.startsWith('| ❌') || l.startsWith('| ⚠️'));
    expect(rows).toEqual([
      '| ❌ | `apps/web/deploy.yaml:14` | apps/v1 Deployment web/frontend | `/spec/replicas` | must be integer |',
      '| ⚠️ | — | example.com/v1 Widget web/w | — | no schema for example.com/v1 Widget |',
    ]);
  });

  it('quotes a render error in a fenced block, with secrets scrubbed', () => {
    const s = section(md, 'qa');
    expect(s).toContain('**Render failed** (head side, `kustomize`, `clusters/qa/kustomization.yaml:4`):');
    expect(s).toContain('```text\naccumulating resources: token=***\nmissing file base/x.yaml\n```');
    expect(md).not.toContain('abc123secret');
  });

  it('shows a change that is the same in several environments once and points to it', () => {
    expect(section(md, 'staging')).toContain('same change in `staging`, `production`');
    const prod = section(md, 'production');
    expect(prod).toContain('same change as in `staging`, diff shown there');
    expect(prod).not.toContain('```diff');
    const [unfolded] = renderMarkdown(full, { fold: false });
    expect(section(unfolded, 'production')).toContain('```diff');
  });

  it('cuts a huge diff per object, says how many lines were cut, and counts them in the summaries', () => {
    const huge = bigChange('huge', 1000);
    const [out] = renderMarkdown(plan(environment('staging', { changes: [huge, change('ConfigMap', 'small')] })), { maxDiffLinesPerObject: 400 });
    const diffLines = huge.diff.trimEnd().split('\n');
    expect(out).toContain(diffLines[399]);
    expect(out).not.toContain(diffLines[400]);
    expect(out).toContain('✂️ 603 more diff lines not shown for this object (limit 400 per object).');
    expect(out).toContain('✂️ 603 diff lines not shown in 1 object');
    expect(out).toContain('| staging | +1 ~1 −0 (✂️ 603 lines cut) |');
    expect(structureProblems(out)).toEqual([]);
  });

  it('marks an environment that disappears at head', () => {
    const [out] = renderMarkdown(plan(environment('old', { lifecycle: 'removed', changes: [change('ConfigMap', 'x', { action: 'delete', risk: 'deletion' })] })));
    expect(out).toContain('> This environment no longer exists at head: every object it deployed is deleted.');
    expect(out).toContain('removed environment · 10 objects');
  });

  it('is deterministic whatever order the changes arrive in', () => {
    const shuffled = plan({ ...staging, changes: [...staging.changes].reverse() }, production, broken, quiet, skippedA, skippedB);
    expect(renderMarkdown(shuffled, { links: (env) => (env.name === 'staging' ? 'https://github.com/o/r/runs/1' : undefined) })).toEqual([md]);
  });

  it('keeps user text from breaking the markup', () => {
    const tricky = environment('x<y>', {
      reason: 'a <script> changed',
      validation: { errors: [{ severity: 'error', object: 'v1 ConfigMap a|b', path: '/data/a|b', message: 'bad | value\nnext <b>' }], warnings: [] },
      changes: [change('ConfigMap', 'fence', { diff: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+```\n+</details>\n' })],
    });
    const [out] = renderMarkdown(plan(tricky));
    expect(out).not.toContain('<script>');
    expect(out).toContain('| ❌ | — | v1 ConfigMap a\\|b | `/data/a\\|b` | bad \\| value next &lt;b&gt; |');
    expect(out).toContain('````diff');
    expect(structureProblems(out)).toEqual([]);
  });

  it('shows in the index which pull request holds each locked environment, linked to it', () => {
    const index = renderIndex(full, { locks: (env) => (env.name === 'staging' ? { pr: 12, url: 'https://github.com/acme/gitops/pull/12' } : undefined) });
    expect(index).toContain('| Environment | Changes | Validation | Highest risk | Render | Lock |');
    const rows = index.split('\n').filter((l) => l.startsWith('| staging') || l.startsWith('| production'));
    expect(rows.find((l) => l.startsWith('| staging'))).toMatch(/\| 🔒 \[#12\]\(https:\/\/github\.com\/acme\/gitops\/pull\/12\) \|$/);
    expect(rows.find((l) => l.startsWith('| production'))).toMatch(/\| — \|$/);
    // Every row has as many cells as the header.
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    for (const line of index.split('\n').filter((l) => l.startsWith('| '))) expect(cells(line)).toBe(cells('| Environment | Changes | Validation | Highest risk | Render | Lock |'));
  });

  it('has no Lock column when no environment is locked, and the full report never has one', () => {
    expect(renderIndex(full, { locks: () => undefined })).toBe(renderIndex(full));
    expect(renderIndex(full)).not.toContain('| Lock |');
    expect(renderMarkdown(full).join('\n')).not.toContain('| Lock |');
  });

  it('says so when there are no environments, and renders only the summary for the index', () => {
    expect(renderMarkdown(plan())[0]).toContain('No environments found');
    const index = renderIndex(full);
    expect(index).toContain('| production | +0 ~1 −0 |');
    expect(index).not.toContain('<details>');
  });
});
