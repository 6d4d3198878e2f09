import { describe, expect, it } from 'vitest';
import { riskClasses, type Change, type RiskClass } from '../../src/model/change.ts';
import type { EnvironmentPlan } from '../../src/model/plan.ts';
import { renderComment } from '../../src/report/comment.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { structureProblems } from './markdown-checks.ts';
import { bigChange, change, environment, plan } from './plans.ts';

const runUrl = (env: string): string => `https://github.com/acme/gitops/runs/${env.length}0${env.charCodeAt(0)}`;
const links = (env: EnvironmentPlan): string => runUrl(env.name);

/** A change with a diff of `lines` lines of equal width, so every change of a test costs the same. */
function sized(name: string, risk: RiskClass, lines = 20): Change {
  const action = risk.startsWith('deletion') ? 'delete' : 'update';
  const body = Array.from({ length: lines }, (_, i) => `${i % 2 === 0 ? '-' : '+'}  key-${String(i).padStart(3, '0')}: "${name}"`);
  return {
    ...change('ConfigMap', name, { risk, action }),
    diff: [`--- base/core/ConfigMap/web/${name}`, `+++ head/core/ConfigMap/web/${name}`, `@@ -1,${lines} +1,${lines} @@`, ...body].join('\n') + '\n',
  };
}

/** `<details><summary>🔴 deletion-critical · <code>−</code> ConfigMap web/x</summary>` → x, per environment section. */
function shownDiffs(body: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let env = '';
  let summary = '';
  for (const line of body.split('\n')) {
    const heading = /^### (.+)$/.exec(line);
    if (heading) env = heading[1];
    const m = /^<details><summary>.* · <code>.<\/code> \w+ (?:[\w-]+\/)?([\w.-]+)<\/summary>$/.exec(line);
    if (m) summary = m[1];
    // A pointer to a diff shown in another environment is not a diff.
    if (/^`{3,}diff$/.test(line) && summary) {
      out.set(env, [...(out.get(env) ?? []), summary]);
      summary = '';
    }
  }
  return out;
}

function notShown(body: string, env: string): { changes: number; of: number; lines: number; link?: string } | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`✂️ **Not shown in this comment for \`${env}\`:**`));
  if (!line) return undefined;
  const m = /(\d+) of (\d+) changes? \((\d+) diff lines?\)/.exec(line);
  const link = /\[its check run\]\(([^)]+)\)/.exec(line)?.[1];
  return { changes: Number(m?.[1] ?? 0), of: Number(m?.[2] ?? 0), lines: Number(m?.[3] ?? 0), ...(link ? { link } : {}) };
}

