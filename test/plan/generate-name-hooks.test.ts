// Argo CD hooks named by the cluster at each run (`metadata.generateName`, no name) through the whole plan,
// with real git, a real plain-directory render and a real `helm template`: what a sync never applies is no
// change, a hook that runs is shown as the hook it is, and two hooks of one prefix are two objects.
// (Not through kustomize: kustomize 5.7 refuses an object without metadata.name, generateName or not —
// kubernetes-sigs/kustomize#641 — so an Argo CD hook with generateName comes from a directory or a chart.)
import { rm } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/model/change.ts';
import type { EnvironmentPlan } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { planJsonSchema, renderJson, renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops';
const validate = new Ajv({ strict: true, allErrors: true }).compile(planJsonSchema);

const application = (name: string, path: string) => [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  `metadata: { name: ${name}, namespace: argocd }`,
  'spec:',
  `  source: { repoURL: ${repoUrl}, path: ${path}, targetRevision: HEAD }`,
  '  destination: { server: "https://kubernetes.default.svc", namespace: shop }',
  '',
].join('\n');

const deployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  selector:',
  '    matchLabels: {app: web}',
  '  template:',
  '    metadata:',
  '      labels: {app: web}',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: registry.example.com/web:1.0',
  '',
].join('\n');

/** A Job named by the cluster: `generateName`, the hook annotation, one command. */
const hookJob = (generateName: string, hook: string, command: string) => [
  'apiVersion: batch/v1',
  'kind: Job',
  'metadata:',
  `  generateName: ${generateName}`,
  '  annotations:',
  `    argocd.argoproj.io/hook: ${hook}`,
  'spec:',
  '  template:',
  '    spec:',
  '      restartPolicy: Never',
  '      containers:',
  '        - name: run',
  '          image: alpine:3.20',
  `          command: [sh, -c, "${command}"]`,
  '',
].join('\n');

const hooks = (...docs: string[]) => docs.join('---\n');

// A chart whose hooks are Helm's, both Jobs named `db-<random>`: a pre-upgrade migration (Argo CD runs it
// PreSync) and a pre-rollback one (a Helm hook Argo CD never runs). `helm template` renders both.
const helmHookJob = (hook: string, command: string) => [
  'apiVersion: batch/v1',
  'kind: Job',
  'metadata:',
  '  generateName: db-',
  '  annotations:',
  `    helm.sh/hook: ${hook}`,
  'spec:',
  '  template:',
  '    spec:',
  '      restartPolicy: Never',
  '      containers:',
  '        - name: db',
  '          image: {{ .Values.image }}',
  `          command: [migrate, "${command}"]`,
  '',
].join('\n');
const chartFiles = (upgrade: string, rollback: string): Record<string, string> => ({
  'apps/chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
  'apps/chart/values.yaml': 'image: registry.example.com/shop:1.0\n',
  'apps/chart/templates/deployment.yaml': deployment.replace('web', '{{ .Release.Name }}').replace('registry.example.com/web:1.0', '{{ .Values.image }}'),
  'apps/chart/templates/upgrade.yaml': helmHookJob('pre-install,pre-upgrade', upgrade),
  'apps/chart/templates/rollback.yaml': helmHookJob('pre-rollback', rollback),
});

let repo: GitRepoBuilder;
const commits: Record<string, string> = {};

beforeAll(async () => {
  repo = await makeGitRepo();
  const write = async (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) await repo.write(path, text);
  };
  await write({
    'argocd/shop.yaml': application('shop', 'apps/shop'),
    'argocd/shop-chart.yaml': application('shop-chart', 'apps/chart'),
    'apps/shop/deployment.yaml': deployment,
    ...chartFiles('up', 'down'),
  });
  commits.initial = await repo.commit('web, and the chart with its hooks');
  await write({ 'apps/shop/hooks.yaml': hooks(hookJob('migrate-', 'PreSync', 'migrate up'), hookJob('smoke-', 'Skip', 'curl web')) });
  commits.hooks = await repo.commit('a PreSync migration and a skipped smoke test, both named at each run');
  await write({ 'apps/shop/hooks.yaml': hooks(hookJob('migrate-', 'PreSync', 'migrate up'), hookJob('smoke-', 'Skip', 'curl web/healthz')) });
  await write(chartFiles('up', 'down --to 1'));
  commits.skipped = await repo.commit('only the hooks a sync never applies change');
  await write({ 'apps/shop/hooks.yaml': hooks(hookJob('migrate-', 'PreSync', 'migrate up'), hookJob('smoke-', 'Skip', 'curl web/healthz'), hookJob('migrate-', 'PreSync', 'seed data')) });
  commits.second = await repo.commit('a second PreSync hook with the same prefix');
  await write({ 'apps/shop/hooks.yaml': hooks(hookJob('migrate-', 'PreSync', 'migrate up'), hookJob('smoke-', 'Skip', 'curl web/healthz'), hookJob('migrate-', 'PreSync', 'seed more data')) });
  await write(chartFiles('up --all', 'down --to 1'));
  commits.secondEdited = await repo.commit('the second PreSync hook changes; the chart\'s migration too');
}, 60_000);
afterAll(async () => {
  if (repo) await rm(repo.dir, { recursive: true, force: true });
});

