import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { cannotJudgeTitle, coverageCheckOutput } from '../../queue/workflows/plan/coverage-check.ts';
import type { DiscoveryNote } from '../../src/model/discovery.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { renderIndex, renderJson, renderMarkdown } from '../../src/report/index.ts';
import { planJsonSchema } from '../../src/report/json-schema.ts';
import { structureProblems } from './markdown-checks.ts';
import { environment, plan } from './plans.ts';

const notes: DiscoveryNote[] = [
  { status: 'info', kind: 'Environment', name: 'staging', file: 'clusters/staging/apps.yaml', line: 1, reason: 'postBuild.substituteFrom takes values from the cluster', environments: ['staging'] },
  { status: 'not-an-environment', kind: 'ApplicationSet', apiVersion: 'argoproj.io/v1alpha1', name: 'apps', namespace: 'argocd', file: 'argocd/apps.yaml', line: 3, reason: 'generators not expanded', reads: ['apps'] },
  { status: 'not-previewed', kind: 'HelmRelease', apiVersion: 'helm.toolkit.fluxcd.io/v2', name: 'redis', file: 'apps/redis.yaml', line: 1, reason: 'chart `redis` from HelmRepository bitnami, which bosun does not fetch', environments: ['staging'] },
];

function withCoverage(uncovered: NonNullable<PlanResult['coverage']>['uncovered'], extra: Partial<PlanResult> = {}): PlanResult {
  return { ...plan(environment('staging', { affected: false, reason: 'skipped: none of its 3 inputs changed', render: { skipped: true } })), coverage: { covered: 12, uncovered }, discovery: notes, ...extra };
}

const validate = new Ajv({ strict: true, allErrors: true }).compile(planJsonSchema);

describe('coverage and discovery in the JSON output', () => {
  it('validates against the schema, with keys in a fixed order', () => {
    const doc = JSON.parse(renderJson(withCoverage([
      { file: 'apps/web/deploy.yaml', reason: 'read by Argo CD ApplicationSet `apps`', changed: true },
      { file: 'legacy/old.yaml', reason: 'deleted; no environment read it', changed: true, deleted: true },
      { file: 'stray.yaml' },
    ])));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(Object.keys(doc)).toEqual(['base', 'head', 'environments', 'coverage', 'discovery']);
    expect(Object.keys(doc.coverage.uncovered[1])).toEqual(['file', 'reason', 'changed', 'deleted']);
    expect(Object.keys(doc.discovery[1])).toEqual(['status', 'kind', 'apiVersion', 'name', 'namespace', 'file', 'line', 'reason', 'reads']);
  });

  it('is rejected by the schema when coverage or a note is malformed', () => {
    const doc = JSON.parse(renderJson(withCoverage([{ file: 'a.yaml' }])));
    expect(validate({ ...doc, coverage: { covered: -1, uncovered: [] } })).toBe(false);
    expect(validate({ ...doc, coverage: { covered: 1, uncovered: [{ reason: 'no file' }] } })).toBe(false);
    expect(validate({ ...doc, discovery: [{ ...doc.discovery[0], status: 'maybe' }] })).toBe(false);
    expect(validate({ ...doc, discovery: [{ ...doc.discovery[0], surprise: true }] })).toBe(false);
  });
});

