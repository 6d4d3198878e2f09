// Rancher Fleet bundles that read values from outside their folder (issue #13): `helm.valuesFiles` with
// `..` (Fleet joins the entry to the bundle folder: rancher/fleet internal/bundlereader/resources.go
// generateValues), an absolute entry (bundle-relative in Fleet, never the worker's file system), entries
// that leave the repository (refused at their fleet.yaml line and field), and `helm.valuesFrom` (read by
// Fleet in the downstream cluster: previewed without, never a silent green). Real git repositories and
// real helm through `bosun plan` and planChange.
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
const chart = {
  'apps/web/chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'apps/web/chart/values.yaml': 'greeting: default\nreplicas: 1\n',
  'apps/web/chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  replicas: {{ .Values.replicas | quote }}\n',
};
const fleetYaml = (helm: string) => `defaultNamespace: shop\nhelm:\n  releaseName: web\n  chart: ./chart\n${helm}`;

async function repoWith(files: Record<string, string>): Promise<GitRepoBuilder> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  await repo.commit('base');
  return repo;
}

/** The cluster registry an operator gives `bosun plan --clusters`: one cluster, labels only (planned for, never connected to). */
async function clustersFile(): Promise<string> {
  return `${await makeTree({ 'clusters.yaml': 'clusters:\n  dev:\n    labels: {env: dev}\n' })}/clusters.yaml`;
}

