// kustomize `helmCharts` with a remote `repo`, through bosun's chart fetcher (render/kustomize-charts.ts):
// planChange on real git repositories against the local Helm repository of test/support/chart-repo.ts.
// The chart is fetched only from a source the base branch declares or the operator allows, kustomize
// (sandboxed, no network) finds it where it looks for a pulled chart, and a version bump in
// kustomization.yaml shows the rendered objects that change.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;
let served: ServedRepo;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-kustomize-charts-data-'));
  served = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }, { name: 'podinfo', version: '1.3.0' }]);
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

const kustomization = (url: string, version: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources:
  - config.yaml
helmCharts:
  - name: podinfo
    repo: ${url}
    version: ${version}
    releaseName: web
    valuesInline:
      replicaCount: 3
`;

const base = (url: string, version: string): Record<string, string> => ({
  '.bosun.yaml': 'version: 1\nenvironments:\n  - name: staging\n    path: apps/staging\n',
  'apps/staging/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: staging}\n',
  'apps/staging/kustomization.yaml': kustomization(url, version),
});

async function planOf(files: Record<string, string>, change: Record<string, string>, opts: { sources?: string[] } = {}): Promise<PlanResult> {
  const repo = await makeTwoCommitRepo(files, change);
  repos.push(repo);
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: opts.sources ?? [], dataDir } });
}

describe('kustomize helmCharts from a remote Helm repository', () => {
  it('renders the chart fetched from the source the base declares: a 1.2.0 → 1.3.0 bump shows the rendered Deployment change', async () => {
    const before = served.requests.length;
    const plan = await planOf(base(served.url, '1.2.0'), { 'apps/staging/kustomization.yaml': kustomization(served.url, '1.3.0') });
    const staging = plan.environments.find((e) => e.name === 'staging')!;
    expect(staging.render).toEqual({ objects: 2, baseObjects: 2 });
    expect(staging.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['update Deployment shop/web']);
    expect(staging.changes[0].diff).toContain('-    chart: podinfo-1.2.0\n+    chart: podinfo-1.3.0');
    expect(staging.changes[0].diff).not.toContain('replicas');
    // Only bosun's fetcher asked the repository (index and archives); kustomize never pulled.
    expect(served.requests.slice(before).every((r) => r === '/index.yaml' || /^\/podinfo-1\.[23]\.0\.tgz(\.prov)?$/.test(r))).toBe(true);
  }, 180_000);

  it('refuses a source the pull request introduces, naming the file, line and field, and never asks it', async () => {
    const other = served.url.replace('127.0.0.1', 'localhost');
    const before = served.hosts.length;
    const plan = await planOf(base(served.url, '1.2.0'), { 'apps/staging/kustomization.yaml': kustomization(other, '1.3.0') });
    const staging = plan.environments.find((e) => e.name === 'staging')!;
    expect(staging.render).toMatchObject({ error: { side: 'head', file: 'apps/staging/kustomization.yaml', line: 7, field: 'helmCharts[0].repo' } });
    expect(!('error' in staging.render) || staging.render.error.message).toBe(`helm chart "podinfo" 1.3.0 from ${other} is not vendored; a remote reference is fetched only from an allowed chart source: source ${other} is not declared on the base branch (a pull request cannot introduce a chart source and have it fetched) and not allowed by the operator; allow it with BOSUN_CHART_SOURCES (the App) or --chart-source (the CLI), or declare it on the base branch first`);
    expect(served.hosts.slice(before).filter((h) => h.startsWith('localhost'))).toEqual([]);
  }, 180_000);

  it('is not previewed when the repository the base declares refuses connections (a stopped server)', async () => {
    const stopped = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }]);
    await stopped.close();
    const plan = await planOf(base(stopped.url, '1.2.0'), { 'apps/staging/kustomization.yaml': kustomization(stopped.url, '1.3.0') });
    const staging = plan.environments.find((e) => e.name === 'staging')!;
    expect(staging).toMatchObject({ affected: true, render: { skipped: true }, changes: [] });
    expect(staging.reason).toBe(`not previewed: chart not fetched: helm chart "podinfo" 1.2.0 from ${stopped.url}: GET ${stopped.url}/index.yaml: ECONNREFUSED`);
    const note = plan.discovery?.find((n) => n.kind === 'Environment' && n.name === 'staging');
    expect(note).toMatchObject({ status: 'not-previewed', changed: ['apps/staging/kustomization.yaml'] });
  }, 180_000);

  it('fetches a source the operator allows even when the pull request introduces it', async () => {
    const other = served.url.replace('127.0.0.1', 'localhost');
    const plan = await planOf(base(served.url, '1.2.0'), { 'apps/staging/kustomization.yaml': kustomization(other, '1.3.0') }, { sources: [new URL(other).host] });
    const staging = plan.environments.find((e) => e.name === 'staging')!;
    expect(staging.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
  }, 180_000);

  it('is a render error at helmCharts[0].version when the repository has no such version', async () => {
    const plan = await planOf(base(served.url, '1.2.0'), { 'apps/staging/kustomization.yaml': kustomization(served.url, '7.0.0') });
    const staging = plan.environments.find((e) => e.name === 'staging')!;
    expect(staging.render).toMatchObject({
      error: { side: 'head', file: 'apps/staging/kustomization.yaml', line: 7, field: 'helmCharts[0].version', message: `chart not found: chart "podinfo" in ${served.url}: no version matches "7.0.0" (versions there: 1.3.0, 1.2.0)` },
    });
  }, 180_000);
});
