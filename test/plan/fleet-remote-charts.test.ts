// Fleet bundles whose chart is remote (fleet.yaml `helm.repo` + `helm.chart` + `helm.version`, or
// `helm.chart: oci://…`), through bosun's chart fetcher: planChange on real git repositories against the
// local Helm repository of test/support/chart-repo.ts, with two registered clusters. (An oci:// chart
// takes the same path through the fetcher, tested in test/charts; the local registry needs plain HTTP,
// which fleet.yaml cannot ask for.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;
let served: ServedRepo;
const clusters = { clusters: [{ name: 'dev', labels: { env: 'dev' } }, { name: 'prod', labels: { env: 'prod' } }] };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-fleet-charts-data-'));
  served = await serveChartRepo([
    { name: 'podinfo', version: '1.2.0' },
    { name: 'podinfo', version: '1.3.0' },
    {
      name: 'hooked',
      version: '0.1.0',
      templates: { 'migrate.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations: {helm.sh/hook: pre-upgrade}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: "busybox:1.36"}]}}}\n' },
      // Helm 2's crd-install on a crds/ CRD: Helm 3 installs crds/ apart and never reads it as a hook.
      files: { 'crds/widgets.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.acme.io\n  annotations: {helm.sh/hook: crd-install}\nspec:\n  group: acme.io\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n' },
    },
  ]);
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

const fleetYaml = (helm: string) => `defaultNamespace: web
helm:
${helm}  releaseName: web
  values:
    replicaCount: 1
targetCustomizations:
  - name: prod
    clusterSelector: {matchLabels: {env: prod}}
    helm:
      values:
        replicaCount: 3
`;
const repoChart = (url: string, version: string) => fleetYaml(`  repo: ${url}\n  chart: podinfo\n  version: "${version}"\n`);

async function planOf(before: string, after: string, opts: { sources?: string[] } = {}): Promise<PlanResult> {
  const repo = await makeGitRepo();
  repos.push(repo);
  await repo.write('web/fleet.yaml', before);
  await repo.commit('base');
  await repo.write('web/fleet.yaml', after);
  await repo.commit('change');
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters, charts: { sources: opts.sources ?? [], dataDir } });
}

describe('a Fleet bundle whose chart is remote', () => {
  it('renders the chart from the Helm repository the base declares, per cluster with its customization: 1.2.0 → 1.3.0', async () => {
    const plan = await planOf(repoChart(served.url, '1.2.0'), repoChart(served.url, '1.3.0'));
    for (const env of ['web@dev', 'web@prod']) {
      const e = plan.environments.find((x) => x.name === env)!;
      expect(e.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`), env).toEqual(['update Deployment web/web']);
      expect(e.changes[0].diff, env).toContain('-    chart: podinfo-1.2.0\n+    chart: podinfo-1.3.0');
      expect(e.changes[0].file, env).toBe('web/fleet.yaml');
    }
  }, 180_000);

  it('renders each cluster with the values of the customization it matches: a prod-only change moves only web@prod', async () => {
    const plan = await planOf(repoChart(served.url, '1.3.0'), repoChart(served.url, '1.3.0').replace('replicaCount: 3', 'replicaCount: 4'));
    const prod = plan.environments.find((x) => x.name === 'web@prod')!;
    expect(prod.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
    expect(prod.changes[0].diff).toContain('-  replicas: 3\n+  replicas: 4');
    expect(plan.environments.find((x) => x.name === 'web@dev')).toMatchObject({ render: { objects: 1 }, changes: [] });
  }, 180_000);

  it('resolves a semver range in helm.version against the index', async () => {
    const plan = await planOf(repoChart(served.url, '1.2.0'), repoChart(served.url, '~1.2 || ^1.3.0'));
    const dev = plan.environments.find((x) => x.name === 'web@dev')!;
    expect(dev.changes[0]?.diff).toContain('+    chart: podinfo-1.3.0');
  }, 180_000);

  it('is not previewed, saying why, when the pull request introduces the source', async () => {
    const other = served.url.replace('127.0.0.1', 'localhost');
    const plan = await planOf(repoChart(served.url, '1.2.0'), repoChart(other, '1.3.0'));
    const dev = plan.environments.find((x) => x.name === 'web@dev')!;
    expect(dev).toMatchObject({ render: { skipped: true }, changes: [] });
    expect(dev.reason).toContain(`not previewed: chart not fetched: source ${other} is not declared on the base branch`);
    expect(plan.discovery?.find((n) => n.kind === 'Environment' && n.name === 'web@dev')).toMatchObject({ status: 'not-previewed', changed: ['web/fleet.yaml'] });
  }, 180_000);

  it('reads helm.sh/hook on the chart\'s templates, not on its crds/', async () => {
    const chart = (values: string) => `defaultNamespace: web\nhelm:\n  repo: ${served.url}\n  chart: hooked\n  version: 0.1.0\n  releaseName: web\n  values: {${values}}\n`;
    const plan = await planOf(chart('a: 1'), chart('a: 2'));
    const dev = plan.environments.find((x) => x.name === 'web@dev')!;
    expect(dev.sync?.hooks.map((h) => `${h.phase} ${h.kind}/${h.name}`)).toEqual(['PreSync Job/migrate']);
    // Its crds/ CRD is no hook, whatever it is annotated with; on this upgrade of the bundle Helm leaves it alone.
    expect(dev.sync?.skipped.map((s) => `${s.kind}/${s.name}: ${s.reason}`)).toEqual([
      'CustomResourceDefinition/widgets.acme.io: Helm does not upgrade a chart\'s crds/ (the Fleet agent deploys this existing bundle with helm upgrade, which has no CRD step)',
    ]);
  }, 180_000);

  it('is an error at helm.version of fleet.yaml when the repository has no such version', async () => {
    const plan = await planOf(repoChart(served.url, '1.2.0'), repoChart(served.url, '2.0.0'));
    const dev = plan.environments.find((x) => x.name === 'web@dev')!;
    expect(dev.render).toMatchObject({ error: { side: 'head', file: 'web/fleet.yaml', field: 'helm.version', message: `chart not found: chart "podinfo" in ${served.url}: no version matches "2.0.0" (versions there: 1.3.0, 1.2.0)` } });
  }, 180_000);
});
