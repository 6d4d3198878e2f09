// Rancher Fleet bundles whose fleet.yaml names a chart by path (issue #13), as Fleet builds them: a bundle
// holds the files of its own folder only (rancher/fleet internal/bundlereader/resources.go `addRemoteCharts`
// loads no chart that is on disk), and the agent takes it for a chart when `filepath.Join(helm.chart,
// "Chart.yaml")`, leading `/` trimmed, names one of those files (internal/bundlereader/style.go). So a
// `helm.chart: ../../charts/web` is never rendered: the clusters get the folder's own files (rancher/fleet#270,
// #4693), and bosun says so instead of previewing a chart Fleet does not deploy. And the valuesFiles rule of
// rancher/fleet#2060: a bundle's own helm.valuesFiles are read only when helm.chart is set, a target
// customization's always. Real git repositories, real helm, `bosun plan` as CI runs it.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { collectInputs, discoverEnvironments } from '../../src/discover/index.ts';
import { planChange } from '../../src/plan/plan.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { runCli } from '../cli/run-cli.ts';
import { makeTree } from './temp-tree.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const clusters = { clusters: [{ name: 'dev', labels: { env: 'dev' } }], groups: [] };
const chartAt = (dir: string) => ({
  [`${dir}/Chart.yaml`]: 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  [`${dir}/values.yaml`]: 'greeting: default\nreplicas: 1\n',
  [`${dir}/templates/cm.yaml`]: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  replicas: {{ .Values.replicas | quote }}\n',
});