describe('Fleet helm.valuesFiles outside the bundle folder', () => {
  it('makes ../shared/values.yaml an input of the bundle: a pull request that changes only it is planned with the change', async () => {
    const repo = await repoWith({
      ...chart,
      'apps/web/fleet.yaml': fleetYaml('  valuesFiles:\n    - ../../shared/values.yaml\n'),
      'shared/values.yaml': 'greeting: hi\n',
      'shared/unrelated.yaml': 'not: read\n',
    });
    const base = await repo.revParse();
    // Two pull requests on the same base: one changes a file beside the values file, one only the values file.
    await repo.write('shared/unrelated.yaml', 'not: read, still\n');
    const unrelated = await repo.commit('unrelated');
    await repo.git('checkout', '-q', '-b', 'greeting', base);
    await repo.write('shared/values.yaml', 'greeting: hello\n');
    const head = await repo.commit('greeting');

    const { environments } = await discoverEnvironments(repo.dir, { clusters });
    const env = environments.find((e) => e.name === 'apps/web@dev')!;
    const inputs = await collectInputs(repo.dir, env);
    expect(inputs.files).toContain('shared/values.yaml');
    expect(inputs.files).not.toContain('shared/unrelated.yaml');
    expect(inputs.dirs).toEqual(['apps/web']);

    const plan = await planChange({ repoDir: repo.dir, base, head, clusters });
    const web = plan.environments.find((e) => e.name === 'apps/web@dev')!;
    expect(web.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap web']);
    expect(web.changes[0].diff).toMatch(/-\s+greeting: "?hi"?/);
    expect(web.changes[0].diff).toMatch(/\+\s+greeting: "?hello"?/);
    expect(plan.coverage?.uncovered.map((u) => u.file) ?? []).not.toContain('shared/values.yaml');

    // The CLI as CI runs it, input index on: the first pull request stores the base's index, the second is a
    // new head planned from it (only what the changed file reaches at base is written out and walked).
    const file = await clustersFile();
    const plans = async (to: string) => {
      const run = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', to, '--format', 'json', '--clusters', file]);
      expect(run.code, run.stderr).toBe(0);
      const json = JSON.parse(run.stdout) as { environments: Array<{ name: string; changes: Array<{ action: string; name: string }> }> };
      return json.environments.find((e) => e.name === 'apps/web@dev')?.changes.map((c) => `${c.action} ${c.name}`);
    };
    expect(await plans(unrelated)).toEqual([]);
    expect(await plans(head)).toEqual(['update web']);
  }, 120_000);

  it('reads a values file a target customization names outside the folder for that cluster only, and counts it as an input', async () => {
    const root = await makeTree({
      ...chart,
      'apps/web/fleet.yaml': `${fleetYaml('')}targetCustomizations:\n  - name: dev\n    clusterName: dev\n    helm:\n      valuesFiles: [../../envs/dev.yaml]\n`,
      'envs/dev.yaml': 'replicas: 3\n',
    });
    const two = { clusters: [...clusters.clusters, { name: 'prod', labels: { env: 'prod' } }], groups: [] };
    const { environments } = await discoverEnvironments(root, { clusters: two });
    const objects = async (name: string) => {
      const out = await renderEnvironment(root, environments.find((e) => e.name === name)!);
      if (!out.ok) throw new Error(out.error.message);
      return out.objects.map((o) => o.object.data);
    };
    expect(await objects('apps/web@dev')).toEqual([{ greeting: 'default', replicas: '3' }]);
    expect(await objects('apps/web@prod')).toEqual([{ greeting: 'default', replicas: '1' }]);
    expect((await collectInputs(root, environments.find((e) => e.name === 'apps/web@dev')!)).files).toContain('envs/dev.yaml');
  });

  it('reads an absolute entry inside the bundle folder, as Fleet joins it to the folder, never from the machine', async () => {
    const root = await makeTree({
      ...chart,
      'apps/web/fleet.yaml': fleetYaml('  valuesFiles: [/overrides/prod.yaml]\n'),
      'apps/web/overrides/prod.yaml': 'greeting: from-the-bundle\n',
    });
    const { environments } = await discoverEnvironments(root, { clusters });
    const env = environments.find((e) => e.name === 'apps/web@dev')!;
    const out = await renderEnvironment(root, env);
    expect(out.ok && out.objects.map((o) => o.object.data)).toEqual([{ greeting: 'from-the-bundle', replicas: '1' }]);
    expect((await collectInputs(root, env)).dirs).toEqual(['apps/web']);

    const etc = await makeTree({ ...chart, 'apps/web/fleet.yaml': fleetYaml('  valuesFiles: [/etc/hostname]\n') });
    const missing = (await discoverEnvironments(etc, { clusters })).environments.find((e) => e.name === 'apps/web@dev')!;
    const failed = await renderEnvironment(etc, missing);
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toMatchObject({ file: 'apps/web/fleet.yaml', line: 5, field: 'helm.valuesFiles[0]', message: expect.stringContaining('values file "/etc/hostname" (apps/web/etc/hostname) cannot be read (ENOENT)') });
  });

  it('refuses an entry that leaves the repository, by .. or by a symlink, at its fleet.yaml line and field', async () => {
    const outside = await makeTree({ 'secret.yaml': 'greeting: stolen-canary\n' });
    const climbing = await makeTree({ ...chart, 'apps/web/fleet.yaml': fleetYaml('  valuesFiles:\n    - ../../../../../../../../etc/passwd\n') });
    const linked = await makeTree({
      ...chart,
      'apps/web/fleet.yaml': `${fleetYaml('')}targetCustomizations:\n  - clusterName: dev\n    helm:\n      valuesFiles: [prod.yaml]\n`,
      'apps/web/prod.yaml': { symlink: `${outside}/secret.yaml` },
    });
    // Input collection refuses them too, at the same fleet.yaml line and field.
    for (const [root, line, field, message, inputs] of [
      [climbing, 6, 'helm.valuesFiles[0]', 'values file "../../../../../../../../etc/passwd" leaves the repository', { file: 'apps/web/fleet.yaml', line: 6, field: 'helm.valuesFiles[0]' }],
      [linked, 8, 'targetCustomizations[0].helm.valuesFiles[0]', 'values file "prod.yaml" (apps/web/prod.yaml) is a symlink that points outside the repository', { file: 'apps/web/fleet.yaml', line: 8, field: 'targetCustomizations[0].helm.valuesFiles[0]' }],
    ] as const) {
      const env = (await discoverEnvironments(root, { clusters })).environments.find((e) => e.name === 'apps/web@dev')!;
      const out = await renderEnvironment(root, env);
      expect(!out.ok && out.error).toMatchObject({ file: 'apps/web/fleet.yaml', line, field, message: expect.stringContaining(message) });
      expect(JSON.stringify(out)).not.toContain('stolen-canary');
      await expect(collectInputs(root, env)).rejects.toMatchObject({ kind: 'path', ...inputs });
    }
  });
});

describe('Fleet helm.valuesFrom', () => {
  it('previews the bundle without the cluster\'s values and says so: a change to the bundle is not a silent green', async () => {
    const repo = await repoWith({
      ...chart,
      'apps/web/fleet.yaml': fleetYaml('  valuesFrom:\n    - configMapKeyRef: {name: web-values, key: extra.yaml}\n      secretKeyRef: {name: web-secret, namespace: vault}\n'),
    });
    const base = await repo.revParse();
    await repo.write('apps/web/chart/values.yaml', 'greeting: changed\nreplicas: 1\n');
    const head = await repo.commit('greeting');
    const file = await clustersFile();
    const run = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json', '--clusters', file]);
    // Previewed (the diff is there) and not judged in full: exit 3, the changed file named with the ConfigMap.
    expect(run.code, run.stderr).toBe(3);
    const json = JSON.parse(run.stdout) as { environments: Array<{ name: string; changes: Array<{ action: string; name: string }> }>; discovery: Array<{ status: string; reason: string; environments?: string[]; changed?: string[] }> };
    expect(json.environments.find((e) => e.name === 'apps/web@dev')?.changes.map((c) => `${c.action} ${c.name}`)).toEqual(['update web']);
    const notes = json.discovery.filter((n) => n.reason.includes('helm.valuesFrom'));
    expect(notes.map((n) => [n.status, n.reason, n.changed])).toEqual([
      ['not-previewed', 'values from ConfigMap shop/web-values key extra.yaml are read by Fleet in the cluster; bosun previews without them (helm.valuesFrom)', ['apps/web/chart/values.yaml']],
      ['not-previewed', 'values from Secret vault/web-secret key values.yaml are read by Fleet in the cluster; bosun previews without them (helm.valuesFrom)', ['apps/web/chart/values.yaml']],
    ]);
    expect(run.stderr).toContain('cannot judge 1 changed file(s): apps/web/chart/values.yaml');
  }, 120_000);
});

describe('a fleet.yaml that is a symlink out of the repository', () => {
  it('under a GitRepo\'s paths: the bundle is not an environment, said in a note; discovery goes on and reads nothing outside', async () => {
    const outside = await makeTree({ 'fleet.yaml': 'defaultNamespace: stolen-canary\n' });
    const root = await makeTree({
      'fleet/gitrepo.yaml': 'apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata: {name: apps, namespace: fleet-local}\nspec:\n  repo: https://github.com/acme/apps\n  branch: main\n  paths: [fleet/web, fleet/db]\n',
      'fleet/web/fleet.yaml': { symlink: `${outside}/fleet.yaml` },
      'fleet/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
      'fleet/db/fleet.yaml': 'defaultNamespace: db\n',
      'fleet/db/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db}\n',
    });
    const { environments, notes } = await discoverEnvironments(root, { clusters, repoUrls: ['https://github.com/acme/apps'], branch: 'main' });
    expect(environments.map((e) => e.name)).toEqual(['apps-fleet-db@dev']);
    expect(notes.find((n) => n.status === 'not-an-environment')).toMatchObject({ kind: 'Bundle', file: 'fleet/web/fleet.yaml', reads: ['fleet/web'], reason: expect.stringContaining('fleet/web/fleet.yaml is a symlink that points outside the repository') });
    expect(JSON.stringify({ environments, notes })).not.toContain('stolen-canary');
  });
});
