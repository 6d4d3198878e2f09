// An Argo CD Application whose chart in this repository depends on charts from a Helm repository (the
// "umbrella chart": Chart.yaml `dependencies`, values.yaml, no charts/ committed). Argo CD's repo server runs
// `helm dependency build` for it (Chart.lock's versions, else the highest the range allows); bosun used to
// fail the render ("not vendored", exit 1) on a chart Argo CD deploys. `bosun plan` (the CLI) on real git
// repositories against the local Helm repository of test/support/chart-repo.ts (real helm package/index on
// loopback), rendered by the real helm in the sandbox.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { helmDependencyDigest } from '../../src/render/helm-lock-digest.ts';
import { helmPath } from '../../src/util/tools.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/platform.git';
const repos: GitRepoBuilder[] = [];
let dataDir: string;
let served: ServedRepo;

const redisTemplate = (tag: string) => ({
  'statefulset.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-redis
spec:
  replicas: {{ .Values.replicas }}
  serviceName: redis
  selector: { matchLabels: { app: redis } }
  template:
    metadata: { labels: { app: redis } }
    spec:
      containers: [{ name: redis, image: "redis:${tag}" }]
`,
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-argocd-umbrella-'));
  served = await serveChartRepo([
    { name: 'redis', version: '1.0.0', templates: redisTemplate('7.0'), values: 'replicas: 1\n' },
    { name: 'redis', version: '1.1.0', templates: redisTemplate('7.2'), values: 'replicas: 1\n' },
  ]);
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

const chartYaml = (version: string) => `apiVersion: v2
name: shop
version: 0.1.0
dependencies:
  - name: redis
    version: "${version}"
    repository: ${served.url}
`;

const files = (version: string, replicas: number) => ({
  'argocd/shop.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${repoUrl}
    targetRevision: HEAD
    path: charts/shop
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`,
  'charts/shop/Chart.yaml': chartYaml(version),
  'charts/shop/values.yaml': `redis:\n  replicas: ${replicas}\n`,
  'charts/shop/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\ndata:\n  cache: {{ .Release.Name }}-redis\n',
});

async function plan(before: Record<string, string>, after: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeTwoCommitRepo(before, after);
  repos.push(repo);
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--format', 'json'], repo.dir, { ...process.env, BOSUN_DATA_DIR: dataDir, ...env });
  return { code, plan: JSON.parse(stdout) as PlanResult };
}

