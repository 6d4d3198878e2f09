import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conclusionOf } from '../../queue/workflows/plan/check-report.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { renderJson, renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

// Pull request content is untrusted: these are the sizes an attacker (or an accident) can put in one.

const configMap = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  key: "${value}"\n`;

function manyConfigMaps(count: number, prefix: string): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) docs.push(configMap(`${prefix}-${i}`, `v${i}`));
  return docs.join('---\n');
}

function env(plan: PlanResult, name: string) {
  const found = plan.environments.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name} in the plan`);
  return found;
}

function renderError(plan: PlanResult, name: string) {
  const render = env(plan, name).render;
  return 'error' in render ? render.error : undefined;
}

describe('an environment of 60,000 small objects (one multi-document file)', () => {
  let repo: GitRepoBuilder;

  beforeAll(async () => {
    repo = await makeGitRepo();
    await repo.write('clusters/production/app.yaml', configMap('app', 'one'));
    await repo.write('clusters/staging/app.yaml', configMap('app', 'one'));
    await repo.commit('two small environments');
    await repo.write('clusters/production/app.yaml', configMap('app', 'two'));
    await repo.write('clusters/staging/many.yaml', manyConfigMaps(60_000, 'flood'));
    await repo.commit('60,000 ConfigMaps in staging');
  }, 120_000);
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('fails only that environment, over the per-environment limit, and still reports the others', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });

    const error = renderError(plan, 'staging');
    expect(error?.side).toBe('head');
    expect(error?.message).toContain('staging renders 60,001 objects, over the limit of 20,000 per environment (BOSUN_MAX_OBJECTS)');
    expect(env(plan, 'staging').changes).toEqual([]);

    const production = env(plan, 'production');
    expect(production.render).toEqual({ objects: 1, baseObjects: 1 });
    expect(production.changes.map((c) => `${c.action} ${c.name}`)).toEqual(['update app']);
    // Each environment's check run: the flooded one fails, the other is judged on its own changes.
    expect([conclusionOf(env(plan, 'staging')), conclusionOf(production)]).toEqual(['failure', 'success']);

    const markdown = renderMarkdown(plan).join('\n');
    expect(markdown).toContain('over the limit of 20,000 per environment (BOSUN_MAX_OBJECTS)');
    expect(markdown).toMatch(/### production[\s\S]*ConfigMap default\/app/);
    const json = JSON.parse(renderJson(plan)) as PlanResult;
    expect(json.environments.map((e) => [e.name, 'error' in e.render ? 'failed' : 'rendered'])).toEqual([['production', 'rendered'], ['staging', 'failed']]);
  }, 240_000);

  it('with the limits raised, gives a markdown and a JSON report of every change instead of crashing', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', limits: { perEnvironment: 100_000, perPlan: 200_000 } });
    expect(env(plan, 'staging').render).toEqual({ objects: 60_001, baseObjects: 1 });
    expect(env(plan, 'staging').changes).toHaveLength(60_000);

    // A comment-sized report: what does not fit is counted, not dropped, and nothing throws.
    const comment = renderMarkdown(plan, { maxParts: 1 });
    expect(comment).toHaveLength(1);
    expect(comment[0].length).toBeLessThanOrEqual(65_536);
    expect(comment[0]).toContain('**+60000 ~0 −0**');
    expect(comment[0]).toMatch(/Output truncated after 1 part: \d+ changes/);

    const parts = renderMarkdown(plan);
    expect(parts.length).toBeGreaterThan(100);
    expect(parts.join('\n')).toContain('ConfigMap default/flood-59999');

    const json = JSON.parse(renderJson(plan)) as PlanResult;
    expect(json.environments.find((e) => e.name === 'staging')?.changes).toHaveLength(60_000);
  }, 240_000);
});

