// Which fetch failures leave a chart unknown ("not previewed") and which say the request is wrong (a
// content error at the field that names the chart or version): ChartFetchError.reason and
// chartNotPreviewed, against the local Helm repository and OCI endpoint of test/support/chart-repo.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartFetcher, ChartFetchError, chartNotPreviewed, type ChartRequest } from '../../src/charts/index.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';

let repo: ServedRepo;
let work: string;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bosun-fetch-kinds-'));
  repo = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }]);
  repo.route((req, res) => {
    if (!req.url?.startsWith('/down/')) return false;
    res.statusCode = 502;
    res.end('bad gateway');
    return true;
  });
}, 120_000);

afterAll(async () => {
  await repo?.close();
  await rm(work, { recursive: true, force: true });
});

async function failure(request: ChartRequest, operator: string[] = [new URL(repo.url).host], timeoutMs = 5_000): Promise<ChartFetchError> {
  const f = new ChartFetcher({ policy: { operator, declared: [] }, cacheDir: join(work, `cache-${n++}`), timeoutMs });
  const e = await f.fetch(request).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ChartFetchError);
  return e as ChartFetchError;
}

describe('chart fetch failures', () => {
  it('a version the index does not have, or a chart it does not list, is missing: the request is wrong', async () => {
    const version = await failure({ kind: 'repo', repoUrl: repo.url, chart: 'podinfo', version: '9.9.9' });
    expect([version.reason, chartNotPreviewed(version)]).toEqual(['missing', false]);
    expect(version.message).toBe(`chart "podinfo" in ${repo.url}: no version matches "9.9.9" (versions there: 1.2.0)`);
    const chart = await failure({ kind: 'repo', repoUrl: repo.url, chart: 'nope' });
    expect([chart.reason, chartNotPreviewed(chart)]).toEqual(['missing', false]);
  });

  it('an OCI tag or range the registry does not have is missing too', async () => {
    const tag = await failure({ kind: 'oci', ref: `${repo.ociBase}/podinfo`, tag: '7.7.7', plainHttp: true });
    expect(tag.reason).toBe('missing');
    expect(tag.message).toContain(`${repo.ociBase}/podinfo: no chart tagged 7.7.7 there`);
    const range = await failure({ kind: 'oci', ref: `${repo.ociBase}/podinfo`, version: '^3.0.0', plainHttp: true });
    expect(range.reason).toBe('missing');
  });

  it('a repository answering 5xx, or refusing connections, failed: the chart is unknown (not previewed)', async () => {
    const down = await failure({ kind: 'repo', repoUrl: `${repo.url}/down`, chart: 'podinfo' });
    expect([down.reason, chartNotPreviewed(down)]).toEqual(['failed', true]);
    expect(down.message).toBe(`GET ${repo.url}/down/index.yaml: HTTP 502`);
    const stopped = await serveChartRepo([]);
    await stopped.close();
    const refused = await failure({ kind: 'repo', repoUrl: stopped.url, chart: 'podinfo' }, [new URL(stopped.url).host]);
    expect([refused.reason, chartNotPreviewed(refused)]).toEqual(['failed', true]);
    expect(refused.message).toBe(`GET ${stopped.url}/index.yaml: ECONNREFUSED`);
  });

  it('a source that is not allowed is refused, not "failed" (a content error for HelmReleases and kustomize): the message says how to allow it', async () => {
    const e = await failure({ kind: 'repo', repoUrl: repo.url, chart: 'podinfo' }, []);
    expect([e.reason, chartNotPreviewed(e)]).toEqual(['refused', false]);
    expect(e.message).toContain('allow it with BOSUN_CHART_SOURCES');
  });
});
