// The desired state an apply renders (loadDesiredState) fetches remote charts too — for a commit of the
// default branch, whose declared sources are merged and so trusted — and refuses clearly without a fetcher.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/plan/desired-state.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

let dataDir: string;
let served: ServedRepo;
let repo: GitRepoBuilder;
const clusters = { clusters: [{ name: 'dev', labels: { env: 'dev' } }] };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-desired-charts-'));
  served = await serveChartRepo([{ name: 'podinfo', version: '1.3.0' }]);
  repo = await makeGitRepo();
  await repo.write('web/fleet.yaml', `defaultNamespace: web\nhelm:\n  repo: ${served.url}\n  chart: podinfo\n  version: 1.3.0\n  releaseName: web\n`);
  await repo.commit('web from a Helm repository');
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([rm(dataDir, { recursive: true, force: true }), repo ? rm(repo.dir, { recursive: true, force: true }) : undefined]);
});

describe('the desired state of a Fleet bundle with a remote chart', () => {
  it('is rendered from the fetched chart when the apply has the chart options', async () => {
    const desired = await loadDesiredState({ repoDir: repo.dir, ref: 'HEAD', env: 'web@dev', clusters, charts: { sources: [], dataDir } });
    expect(desired.objects.map((o) => `${o.object.kind} ${o.object.metadata?.namespace}/${o.object.metadata?.name} ${o.object.metadata?.labels?.chart}`)).toEqual(['Deployment web/web podinfo-1.3.0']);
  }, 120_000);

  it('is refused, saying why, without them', async () => {
    await expect(loadDesiredState({ repoDir: repo.dir, ref: 'HEAD', env: 'web@dev', clusters })).rejects.toThrow(`environment "web@dev" does not render at`);
    await expect(loadDesiredState({ repoDir: repo.dir, ref: 'HEAD', env: 'web@dev', clusters })).rejects.toThrow(`chart podinfo 1.3.0 from ${served.url} not fetched: bosun runs without a chart fetcher here`);
  }, 120_000);
});
