// What a Fleet helm bundle reads from the cluster or changes about ownership, said in the plan's report:
// helm.valuesFrom (a ConfigMap or Secret in the cluster, not in the preview's values) and helm.takeOwnership.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import { renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const fleetYaml = (greeting: string) => `defaultNamespace: shop
helm:
  releaseName: web
  takeOwnership: true
  values: {greeting: ${greeting}}
  valuesFrom:
    - configMapKeyRef: {name: web-values, key: values.yaml}
    - secretKeyRef: {name: web-secret, namespace: vault, key: values.yaml}
`;

describe('a Fleet helm bundle with valuesFrom and takeOwnership', () => {
  it('says in the report that the values from the cluster are not in the preview, and what takeOwnership changes', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    await repo.write('web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.1.0\n');
    await repo.write('web/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {greeting: {{ .Values.greeting | quote }}}\n');
    await repo.write('web/fleet.yaml', fleetYaml('hi'));
    await repo.commit('base');
    await repo.write('web/fleet.yaml', fleetYaml('hello'));
    await repo.commit('change');
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters: { clusters: [{ name: 'dev', labels: {} }] } });
    expect(plan.environments.find((e) => e.name === 'web@dev')?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap web']);

    const markdown = renderMarkdown(plan, { maxPartChars: 1_000_000 })[0];
    const rows = (status: string) => markdown.split('\n').filter((l) => l.startsWith(`| ${status} | environment \`web@dev\` | \`web/fleet.yaml\` |`)).map((r) => r.split(' | ').at(-1)!.replace(/ \|$/, ''));
    // valuesFrom: previewed without the cluster's values, so listed as not previewed (never a silent green).
    expect(rows('⏸️ not previewed')).toEqual([
      'values from ConfigMap shop/web-values key values.yaml are read by Fleet in the cluster; bosun previews without them (helm.valuesFrom)',
      'values from Secret vault/web-secret key values.yaml are read by Fleet in the cluster; bosun previews without them (helm.valuesFrom)',
    ]);
    expect(rows('ℹ️ note')).toEqual([
      'helm.takeOwnership: Fleet adopts objects that already exist in the cluster without this release\'s Helm ownership annotations (without it, its Helm install fails on them); bosun\'s server-side apply takes such objects over either way, so the preview does not depend on it',
    ]);
  }, 120_000);
});
