// Discovery with a chart fetcher expands an app of apps through a fetched chart as it expands one of this
// repository: nested under a local parent too, each child named by its Application and produced by its
// parent's environment. Without the fetcher the chart's Applications are not expanded. The chart comes from
// the local Helm repository of test/support/chart-repo.ts (real `helm package` + `helm repo index`), rendered
// by the real helm in the sandbox.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartFetcher } from '../../src/charts/index.ts';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';

const repoUrl = 'https://github.com/acme/platform.git';
let served: ServedRepo;
let root: string;
let cacheDir: string;

const app = (name: string, source: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source:
${source.trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}
  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
`;

beforeAll(async () => {
  served = await serveChartRepo([{ name: 'team', version: '2.0.0', templates: { 'api.yaml': app('api', `repoURL: ${repoUrl}\npath: teams/api\ntargetRevision: HEAD`), 'chat.yaml': app('chat', `repoURL: ${repoUrl}\npath: teams/chat\ntargetRevision: HEAD`) } }]);
  root = await mkdtemp(join(tmpdir(), 'bosun-fetched-children-'));
  cacheDir = await mkdtemp(join(tmpdir(), 'bosun-fetched-children-charts-'));
  const files: Record<string, string> = {
    // A local app of apps whose child is the fetched chart's Application: three levels.
    'bootstrap.yaml': app('bootstrap', `repoURL: ${repoUrl}\npath: apps\ntargetRevision: HEAD`),
    'apps/team.yaml': app('team', `repoURL: ${served.url}\nchart: team\ntargetRevision: 2.0.0`),
    'teams/api/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n',
    'teams/chat/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chat\n',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([root, cacheDir].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

describe('discovery of an app of apps through a fetched chart', () => {
  it('with the chart fetcher: the chart\'s Applications are environments, produced by the fetched parent under its local parent', async () => {
    const fetchCharts = new ChartFetcher({ policy: { operator: [served.url], declared: [] }, cacheDir });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl], fetchCharts });
    const byName = new Map(environments.map((e) => [e.name, e]));
    expect([...byName.keys()]).toEqual(['api', 'bootstrap', 'chat', 'team']);
    expect(byName.get('team')).toMatchObject({ producedBy: { kind: 'Application', name: 'bootstrap', environment: 'bootstrap' }, remoteChart: { source: { kind: 'repo', chart: 'team', version: '2.0.0' } } });
    for (const name of ['api', 'chat']) {
      expect(byName.get(name)).toMatchObject({ path: `teams/${name}`, definedIn: { file: 'apps/team.yaml' }, producedBy: { kind: 'Application', name: 'team', environment: 'team', file: 'apps/team.yaml' } });
    }
  }, 120_000);

  it('without it: the chart\'s Applications are not expanded', async () => {
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments.map((e) => e.name)).toEqual(['bootstrap', 'team']);
  }, 120_000);
});
