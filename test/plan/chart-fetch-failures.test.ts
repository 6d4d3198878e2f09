// A remote chart that cannot be fetched is "not previewed", not a render error; a chart version the
// repository's index says does not exist is the HelmRelease's error. Through the CLI (`bosun plan`, exit
// codes 1 and 3) on real git repositories, against the local Helm repository of test/support/chart-repo.ts:
// a stopped server (connection refused), a repository answering 503, and a version that is not in its index.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;
let served: ServedRepo;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-chart-fail-data-'));
  served = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }, { name: 'podinfo', version: '1.3.0' }]);
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

const files = (url: string, version: string): Record<string, string> => ({
  'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
  'clusters/staging/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/staging
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`,
  'apps/staging/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - repository.yaml\n  - release.yaml\n',
  'apps/staging/repository.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: podinfo, namespace: shop}\nspec:\n  interval: 1h\n  url: ${url}\n`,
  'apps/staging/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "${version}"
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    replicaCount: 2
`,
});

/** `bosun plan --format json` of a two-commit repository whose second commit bumps the chart version. */
async function plan(url: string, from: string, to: string): Promise<{ code: number; plan: PlanResult; stderr: string; markdown: string }> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files(url, from))) await repo.write(path, content);
  await repo.commit('base');
  await repo.write('apps/staging/release.yaml', files(url, to)['apps/staging/release.yaml']);
  await repo.commit(`podinfo ${from} → ${to}`);
  const run = (format: string) => runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--format', format], repo.dir, { ...process.env, BOSUN_DATA_DIR: dataDir, BOSUN_CHART_SOURCES: '' });
  const [json, md] = [await run('json'), await run('markdown')];
  return { code: json.code, plan: JSON.parse(json.stdout) as PlanResult, stderr: json.stderr, markdown: md.stdout };
}

describe('a HelmRelease whose chart cannot be fetched', () => {
  it('is not previewed when the Helm repository refuses connections (a stopped server): exit 3, why in the plan, no render error', async () => {
    const stopped = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }]);
    const url = stopped.url;
    await stopped.close();
    const { code, plan: result, stderr, markdown } = await plan(url, '1.2.0', '1.3.0');
    const podinfo = result.environments.find((e) => e.name === 'staging/podinfo');
    expect(podinfo).toMatchObject({ affected: true, render: { skipped: true } });
    expect(podinfo?.reason).toBe(`not previewed: chart not fetched: GET ${url}/index.yaml: ECONNREFUSED`);
    expect(podinfo?.changes).toEqual([]);
    const note = result.discovery?.find((n) => n.kind === 'Environment' && n.name === 'staging/podinfo');
    expect(note).toMatchObject({ status: 'not-previewed', file: 'apps/staging/release.yaml', changed: ['apps/staging/release.yaml'] });
    // The HelmRelease object itself is still diffed in the Kustomization that applies it.
    const apps = result.environments.find((e) => e.name === 'staging/apps');
    expect(apps?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update HelmRelease podinfo']);
    expect(apps?.changes[0].diff).toContain('-      version: 1.2.0\n+      version: 1.3.0');
    expect(code).toBe(3);
    expect(stderr).toContain('cannot judge 1 changed file(s): apps/staging/release.yaml');
    expect(markdown).toContain('`staging/podinfo` (not previewed: chart not fetched: GET');
    expect(markdown).not.toContain('render failed');
  }, 120_000);

  it('is not previewed when the Helm repository answers 503', async () => {
    const failing = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }, { name: 'podinfo', version: '1.3.0' }]);
    failing.route((req, res) => {
      res.statusCode = 503;
      res.end('maintenance');
      return true;
    });
    try {
      const { code, plan: result } = await plan(failing.url, '1.2.0', '1.3.0');
      const podinfo = result.environments.find((e) => e.name === 'staging/podinfo');
      expect(podinfo).toMatchObject({ render: { skipped: true }, reason: `not previewed: chart not fetched: GET ${failing.url}/index.yaml: HTTP 503` });
      expect(code).toBe(3);
      expect(failing.requests).toContain('/index.yaml');
    } finally {
      await failing.close();
    }
  }, 120_000);

  it('is a render error naming the file, line and spec.chart.spec.version when the index has no such version: exit 1', async () => {
    const { code, plan: result, markdown } = await plan(served.url, '1.2.0', '9.9.9');
    const podinfo = result.environments.find((e) => e.name === 'staging/podinfo');
    expect(podinfo?.render).toEqual({
      error: {
        kind: 'render',
        tool: 'helm',
        side: 'head',
        file: 'apps/staging/release.yaml',
        line: 1,
        field: 'spec.chart.spec.version',
        message: `chart not found: chart "podinfo" in ${served.url}: no version matches "9.9.9" (versions there: 1.3.0, 1.2.0)`,
      },
    });
    expect(result.discovery?.some((n) => n.name === 'staging/podinfo')).toBe(false);
    expect(code).toBe(1);
    expect(markdown).toContain('render failed');
  }, 120_000);

  it('still renders the upgrade when the repository answers (the same repository, a version it has)', async () => {
    const { code, plan: result } = await plan(served.url, '1.2.0', '1.3.0');
    const podinfo = result.environments.find((e) => e.name === 'staging/podinfo');
    expect(podinfo?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment podinfo']);
    expect(code).toBe(0);
  }, 120_000);
});