/** The Chart.lock the real `helm dependency update` writes for a Chart.yaml (against the served repository). */
async function helmLock(chart: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'bosun-helm-lock-'));
  try {
    await mkdir(join(work, 'shop'));
    await writeFile(join(work, 'shop', 'Chart.yaml'), chart);
    const env = { PATH: process.env.PATH, HOME: work, HELM_CACHE_HOME: join(work, 'cache'), HELM_CONFIG_HOME: join(work, 'config'), HELM_DATA_HOME: join(work, 'data') };
    await promisify(execFile)(helmPath(), ['dependency', 'update', join(work, 'shop')], { env });
    return await readFile(join(work, 'shop', 'Chart.lock'), 'utf8');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const changes = (run: { plan: PlanResult }) => (run.plan.environments.find((e) => e.name === 'shop')?.changes ?? []).map((c) => `${c.action} ${c.kind} ${c.name}`);

describe('an Argo CD umbrella chart whose dependencies come from a Helm repository', () => {
  it('builds the dependency as Argo CD does and previews a change to its values (exit 0, the subchart object changes)', async () => {
    const run = await plan(files('1.0.0', 1), { 'charts/shop/values.yaml': 'redis:\n  replicas: 3\n' });
    expect(run.code).toBe(0);
    expect(changes(run)).toEqual(['update StatefulSet shop-redis']);
    expect(JSON.stringify(run.plan.environments[0].changes)).toContain('replicas: 3');
  });

  it('takes the version Chart.lock pins, else the highest the range allows: a lock bump is the new image', async () => {
    // The digest helm writes for this Chart.yaml and lock (checked against the real helm below).
    const lock = (version: string) => {
      const deps = [{ name: 'redis', repository: served.url, version }];
      const digest = helmDependencyDigest([{ name: 'redis', version: '1.x', repository: served.url }], deps)!;
      return `dependencies:\n- name: redis\n  repository: ${served.url}\n  version: ${version}\ndigest: ${digest}\ngenerated: "2026-01-01T00:00:00Z"\n`;
    };
    const run = await plan({ ...files('1.x', 1), 'charts/shop/Chart.lock': lock('1.0.0') }, { 'charts/shop/Chart.lock': lock('1.1.0') });
    expect(run.code).toBe(0);
    expect(JSON.stringify(run.plan.environments[0].changes)).toMatch(/redis:7\.0[\s\S]*redis:7\.2/);
    // No lock: widening the range from 1.0.0 to 1.x picks 1.1.0.
    const unlocked = await plan(files('1.0.0', 1), { 'charts/shop/Chart.yaml': chartYaml('1.x') });
    expect(JSON.stringify(unlocked.plan.environments[0].changes)).toMatch(/redis:7\.0[\s\S]*redis:7\.2/);
  });

  it('is not previewed (exit 3), not a render error, when the dependency cannot be fetched', async () => {
    const other = files('1.0.0', 1);
    other['charts/shop/Chart.yaml'] = other['charts/shop/Chart.yaml'].replace(`repository: ${served.url}`, 'repository: "@bitnami"');
    const run = await plan(other, { 'charts/shop/values.yaml': 'redis:\n  replicas: 2\n' });
    expect(run.code).toBe(3);
    expect(run.plan.environments[0]).toMatchObject({ render: { skipped: true }, reason: expect.stringContaining('Argo CD finds repository @bitnami in its own repository configuration') });
  });

  // helm pkg/downloader/manager.go Build: the lock's digest must be Chart.yaml's dependencies' (HashReq), or
  // "the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)"; Argo CD's repo server
  // runs that build for a chart whose dependencies are not vendored, and the Application fails to render.
  it('fails the render, as Argo CD\'s helm dependency build does, when Chart.yaml bumps a dependency and Chart.lock is not updated', async () => {
    const base = { ...files('1.0.0', 1), 'charts/shop/Chart.lock': await helmLock(chartYaml('1.0.0')) };
    const stale = await plan(base, { 'charts/shop/Chart.yaml': chartYaml('1.1.0') });
    expect(stale.code).toBe(1);
    const shop = stale.plan.environments.find((e) => e.name === 'shop')!;
    expect(JSON.stringify(shop)).toContain('the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)');
    expect(JSON.stringify(shop)).toContain('charts/shop/Chart.lock');

    // Bumped with `helm dependency update` (the lock helm writes): in sync, the new image is previewed.
    const updated = await plan(base, { 'charts/shop/Chart.yaml': chartYaml('1.1.0'), 'charts/shop/Chart.lock': await helmLock(chartYaml('1.1.0')) });
    expect(updated.code).toBe(0);
    expect(JSON.stringify(updated.plan.environments[0].changes)).toMatch(/redis:7\.0[\s\S]*redis:7\.2/);
  });

  it('agrees with the real helm on the lock digest of every dependency field it restates (condition, tags, alias, import-values)', async () => {
    const chart = `apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: ">=1.0.0 <2"\n    repository: ${served.url}\n    condition: redis.enabled\n    tags: [cache, "a<b&c"]\n    import-values: [data]\n    alias: cache\n`;
    const lock = await helmLock(chart);
    const { parse } = await import('yaml');
    const parsedLock = parse(lock) as { digest: string; dependencies: unknown[] };
    expect(helmDependencyDigest((parse(chart) as { dependencies: unknown[] }).dependencies, parsedLock.dependencies)).toBe(parsedLock.digest);
  });

  // import-values is []interface{} in helm's chart.Dependency: the child/parent form is a map, which
  // encoding/json writes with sorted keys. A Chart.yaml that edits it without `helm dependency update`
  // fails helm's build as any other stale lock does.
  it('agrees with the real helm on the child/parent form of import-values, and judges a lock it left stale', async () => {
    const withImports = (parent: string) => `apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: ${served.url}\n    import-values:\n      - parent: ${parent}\n        child: data\n      - defaults\n      - { child: "a<b", parent: "x&y" }\n`;
    const lock = await helmLock(withImports('cache'));
    const { parse } = await import('yaml');
    const parsedLock = parse(lock) as { digest: string; dependencies: unknown[] };
    expect(helmDependencyDigest((parse(withImports('cache')) as { dependencies: unknown[] }).dependencies, parsedLock.dependencies)).toBe(parsedLock.digest);

    const base = { ...files('1.0.0', 1), 'charts/shop/Chart.yaml': withImports('cache'), 'charts/shop/Chart.lock': lock };
    const stale = await plan(base, { 'charts/shop/Chart.yaml': withImports('store') });
    expect(stale.code).toBe(1);
    expect(JSON.stringify(stale.plan.environments.find((e) => e.name === 'shop'))).toContain('the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)');
  });
});