describe('the pull request comment', () => {
  it('is the whole report when it fits: the index, then every environment\'s changes as `bosun plan` prints them', () => {
    const staging = environment('staging', {
      changes: [change('Deployment', 'web', { risk: 'image', diff: '--- base/apps/Deployment/web/web\n+++ head/apps/Deployment/web/web\n@@ -1 +1 @@\n-  image: shop/web:1.4.3\n+  image: shop/web:1.5.0\n' }), change('ConfigMap', 'settings', { action: 'create' })],
    });
    const production = environment('production', { changes: [change('Deployment', 'web', { risk: 'image', diff: staging.changes[0].diff })] });
    const infra = environment('infrastructure', { changes: [change('Namespace', 'old', { action: 'delete', risk: 'deletion-critical', namespace: '' })], validation: { errors: [], warnings: [{ severity: 'warning', object: 'v1 Service web/x', path: '/spec', message: 'deprecated' }] } });
    const p = plan(staging, production, infra, environment('dev', { affected: false, reason: 'no input changed', render: { skipped: true } }));

    const body = renderComment(p, { links });
    expect(body).toBe(renderMarkdown(p, { links })[0]);
    expect(body.startsWith('## bosun plan · `0123456` → `fedcba9`\n')).toBe(true);
    expect(body).toContain(`| [staging](${runUrl('staging')}) | +1 ~1 −0 | ✅ valid | 🟡 image |`);
    expect(body.indexOf('| Environment |')).toBeLessThan(body.indexOf('### staging'));
    expect(body).toContain('-  image: shop/web:1.4.3\n+  image: shop/web:1.5.0');
    // The image change is identical in staging and production: one diff, naming both environments.
    expect(body.match(/\+ {2}image: shop\/web:1\.5\.0/g)).toHaveLength(1);
    expect(body).toContain('same change in `staging`, `production`');
    expect(body).toContain('same change as in `staging`, diff shown there');
    expect(body).toContain('<details><summary>🔴 deletion-critical · <code>−</code> Namespace old</summary>');
    expect(body).not.toContain('Not shown in this comment');
    expect(body).not.toContain('[!NOTE]');
    expect(structureProblems(body)).toEqual([]);
  });

  it('keeps the index and the riskiest changes of 500 within 65,536 characters and counts the rest per environment, linked', () => {
    const envs = [['staging', 250], ['production', 200], ['qa', 50]] as const;
    const all = new Map<string, Change[]>();
    const p = plan(...envs.map(([name, count]) => {
      const changes = Array.from({ length: count }, (_, i) => sized(`${name.slice(0, 2)}-${String(i).padStart(3, '0')}`, riskClasses[(i * 7 + name.length) % riskClasses.length]));
      all.set(name, changes);
      return environment(name, { changes, render: { objects: count, baseObjects: count } });
    }));
    const body = renderComment(p, { links });

    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.length).toBeGreaterThan(60_000);
    expect(structureProblems(body)).toEqual([]);
    // The index comes first, whole.
    expect(body.startsWith('## bosun plan · ')).toBe(true);
    for (const [name] of envs) expect(body).toContain(`| [${name}](${runUrl(name)}) | `);
    expect(body).toContain('**3 of 3 environments rendered** · 500 changes · highest risk 🔴 deletion-critical');
    expect(body).toMatch(/> This comment shows \d+ of 500 changes, riskiest first/);

    const shown = shownDiffs(body);
    const rank = (c: Change): number => riskClasses.indexOf(c.risk);
    const shownChanges: Change[] = [];
    const leftOut: Change[] = [];
    for (const [name] of envs) {
      const names = new Set(shown.get(name) ?? []);
      const mine = all.get(name)!;
      for (const c of mine) (names.has(c.name) ? shownChanges : leftOut).push(c);
      const left = mine.filter((c) => !names.has(c.name));
      const note = notShown(body, name);
      // Every environment lost something here (the budget is far too small), and says exactly what.
      expect(note, name).toEqual({ changes: left.length, of: mine.length, lines: left.reduce((n, c) => n + c.diff.trimEnd().split('\n').length, 0), link: runUrl(name) });
    }
    expect(shownChanges.length).toBeGreaterThan(50);
    expect(leftOut.length).toBeGreaterThan(0);
    // Riskiest first across environments: nothing left out is riskier than anything shown.
    expect(Math.max(...shownChanges.map(rank))).toBeLessThanOrEqual(Math.min(...leftOut.map(rank)));
    expect(shownChanges.some((c) => c.risk === 'deletion-critical')).toBe(true);
    expect(body).toContain(`> This comment shows ${shownChanges.length} of 500 changes`);
    // Within each environment, the shown diffs are in risk order too.
    for (const [name] of envs) {
      const order = (shown.get(name) ?? []).map((n) => rank(all.get(name)!.find((c) => c.name === n)!));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('shows a change folded across environments whole or not at all, so no pointer leads nowhere', () => {
    const shared = Array.from({ length: 40 }, (_, i) => sized(`shared-${String(i).padStart(2, '0')}`, i < 10 ? 'image' : 'other', 30));
    const own = (env: string) => Array.from({ length: 40 }, (_, i) => sized(`${env}-${String(i).padStart(2, '0')}`, 'replicas', 30));
    const p = plan(environment('staging', { changes: [...shared, ...own('staging')] }), environment('production', { changes: [...shared, ...own('production')] }), environment('eu', { changes: shared.slice(0, 5) }));
    for (const maxChars of [8_000, 20_000, 40_000, 65_536]) {
      const body = renderComment(p, { links, maxChars });
      expect(body.length).toBeLessThanOrEqual(maxChars);
      expect(structureProblems(body), `${maxChars}`).toEqual([]);
      const diffs = shownDiffs(body);
      const sections = body.split(/\n(?=### )/);
      for (const section of sections.slice(1)) {
        const env = /^### (.+)$/m.exec(section)![1];
        for (const m of section.matchAll(/<code>.<\/code> ConfigMap web\/([\w-]+)<\/summary>\n\n.*same change as in `([\w-]+)`, diff shown there/g)) {
          expect(diffs.get(m[2]) ?? [], `${env}: ${m[1]} points to ${m[2]} (maxChars ${maxChars})`).toContain(m[1]);
        }
      }
      // A shared change shown in staging is named in all three environments, and its diff appears once.
      const first = (diffs.get('staging') ?? []).find((n) => n.startsWith('shared-0'));
      if (first) {
        expect(body).toContain('same change in `staging`, `production`, `eu`');
        expect(body.match(new RegExp(`"${first}"`, 'g'))).toHaveLength(30);
      }
    }
  });

  it('gives render errors and validation errors room before changes', () => {
    const broken = environment('qa', { render: { error: { kind: 'render', message: 'accumulating resources: missing file base/x.yaml', tool: 'kustomize', side: 'head', file: 'clusters/qa/kustomization.yaml', line: 4 } } });
    const invalid = environment('prod', {
      changes: [bigChange('late', 300)],
      validation: { errors: [{ severity: 'error', file: 'apps/web/deploy.yaml', line: 14, object: 'apps/v1 Deployment web/frontend', path: '/spec/replicas', message: 'must be integer' }], warnings: [] },
    });
    const noisy = environment('staging', { changes: Array.from({ length: 60 }, (_, i) => bigChange(`cm-${i}`, 100)) });
    const body = renderComment(plan(noisy, invalid, broken), { links, maxChars: 30_000 });
    expect(body.length).toBeLessThanOrEqual(30_000);
    expect(body).toContain('**Render failed** (head side, `kustomize`, `clusters/qa/kustomization.yaml:4`):');
    expect(body).toContain('| ❌ | `apps/web/deploy.yaml:14` | apps/v1 Deployment web/frontend | `/spec/replicas` | must be integer |');
    expect(notShown(body, 'staging')?.changes).toBeGreaterThan(0);
    expect(structureProblems(body)).toEqual([]);
  });

  it('says what it left out even without links, and when whole environments have no section', () => {
    const p = plan(...Array.from({ length: 30 }, (_, i) => environment(`env-${String(i).padStart(2, '0')}`, { changes: [bigChange(`cm-${i}`, 200)] })));
    const body = renderComment(p, { maxChars: 20_000 });
    expect(body.length).toBeLessThanOrEqual(20_000);
    expect(body).toMatch(/> This comment shows \d+ of 30 changes, riskiest first, to stay within GitHub's 65,536 characters; \d+ environments with details only in their check runs\./);
    const sections = body.match(/^### /gm) ?? [];
    expect(sections.length).toBeGreaterThan(0);
    expect(sections.length).toBeLessThan(30);
    // Every environment is still in the index.
    for (let i = 0; i < 30; i++) expect(body).toContain(`| env-${String(i).padStart(2, '0')} | +1 ~0 −0 |`);
    expect(structureProblems(body)).toEqual([]);
  });

  it('cuts an index larger than the whole budget where markdown allows, and counts the rest', () => {
    const p = plan(...Array.from({ length: 3000 }, (_, i) => environment(`environment-${String(i).padStart(4, '0')}`, { changes: [change('ConfigMap', `cm-${i}`)] })));
    const body = renderComment(p, { links });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/Output truncated after 1 part: \d+ changes \/ \d+ lines not shown\. Each environment's check run on this commit has its full report\.$/);
    expect(structureProblems(body)).toEqual([]);
  });

  it('is deterministic: the same plan gives the same body, whatever order the changes arrive in', () => {
    const make = (reverse: boolean) => plan(...['staging', 'production'].map((name) => {
      const changes = Array.from({ length: 120 }, (_, i) => sized(`c-${String(i).padStart(3, '0')}`, riskClasses[i % riskClasses.length]));
      return environment(name, { changes: reverse ? changes.reverse() : changes });
    }));
    const body = renderComment(make(false), { links });
    expect(body).toContain('Not shown in this comment');
    expect(renderComment(make(false), { links })).toBe(body);
    expect(renderComment(make(true), { links })).toBe(body);
  });

  it('shows the lock holder in the index, as the index alone did', () => {
    const body = renderComment(plan(environment('staging', { changes: [change('ConfigMap', 'x')] })), { links, locks: () => ({ pr: 12, url: 'https://github.com/acme/gitops/pull/12' }) });
    expect(body).toContain('| Environment | Changes | Validation | Highest risk | Render | Lock |');
    expect(body).toContain('🔒 [#12](https://github.com/acme/gitops/pull/12)');
    expect(body).toContain('<details><summary>⚪ other · <code>~</code> ConfigMap web/x</summary>');
  });
});