describe('coverage in the markdown report', () => {
  it('says at the top which changed files bosun cannot judge, before the environments, also in the comment index', () => {
    const p = withCoverage([{ file: 'apps/web/deploy.yaml', reason: 'read by Argo CD ApplicationSet `apps`', changed: true }, { file: 'stray.yaml' }]);
    const [md] = renderMarkdown(p);
    expect(structureProblems(md)).toEqual([]);
    const warning = md.indexOf('**bosun cannot judge 1 changed file**');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(md.indexOf('**Not rendered:**'));
    expect(md).toContain('> - `apps/web/deploy.yaml`: read by Argo CD ApplicationSet `apps`');
    expect(renderIndex(p)).toContain('**bosun cannot judge 1 changed file**');
    expect(renderIndex(p)).toContain('- Flux HelmRelease `redis` in `staging` (`apps/redis.yaml:1`): chart `redis` from HelmRepository bitnami');
    // The long lists stay out of the comment index.
    expect(renderIndex(p)).not.toContain('Not deployed by any environment bosun found');
  });

  it('lists every uncovered file (changed first) and every note in collapsed sections with counts', () => {
    const [md] = renderMarkdown(withCoverage([{ file: 'a.yaml', changed: true }, { file: 'b.yaml', reason: 'in Helm chart `charts/x`, which no environment renders' }]));
    expect(md).toContain('<details><summary>Not deployed by any environment bosun found (2 files, 1 changed)</summary>');
    expect(md).toContain('| ✏️ changed: `a.yaml` | no environment reads it |');
    expect(md).toContain('| `b.yaml` | in Helm chart `charts/x`, which no environment renders |');
    expect(md).toContain('<details><summary>Seen by discovery: 1 not previewed, 1 not an environment, 1 note</summary>');
    const rows = md.split('\n').filter((l) => /^\| (⏸️|👁️|ℹ️)/.test(l));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| ⏸️ not previewed', '| 👁️ not an environment', '| ℹ️ note']);
  });

  it('says nothing at the top when no uncovered file changed, and nothing at all without coverage', () => {
    const [quiet] = renderMarkdown(withCoverage([{ file: 'stray.yaml' }]));
    expect(quiet).not.toContain('cannot judge');
    const [none] = renderMarkdown(plan(environment('staging')));
    expect(none).not.toContain('Not deployed by any environment');
    expect(none).not.toContain('Seen by discovery');
  });

  it('counts what it does not list instead of growing without bound', () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ file: `stray/f${String(i).padStart(3, '0')}.yaml`, changed: true as const }));
    const [md] = renderMarkdown(withCoverage(many), { maxPartChars: 1_000_000 });
    expect(md).toContain('> - … and 240 more (see "Not deployed by any environment bosun found")');
    expect(md).toContain('… and 50 more: `bosun plan --format json` lists them all (`coverage.uncovered`).');
    expect(md.split('\n').filter((l) => l.startsWith('| ✏️ changed:'))).toHaveLength(200);
  });
});

describe('the neutral bosun check run', () => {
  it('has a title with the count, the changed files with reasons, and a warning annotation on each file still there', () => {
    const out = coverageCheckOutput(withCoverage([
      { file: 'apps/web/deploy.yaml', reason: 'read by Argo CD ApplicationSet `apps`', changed: true },
      { file: 'legacy/old.yaml', reason: 'deleted; no environment read it', changed: true, deleted: true },
      { file: 'stray.yaml' },
    ]));
    expect(out?.title).toBe('bosun cannot judge 2 changed files');
    expect(out?.summary).toContain('- `apps/web/deploy.yaml`: read by Argo CD ApplicationSet `apps`');
    expect(out?.summary).toContain('- `legacy/old.yaml` (deleted): deleted; no environment read it');
    expect(out?.summary).not.toContain('stray.yaml');
    expect(out?.text).toContain('Not deployed by any environment bosun found (3 files, 2 changed)');
    expect(out?.annotations).toEqual([{ path: 'apps/web/deploy.yaml', start_line: 1, end_line: 1, annotation_level: 'warning', title: 'bosun cannot judge this file', message: 'read by Argo CD ApplicationSet `apps`' }]);
    expect(cannotJudgeTitle(1)).toBe('bosun cannot judge 1 changed file');
  });

  it('counts a changed file that feeds something bosun does not preview, once, naming what it feeds', () => {
    const fed: DiscoveryNote = { status: 'not-previewed', kind: 'Environment', name: 'prod/apps', file: 'clusters/prod/apps.yaml', line: 1, reason: 'postBuild.substituteFrom ConfigMap vars', environments: ['prod/apps'], reads: ['clusters/prod/vars.yaml'], changed: ['clusters/prod/vars.yaml'] };
    const p = withCoverage([{ file: 'stray.yaml', changed: true }], { discovery: [...notes, fed, { ...fed, name: 'prod/infra', environments: ['prod/infra'] }] });
    const out = coverageCheckOutput(p);
    expect(out?.title).toBe('bosun cannot judge 2 changed files');
    expect(out?.summary).toContain('- `clusters/prod/vars.yaml`: feeds environment `prod/apps` (clusters/prod/apps.yaml:1), environment `prod/infra` (clusters/prod/apps.yaml:1), which bosun does not preview: postBuild.substituteFrom ConfigMap vars');
    expect(renderIndex(p)).toContain('**bosun cannot judge 2 changed files**');
  });

  it('is not posted when no uncovered file changed', () => {
    expect(coverageCheckOutput(withCoverage([{ file: 'stray.yaml' }]))).toBeUndefined();
    expect(coverageCheckOutput(plan(environment('staging')))).toBeUndefined();
  });
});
