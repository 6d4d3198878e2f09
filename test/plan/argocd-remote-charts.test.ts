// Argo CD Applications whose source is a chart from a Helm repository (`repoURL` + `chart` +
// `targetRevision`), single source and multi-source with a `ref: values` source of this repository:
// `bosun plan` (the CLI, for its exit code) on real git repositories against the local Helm repository of
// test/support/chart-repo.ts (real `helm package` + `helm repo index` on loopback), rendered by the real
// helm in the sandbox.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;
let served: ServedRepo;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-argocd-charts-data-'));
  // `apps`: an app-of-apps chart whose templates are an Application of this repository (version 0.2.0 moves it).
  const child = (version: string) => ({ name: 'apps', version, templates: { 'shop.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/acme/gitops.git\n    path: shop/${version}\n    targetRevision: HEAD\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: shop\n` } });
  served = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }, { name: 'podinfo', version: '1.3.0' }, child('0.1.0'), child('0.2.0')]);
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

const single = (url: string, version: string, replicas = 2) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${url}
    chart: podinfo
    targetRevision: "${version}"
    helm:
      valuesObject:
        replicaCount: ${replicas}
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`;

const multi = (url: string, version: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: ${url}
      chart: podinfo
      targetRevision: "${version}"
      helm:
        releaseName: storefront
        valueFiles:
          - $values/values/web.yaml
        parameters:
          - name: image
            value: nginx:1.27
    - repoURL: https://github.com/acme/gitops.git
      targetRevision: HEAD
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`;

interface Run { code: number; plan: PlanResult; stderr: string }

/** `bosun plan --format json` of a two-commit repository: `before` files, then `after` files over them. */
async function plan(before: Record<string, string>, after: Record<string, string>, sources = ''): Promise<Run> {
  const repo = await makeTwoCommitRepo(before, after);
  repos.push(repo);
  const { code, stdout, stderr } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json'], repo.dir, { ...process.env, BOSUN_DATA_DIR: dataDir, BOSUN_CHART_SOURCES: sources });
  return { code, plan: JSON.parse(stdout) as PlanResult, stderr };
}