interface Planned { envs: Record<string, EnvironmentPlan>; markdown: string }

async function plan(base: string, head: string): Promise<Planned> {
  const result = await planChange({ repoDir: repo.dir, base, head, repoUrls: [repoUrl] });
  const json = JSON.parse(renderJson(result)) as unknown;
  expect(validate(json) ? [] : validate.errors).toEqual([]);
  const envs = Object.fromEntries(result.environments.map((e) => [e.name, e]));
  for (const env of Object.values(envs)) if (!(env.render && 'skipped' in env.render)) expect(env.render, env.name).toMatchObject({ objects: expect.any(Number) });
  return { envs, markdown: renderMarkdown(result, { maxPartChars: 1_000_000 })[0] };
}

const summary = (changes: readonly Change[]) => changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`);

describe('Argo CD hooks with generateName in a plan', () => {
  it('leaves a skipped generateName hook out of the changes and shows the PreSync one beside it as the hook it is', async () => {
    const { envs, markdown } = await plan(commits.initial, commits.hooks);
    const shop = envs.shop;
    // The smoke test is never applied; the migration is — and is not taken for the skipped one.
    expect(summary(shop.changes)).toEqual(['create Job shop/migrate-*']);
    expect(shop.changes[0]).toMatchObject({ file: 'apps/shop/hooks.yaml', line: 1 });
    expect(shop.changes[0].diff).toContain('+  generateName: migrate-');
    expect(shop.changes[0].diff).toContain('migrate up');
    expect(shop.changes[0].diff).not.toContain('curl web');
    expect(shop.sync?.hooks).toEqual([expect.objectContaining({ phase: 'PreSync', kind: 'Job', namespace: 'shop', name: 'migrate-*', generateName: true, file: 'apps/shop/hooks.yaml', line: 1 })]);
    expect(shop.sync?.skipped).toEqual([expect.objectContaining({ kind: 'Job', name: 'smoke-*', reason: expect.stringContaining('argocd.argoproj.io/hook: Skip') })]);
    // Valid: a hook is named at each run, a skipped one is never sent to the cluster.
    expect(shop.validation?.errors).toEqual([]);
    // The report: the hook in the Sync section with its phase, the skipped one with why.
    expect(markdown).toContain('- runs before sync: Job `shop/migrate-*` (`argocd.argoproj.io/hook: PreSync`; replaced at the next sync) · from `apps/shop/hooks.yaml:1`');
    expect(markdown).toMatch(/- not applied: Job `(shop\/)?smoke-\*`: annotated argocd\.argoproj\.io\/hook: Skip: Argo CD never applies it/);
  });

  it('shows no change when only hooks a sync never applies change (hook: Skip, a Helm hook Argo CD does not run)', async () => {
    const { envs } = await plan(commits.hooks, commits.skipped);
    expect(summary(envs.shop.changes)).toEqual([]);
    expect(summary(envs['shop-chart'].changes)).toEqual([]);
    expect(envs['shop-chart'].sync?.skipped).toEqual([expect.objectContaining({ kind: 'Job', name: 'db-*', reason: expect.stringContaining('helm.sh/hook: pre-rollback') })]);
    expect(envs['shop-chart'].sync?.hooks).toEqual([expect.objectContaining({ phase: 'PreSync', name: 'db-*', declaredBy: 'helm.sh/hook: pre-install,pre-upgrade' })]);
  });

  it('keeps two generateName hooks with the same prefix apart: one added is one creation, one edited is one update', async () => {
    const added = await plan(commits.skipped, commits.second);
    expect(summary(added.envs.shop.changes)).toEqual(['create Job shop/migrate-*']);
    expect(added.envs.shop.changes[0].diff).toContain('seed data');
    expect(added.envs.shop.changes[0].diff).not.toContain('migrate up');
    expect(added.envs.shop.sync?.hooks.map((h) => `${h.phase} ${h.name} ${h.file}:${h.line}`)).toEqual([
      'PreSync migrate-* apps/shop/hooks.yaml:1', 'PreSync migrate-* apps/shop/hooks.yaml:31',
    ]);

    const edited = await plan(commits.second, commits.secondEdited);
    expect(summary(edited.envs.shop.changes)).toEqual(['update Job shop/migrate-*']);
    const diff = edited.envs.shop.changes[0].diff;
    expect(diff).toMatch(/^-\s+- seed data$/m);
    expect(diff).toMatch(/^\+\s+- seed more data$/m);
    expect(diff).not.toMatch(/^[-+].*migrate up/m);
    // The chart's pre-upgrade Job changed; the pre-rollback one of the same prefix did not come into it.
    expect(summary(edited.envs['shop-chart'].changes)).toEqual(['update Job shop/db-*']);
    expect(edited.envs['shop-chart'].changes[0].diff).toMatch(/^\+\s+- up --all$/m);
    expect(edited.envs['shop-chart'].changes[0].diff).not.toMatch(/^[-+].*down/m);
  });
});