async function objectsOf(root: string, name: string): Promise<unknown[]> {
  const env = (await discoverEnvironments(root, { clusters })).environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name}`);
  const out = await renderEnvironment(root, env);
  if (!out.ok) throw new Error(out.error.message);
  return out.objects.map((o) => ({ name: o.object.metadata?.name, data: o.object.data }));
}

describe('Fleet helm.chart naming a chart folder outside the bundle folder', () => {
  it('deploys the folder\'s own files, not the chart, and says so: a pull request that changes only the chart is one bosun cannot judge', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    const files: Record<string, string> = {
      ...chartAt('charts/web'),
      // One chart, bundles with different values: the layout of rancher/fleet#270 and #4693.
      'envs/prod/fleet.yaml': 'defaultNamespace: shop\nhelm:\n  releaseName: web\n  chart: ../../charts/web\n  values:\n    greeting: prod\n',
      'envs/prod/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\ndata: {from: folder}\n',
      'envs/dev/fleet.yaml': 'defaultNamespace: shop\nhelm:\n  releaseName: web\n  chart: ../../charts/web\n  valuesFiles: [values.yaml]\n',
      'envs/dev/values.yaml': 'greeting: dev\n',
    };
    for (const [path, content] of Object.entries(files)) await repo.write(path, content);
    await repo.commit('base');
    const base = await repo.revParse();

    // What the clusters get: the prod folder's own ConfigMap; nothing at all from the dev folder (its only
    // other file is a values file, which Fleet leaves out: `fleet apply` makes no bundle of it).
    expect(await objectsOf(repo.dir, 'envs/prod@dev')).toEqual([{ name: 'extra', data: { from: 'folder' } }]);
    expect(await objectsOf(repo.dir, 'envs/dev@dev')).toEqual([]);

    const { environments, notes } = await discoverEnvironments(repo.dir, { clusters });
    const prodNote = notes.find((n) => n.kind === 'Bundle' && n.name === 'envs/prod' && n.reason.includes('outside the bundle folder'));
    expect(prodNote).toMatchObject({ status: 'info', file: 'envs/prod/fleet.yaml', line: 4, environments: ['envs/prod@dev'] });
    expect(prodNote?.reason).toContain('helm.chart "../../charts/web" is outside the bundle folder envs/prod');
    expect(prodNote?.reason).toContain('rancher/fleet#270, #4693');
    const chartNotes = notes.filter((n) => n.kind === 'Chart');
    expect(chartNotes.map((n) => [n.status, n.name, n.file, n.reads])).toEqual([
      ['not-an-environment', 'charts/web', 'envs/dev/fleet.yaml', ['charts/web']],
      ['not-an-environment', 'charts/web', 'envs/prod/fleet.yaml', ['charts/web']],
    ]);
    // The chart is not what the bundle reads.
    const inputs = await collectInputs(repo.dir, environments.find((e) => e.name === 'envs/prod@dev')!);
    expect(inputs.files.filter((f) => f.startsWith('charts/'))).toEqual([]);
    expect(inputs.dirs).toEqual(['envs/prod']);

    // A pull request that changes only the chart's template: Fleet deploys nothing new, and bosun neither
    // invents the chart's diff nor calls it a silent green — the file is one bosun cannot judge, with why.
    await repo.write('charts/web/templates/cm.yaml', files['charts/web/templates/cm.yaml'].replace('greeting:', 'hello:'));
    const head = await repo.commit('template');
    const plan = await planChange({ repoDir: repo.dir, base, head, clusters });
    expect(plan.environments.flatMap((e) => e.changes)).toEqual([]);
    const uncovered = plan.coverage?.uncovered.find((u) => u.file === 'charts/web/templates/cm.yaml');
    expect(uncovered).toMatchObject({ changed: true, reason: expect.stringContaining('named by helm.chart of Fleet bundle envs/') });

    const registry = `${await makeTree({ 'clusters.yaml': 'clusters:\n  dev:\n    labels: {env: dev}\n' })}/clusters.yaml`;
    const run = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json', '--clusters', registry]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('charts/web/templates/cm.yaml');
  }, 120_000);

  it('deploys the folder\'s own files for a kustomize.dir reached by .., with a note at the field', async () => {
    const root = await makeTree({
      'base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-base}\n',
      'envs/prod/fleet.yaml': 'defaultNamespace: shop\nkustomize:\n  dir: ../../base\n',
      'envs/prod/own.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: own}\n',
    });
    expect(await objectsOf(root, 'envs/prod@dev')).toEqual([{ name: 'own', data: undefined }]);
    const { notes } = await discoverEnvironments(root, { clusters });
    expect(notes.find((n) => n.reason.includes('outside the bundle folder'))).toMatchObject({ status: 'info', file: 'envs/prod/fleet.yaml', line: 3, reason: expect.stringContaining('kustomize.dir "../../base" is outside the bundle folder envs/prod') });
  });

  it('fails a bundle whose kustomization reads a base outside the bundle folder, as Fleet\'s agent builds it from the bundle\'s files only', async () => {
    const root = await makeTree({
      'base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-base}\n',
      'envs/prod/fleet.yaml': 'defaultNamespace: shop\n',
      'envs/prod/kustomization.yaml': 'resources: [../../base]\n',
      // Inside the bundle, a base above the overlay is in Fleet's bundle: built as usual.
      'envs/dev/fleet.yaml': 'defaultNamespace: shop\nkustomize:\n  dir: overlays/dev\n',
      'envs/dev/overlays/dev/kustomization.yaml': 'resources: [../../base]\nnamePrefix: dev-\n',
      'envs/dev/base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'envs/dev/base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
    });
    const envs = (await discoverEnvironments(root, { clusters })).environments;
    const prod = await renderEnvironment(root, envs.find((e) => e.name === 'envs/prod@dev')!);
    expect(!prod.ok && prod.error).toMatchObject({ file: 'envs/prod/fleet.yaml', message: expect.stringContaining('the kustomization in envs/prod reads from base, outside the bundle folder envs/prod: Fleet\'s agent builds it from the bundle\'s own files only') });
    expect(await objectsOf(root, 'envs/dev@dev')).toEqual([{ name: 'dev-web', data: undefined }]);
  });

  it('takes helm.chart "/chart" for the bundle\'s own chart/ folder, as Fleet trims the leading slash', async () => {
    const root = await makeTree({
      ...chartAt('apps/web/chart'),
      'apps/web/fleet.yaml': 'defaultNamespace: shop\nhelm:\n  releaseName: web\n  chart: /chart\n  values: {greeting: slash}\n',
    });
    expect(await objectsOf(root, 'apps/web@dev')).toEqual([{ name: 'web', data: { greeting: 'slash', replicas: '1' } }]);
    const { notes } = await discoverEnvironments(root, { clusters });
    expect(notes.filter((n) => n.reason.includes('outside the bundle folder'))).toEqual([]);
  });
});

describe('Fleet helm.valuesFiles without helm.chart (rancher/fleet#2060)', () => {
  const bundle = (helm: string, rest = '') => ({
    ...chartAt('apps/web'),
    'apps/web/fleet.yaml': `defaultNamespace: shop\nhelm:\n  releaseName: web\n${helm}${rest}`,
    'apps/web/prod.yaml': 'greeting: prod\n',
    'apps/web/dev.yaml': 'replicas: 3\n',
  });

  it('ignores the bundle\'s own valuesFiles when helm.chart is not set, with a note at the field; reads them once it is', async () => {
    const ignored = await makeTree(bundle('  valuesFiles: [prod.yaml]\n'));
    expect(await objectsOf(ignored, 'apps/web@dev')).toEqual([{ name: 'web', data: { greeting: 'default', replicas: '1' } }]);
    const { notes } = await discoverEnvironments(ignored, { clusters });
    const note = notes.find((n) => n.reason.includes('ignored by Fleet'));
    expect(note).toMatchObject({ status: 'info', kind: 'Bundle', file: 'apps/web/fleet.yaml', line: 4, environments: ['apps/web@dev'] });
    expect(note?.reason).toContain('helm.valuesFiles (prod.yaml) ignored by Fleet: helm.chart is not set (rancher/fleet#2060');

    const read = await makeTree(bundle('  chart: ./\n  valuesFiles: [prod.yaml]\n'));
    expect(await objectsOf(read, 'apps/web@dev')).toEqual([{ name: 'web', data: { greeting: 'prod', replicas: '1' } }]);
    expect((await discoverEnvironments(read, { clusters })).notes.filter((n) => n.reason.includes('ignored by Fleet'))).toEqual([]);
  });

  it('reads a target customization\'s valuesFiles whatever helm.chart says, beside the ignored top-level ones', async () => {
    const root = await makeTree(bundle('  valuesFiles: [prod.yaml]\n', 'targetCustomizations:\n  - name: dev\n    clusterName: dev\n    helm:\n      valuesFiles: [dev.yaml]\n'));
    expect(await objectsOf(root, 'apps/web@dev')).toEqual([{ name: 'web', data: { greeting: 'default', replicas: '3' } }]);
  });
});