const web = (r: Run) => r.plan.environments.find((e) => e.name === 'web')!;
const changes = (r: Run) => web(r).changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`);

describe('an Argo CD Application whose source is a Helm repository chart', () => {
  it('renders the fetched chart as Argo CD does (release = app name, destination namespace, valuesObject): 1.2.0 → 1.3.0 shows the object diff', async () => {
    const run = await plan({ 'apps/web.yaml': single(served.url, '1.2.0') }, { 'apps/web.yaml': single(served.url, '1.3.0', 4) });
    expect(web(run)).toMatchObject({ affected: true });
    expect(changes(run)).toEqual(['update Deployment shop/web']);
    const diff = web(run).changes[0].diff ?? '';
    expect(diff).toContain('-    chart: podinfo-1.2.0\n+    chart: podinfo-1.3.0');
    expect(diff).toContain('-  replicas: 2\n+  replicas: 4');
    expect(web(run).changes[0].file).toBe('apps/web.yaml');
    expect(run.code).toBe(0);
  }, 180_000);

  it('resolves a targetRevision range as Argo CD does (the highest matching version)', async () => {
    const run = await plan({ 'apps/web.yaml': single(served.url, '1.2.0') }, { 'apps/web.yaml': single(served.url, '>=1.2.0 <2') });
    expect(web(run).changes[0]?.diff).toContain('+    chart: podinfo-1.3.0');
    const star = await plan({ 'apps/web.yaml': single(served.url, '1.2.0') }, { 'apps/web.yaml': single(served.url, '1.2.*') });
    expect(web(star).changes).toEqual([]);
  }, 180_000);

  it('multi-source: a change to the $values file of this repository affects the Application and shows the diff', async () => {
    const before = { 'apps/web.yaml': multi(served.url, '1.3.0'), 'values/web.yaml': 'replicaCount: 2\nimage: nginx:1.0\n', 'values/other.yaml': 'x: 1\n' };
    const run = await plan(before, { 'values/web.yaml': 'replicaCount: 3\nimage: nginx:2.0\n' });
    expect(web(run)).toMatchObject({ affected: true });
    expect(changes(run)).toEqual(['update Deployment shop/storefront']);
    const diff = web(run).changes[0].diff ?? '';
    expect(diff).toContain('-  replicas: 2\n+  replicas: 3');
    // parameters apply over the value files: the file's image change does not reach the object
    expect(diff).not.toContain('nginx:');
    // a file the Application does not read leaves it unaffected
    const other = await plan(before, { 'values/other.yaml': 'x: 2\n' });
    expect(web(other)).toMatchObject({ affected: false });
  }, 180_000);

  it('is not previewed, saying why and how to allow it, when the pull request introduces the source: exit 3', async () => {
    const other = served.url.replace('127.0.0.1', 'localhost');
    const run = await plan({ 'apps/web.yaml': single(served.url, '1.2.0') }, { 'apps/web.yaml': single(other, '1.3.0') });
    expect(web(run)).toMatchObject({ render: { skipped: true }, changes: [] });
    expect(web(run).reason).toContain(`not previewed: chart not fetched: source ${other} is not declared on the base branch`);
    expect(web(run).reason).toMatch(/BOSUN_CHART_SOURCES|--chart-source/);
    expect(run.plan.discovery?.find((n) => n.kind === 'Environment' && n.name === 'web')).toMatchObject({ status: 'not-previewed', changed: ['apps/web.yaml'] });
    expect(run.code).toBe(3);
    // the operator's allowance lets it be fetched
    const allowed = await plan({ 'apps/web.yaml': single(served.url, '1.2.0') }, { 'apps/web.yaml': single(other, '1.3.0') }, other);
    expect(web(allowed).changes[0]?.diff).toContain('+    chart: podinfo-1.3.0');
  }, 180_000);

  it('is not previewed when the Helm repository cannot be reached: exit 3', async () => {
    const stopped = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }]);
    const url = stopped.url;
    await stopped.close();
    const run = await plan({ 'apps/web.yaml': single(url, '1.2.0') }, { 'apps/web.yaml': single(url, '1.2.0', 3) });
    expect(web(run)).toMatchObject({ affected: true, render: { skipped: true }, reason: `not previewed: chart not fetched: GET ${url}/index.yaml: ECONNREFUSED` });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('apps/web.yaml');
  }, 180_000);

  it('is an error at spec.source.targetRevision (file and line) when the repository has no such version: exit 1', async () => {
    const run = await plan({ 'apps/web.yaml': single(served.url, '1.2.0') }, { 'apps/web.yaml': single(served.url, '9.9.9') });
    expect(web(run).render).toEqual({
      error: {
        kind: 'render',
        tool: 'helm',
        side: 'head',
        file: 'apps/web.yaml',
        line: 11,
        field: 'spec.source.targetRevision',
        message: `chart not found: chart "podinfo" in ${served.url}: no version matches "9.9.9" (versions there: 1.3.0, 1.2.0)`,
      },
    });
    expect(run.code).toBe(1);
  }, 180_000);

  it('is an error at spec.source.targetRevision when the pull request drops targetRevision: exit 1', async () => {
    const run = await plan({ 'apps/web.yaml': single(served.url, '1.2.0') }, { 'apps/web.yaml': single(served.url, '1.2.0').replace(/^ {4}targetRevision: .*\n/m, '') });
    expect(web(run).render).toMatchObject({ error: { side: 'head', file: 'apps/web.yaml', field: 'spec.source.targetRevision', message: expect.stringContaining('targetRevision is not set') } });
    expect(run.code).toBe(1);
  }, 180_000);
});

describe('an app of apps through a fetched chart', () => {
  const root = (url: string, version: string) => single(url, version).replace('chart: podinfo', 'chart: apps').replace(/ {4}helm:\n {6}valuesObject:\n {8}replicaCount: \d+\n/, '');

  it('an Application the chart renders whose folder is not in this repository is not expanded: a not-previewed note naming the chart, the parent and why, and a version bump is one bosun cannot judge (exit code 3), never a silent green', async () => {
    const run = await plan({ 'apps/web.yaml': root(served.url, '0.1.0') }, { 'apps/web.yaml': root(served.url, '0.2.0') });
    // The child Application object itself is in the parent's changes...
    expect(changes(run)).toEqual(['update Application argocd/shop']);
    // ...what it deploys is not previewed, said out loud, once (argocd-chart-app-of-apps.test.ts: children of this repository are environments).
    const notes = (run.plan.discovery ?? []).filter((n) => n.kind === 'Application' && n.name === 'shop');
    expect(notes).toEqual([expect.objectContaining({
      status: 'not-previewed',
      file: 'apps/web.yaml',
      environments: ['web'],
      reads: ['apps/web.yaml', 'shop/0.2.0'],
      reason: expect.stringMatching(new RegExp(`^rendered by the chart apps from ${served.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} of Argo CD Application web \\(app of apps\\): Argo CD creates this Application and syncs what it deploys, which is not previewed \\(spec\\.source\\.path "shop/0\\.2\\.0" is not a folder in this repository\\)`)),
    })]);
    expect(run.code).toBe(3);
  }, 180_000);
});