describe('the per-plan object limit', () => {
  let repo: GitRepoBuilder;

  beforeAll(async () => {
    repo = await makeGitRepo();
    for (const name of ['a-dev', 'b-staging', 'c-production', 'd-small']) {
      await repo.write(`clusters/${name}/objects.yaml`, manyConfigMaps(name === 'd-small' ? 1 : 5, 'base'));
    }
    await repo.commit('base');
    for (const name of ['a-dev', 'b-staging', 'c-production', 'd-small']) {
      await repo.write(`clusters/${name}/objects.yaml`, manyConfigMaps(name === 'd-small' ? 2 : 10, 'head'));
    }
    await repo.commit('head');
  });
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('refuses, in name order and the same on every run, the environments that do not fit; a later smaller one still does', async () => {
    // Each of the first three holds 5 + 10 objects (base and head), the last 1 + 2: 15, 30, (45 > 40), 33.
    const limits = { perPlan: 40 };
    const first = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', limits });
    const again = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', limits, concurrency: 1 });
    for (const plan of [first, again]) {
      expect(plan.environments.map((e) => [e.name, 'error' in e.render ? 'failed' : 'rendered'])).toEqual([
        ['a-dev', 'rendered'], ['b-staging', 'rendered'], ['c-production', 'failed'], ['d-small', 'rendered'],
      ]);
      expect(renderError(plan, 'c-production')?.message).toBe(
        'c-production renders 15 objects (base and head) on top of the 30 of the environments before it, which would take this plan '
        + 'over the limit of 40 objects per plan (BOSUN_MAX_PLAN_OBJECTS); plan fewer environments at once, or raise the limit',
      );
      expect(env(plan, 'd-small').changes).toHaveLength(3);
      expect(conclusionOf(env(plan, 'c-production'))).toBe('failure');
    }
    expect(renderMarkdown(first).join('\n')).toContain('over the limit of 40 objects per plan (BOSUN_MAX_PLAN_OBJECTS)');
  });
});

describe('objects nested deeper than any real manifest', () => {
  let repo: GitRepoBuilder;
  const flowNested = (depth: number): string => `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
  const deepObject = (depth: number): string =>
    `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: deep, namespace: default}\nspec: ${flowNested(depth)}\n`;

  beforeAll(async () => {
    repo = await makeGitRepo();
    for (const name of ['parser', 'bounded', 'fine']) await repo.write(`clusters/${name}/app.yaml`, configMap('app', 'one'));
    await repo.commit('base');
    // 5,000 levels overflow the YAML parser itself; 300 parse but are over bosun's bound; 150 are fine.
    await repo.write('clusters/parser/deep.yaml', deepObject(5_000));
    await repo.write('clusters/bounded/deep.yaml', deepObject(300));
    await repo.write('clusters/fine/deep.yaml', deepObject(150));
    await repo.commit('deep objects');
  });
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('fail their own environment with a clear error naming the file, never a stack overflow', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });

    const parser = renderError(plan, 'parser');
    expect(parser).toMatchObject({ file: 'clusters/parser/deep.yaml', side: 'head' });
    expect(parser?.message).toMatch(/^a document nests too deeply to be parsed; Kubernetes objects are never nested more than a few dozen levels \(bosun's limit is 200\)/);

    const bounded = renderError(plan, 'bounded');
    expect(bounded).toMatchObject({ file: 'clusters/bounded/deep.yaml', line: 1, field: 'spec.a.a.a.a.a…', side: 'head' });
    expect(bounded?.message).toMatch(/^Widget\.example\.com default\/deep nests more than 200 levels deep \(under spec\.a\.a\.a\.a\.a…\); Kubernetes objects are never this deep/);

    expect(env(plan, 'fine').changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['create Widget deep']);

    const markdown = renderMarkdown(plan).join('\n');
    const json = renderJson(plan);
    for (const text of [markdown, json]) {
      expect(text).not.toMatch(/Maximum call stack|RangeError/);
      expect(text).toContain('nests too deeply to be parsed');
      expect(text).toContain('nests more than 200 levels deep');
    }
  });
});
