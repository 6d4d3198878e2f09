// The chart fetcher against a real local Helm repository (archives and index.yaml written by the real helm
// binary, served over HTTP on loopback) and a minimal OCI distribution endpoint serving the same archives.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartFetcher, ChartFetchError, declaredChartSources, type ChartSourcePolicy } from '../../src/charts/index.ts';
import { ChartCache } from '../../src/charts/cache.ts';
import { extractChartArchive } from '../../src/charts/extract.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';

let repo: ServedRepo;
let work: string;
const host = () => new URL(repo.url).host;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bosun-fetch-test-'));
  repo = await serveChartRepo([
    { name: 'podinfo', version: '1.2.0' },
    { name: 'podinfo', version: '1.2.3' },
    { name: 'podinfo', version: '1.3.0' },
    { name: 'podinfo', version: '2.0.0-rc.1' },
    { name: 'other', version: '0.1.0' },
  ]);
}, 120_000);

afterAll(async () => {
  await repo?.close();
  await rm(work, { recursive: true, force: true });
});

let n = 0;
function fetcher(policy: Partial<ChartSourcePolicy>, extra: Partial<ConstructorParameters<typeof ChartFetcher>[0]> = {}): ChartFetcher {
  return new ChartFetcher({ policy: { operator: [], declared: [], ...policy }, cacheDir: join(work, `cache-${n++}`), ...extra });
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('chart fetcher: Helm repository over HTTP', () => {
  it('fetches the latest stable version from an operator-allowed host, checks the index digest and unpacks the chart', async () => {
    const f = fetcher({ operator: [host()] });
    const chart = await f.fetch({ kind: 'repo', repoUrl: repo.url, chart: 'podinfo' });
    expect(chart.version).toBe('1.3.0'); // 2.0.0-rc.1 is a pre-release: not "latest"
    expect(chart.digest).toBe(`sha256:${sha256(join(repo.dir, 'podinfo-1.3.0.tgz'))}`);
    expect(chart.digestVerified).toBe(true);
    expect(readFileSync(join(chart.dir, 'Chart.yaml'), 'utf8')).toContain('version: 1.3.0');
    expect(existsSync(join(chart.dir, 'templates', 'deployment.yaml'))).toBe(true);
  });

  it('resolves semver ranges as source-controller does, exact versions first', async () => {
    const f = fetcher({ operator: [host()] });
    const v = async (version: string) => (await f.fetch({ kind: 'repo', repoUrl: repo.url, chart: 'podinfo', version })).version;
    expect(await v('~1.2.0')).toBe('1.2.3');
    expect(await v('1.2.0')).toBe('1.2.0');
    expect(await v('>=1.0.0 <1.3.0')).toBe('1.2.3');
    expect(await v('^1')).toBe('1.3.0');
    expect(await v('>=2.0.0-0')).toBe('2.0.0-rc.1');
    expect(await v('1.x || 3.x')).toBe('1.3.0');
    await expect(v('>=5.0.0')).rejects.toThrow(/no version matches ">=5.0.0" \(versions there: /);
  });

  it('serves a second fetch of the same version from the cache without downloading the archive again', async () => {
    const f = fetcher({ operator: [host()] });
    await f.fetch({ kind: 'repo', repoUrl: repo.url, chart: 'podinfo', version: '1.2.0' });
    const before = repo.requests.filter((r) => r.endsWith('podinfo-1.2.0.tgz')).length;
    const again = new ChartFetcher({ policy: f['policySource'] as ChartSourcePolicy, cacheDir: (f as unknown as { cache: ChartCache }).cache.root });
    const chart = await again.fetch({ kind: 'repo', repoUrl: repo.url, chart: 'podinfo', version: '1.2.0' });
    expect(chart.version).toBe('1.2.0');
    expect(repo.requests.filter((r) => r.endsWith('podinfo-1.2.0.tgz')).length).toBe(before);
  });

  it('refuses a source that is neither allowed by the operator nor declared on the base branch, without a request', async () => {
    const f = fetcher({ operator: ['charts.example.com'] });
    const count = repo.requests.length;
    const err = await f.fetch({ kind: 'repo', repoUrl: repo.url, chart: 'podinfo' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChartFetchError);
    expect((err as ChartFetchError).reason).toBe('refused');
    expect((err as Error).message).toBe(`source ${repo.url} is not declared on the base branch (a pull request cannot introduce a chart source and have it fetched) and not allowed by the operator; allow it with BOSUN_CHART_SOURCES (the App) or --chart-source (the CLI), or declare it on the base branch first`);
    expect(repo.requests.length).toBe(count);
  });

  it('fetches from a source declared on the base branch, and from an operator URL prefix only below it', async () => {
    expect((await fetcher({ declared: [repo.url] }).fetch({ kind: 'repo', repoUrl: repo.url, chart: 'other' })).version).toBe('0.1.0');
    expect(await fetcher({ operator: [`${repo.url}/stable`] }).decide(repo.url)).toMatchObject({ allowed: false });
    expect(await fetcher({ operator: [`${repo.url}/`] }).decide(`${repo.url}/sub`)).toEqual({ allowed: true, trust: 'operator' });
    expect(await fetcher({ declared: [`${repo.url}/charts`] }).decide(`${repo.url}/chartsx`)).toMatchObject({ allowed: false });
  });

  it('never connects to a link-local (cloud metadata) address for a source only the base branch declares', async () => {
    const f = fetcher({ declared: ['http://169.254.169.254/charts'] });
    await expect(f.fetch({ kind: 'repo', repoUrl: 'http://169.254.169.254/charts', chart: 'x' })).rejects.toThrow(/refused to connect to 169\.254\.169\.254: a source declared only on the base branch is never fetched from link-local or metadata addresses/);
  });

  it('does not follow a redirect to another host', async () => {
    repo.route((req, res) => {
      if (!req.url?.startsWith('/moved/')) return false;
      res.statusCode = 302;
      res.setHeader('location', `http://localhost:${new URL(repo.url).port}/index.yaml`);
      res.end();
      return true;
    });
    const f = fetcher({ operator: [host()] });
    await expect(f.fetch({ kind: 'repo', repoUrl: `${repo.url}/moved`, chart: 'podinfo' })).rejects.toThrow(/redirected to another host \(localhost:\d+\), which is not followed/);
  });

  it('refuses an archive whose digest is not the one the index publishes', async () => {
    const tampered = await serveChartRepo([{ name: 'web', version: '1.0.0' }]);
    try {
      await writeFile(join(tampered.dir, 'web-1.0.0.tgz'), gzipSync(Buffer.alloc(1024)));
      const f = fetcher({ operator: [new URL(tampered.url).host] });
      await expect(f.fetch({ kind: 'repo', repoUrl: tampered.url, chart: 'web' })).rejects.toThrow(/the archive's sha256 is [0-9a-f]{64}, but the repository index says [0-9a-f]{64}; not used/);
    } finally {
      await tampered.close();
    }
  });

  it('stops reading an archive past the size limit', async () => {
    const f = fetcher({ operator: [host()] }, { maxChartBytes: 100 });
    await expect(f.fetch({ kind: 'repo', repoUrl: repo.url, chart: 'other' })).rejects.toThrow(/bytes, more than the 100 bytes allowed|more than the 100 bytes allowed/);
  });

  it('times out a repository that does not answer', async () => {
    repo.route((req) => req.url?.startsWith('/slow/') === true); // handled: never answered
    const f = fetcher({ operator: [host()] }, { timeoutMs: 300 });
    await expect(f.fetch({ kind: 'repo', repoUrl: `${repo.url}/slow`, chart: 'x' })).rejects.toThrow(/timed out/);
  });

  it('names a chart the index does not have', async () => {
    await expect(fetcher({ operator: [host()] }).fetch({ kind: 'repo', repoUrl: repo.url, chart: 'nope' })).rejects.toThrow(`chart "nope" is not in ${repo.url}/index.yaml`);
  });
});

describe('chart fetcher: OCI registry', () => {
  it('lists tags, resolves the range, pulls the chart layer by digest (anonymous bearer token included)', async () => {
    repo.requireToken(true);
    try {
      const f = fetcher({ operator: [host()] });
      const chart = await f.fetch({ kind: 'oci', ref: `${repo.ociBase}/podinfo`, version: '~1.2', plainHttp: true });
      expect(chart.version).toBe('1.2.3');
      expect(chart.digest).toBe(`sha256:${sha256(join(repo.dir, 'podinfo-1.2.3.tgz'))}`);
      expect(chart.source).toMatch(new RegExp(`^${repo.ociBase}/podinfo@sha256:[0-9a-f]{64}$`));
      expect(readFileSync(join(chart.dir, 'Chart.yaml'), 'utf8')).toContain('name: podinfo');
      expect(repo.requests.some((r) => r.startsWith('/token?service=test-registry&scope=repository'))).toBe(true);
    } finally {
      repo.requireToken(false);
    }
  });

  it('takes an OCI Helm repository URL plus chart name (Flux HelmRepository type: oci), and an exact tag', async () => {
    const f = fetcher({ declared: [repo.ociBase] });
    expect((await f.fetch({ kind: 'repo', repoUrl: repo.ociBase, chart: 'podinfo', version: '1.2.0', plainHttp: true })).version).toBe('1.2.0');
    expect((await f.fetch({ kind: 'oci', ref: `${repo.ociBase}/podinfo`, tag: '1.3.0', plainHttp: true })).version).toBe('1.3.0');
  });

  it('refuses an OCI reference outside the allowed prefix', async () => {
    const f = fetcher({ declared: [`${repo.ociBase}/podinfo`] });
    await expect(f.fetch({ kind: 'oci', ref: `${repo.ociBase}/other`, plainHttp: true })).rejects.toThrow(/is not declared on the base branch/);
  });
});

describe('chart archives and the cache', () => {
  const tar = (entries: Array<{ name: string; type?: string; data?: string }>): Buffer => {
    const blocks: Buffer[] = [];
    for (const e of entries) {
      const data = Buffer.from(e.data ?? '');
      const header = Buffer.alloc(512);
      header.write(e.name, 0, 100);
      header.write('0000644\0', 100);
      header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
      header.write(e.type ?? '0', 156);
      blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return gzipSync(Buffer.concat(blocks));
  };

  it('refuses entries that leave the chart folder, links and several top-level folders', async () => {
    const dest = join(work, 'x');
    await expect(extractChartArchive(tar([{ name: 'c/Chart.yaml' }, { name: 'c/../../evil', data: 'x' }]), dest)).rejects.toThrow(/leaves the chart folder/);
    await expect(extractChartArchive(tar([{ name: '/etc/cron.d/x' }]), dest)).rejects.toThrow(/an absolute path/);
    await expect(extractChartArchive(tar([{ name: 'c/link', type: '2' }]), dest)).rejects.toThrow(/is a symlink; charts from a repository must hold files only/);
    await expect(extractChartArchive(tar([{ name: 'a/Chart.yaml' }, { name: 'b/Chart.yaml' }]), dest)).rejects.toThrow(/more than one top-level folder/);
    await expect(extractChartArchive(tar([{ name: 'c/big', data: 'x'.repeat(2000) }]), dest, { totalBytes: 100_000, fileBytes: 1000, files: 10 })).rejects.toThrow(/larger than/);
    await expect(extractChartArchive(gzipSync(Buffer.alloc(4 * 1024 * 1024, 1)), dest, { totalBytes: 1024, fileBytes: 1024, files: 10 })).rejects.toThrow(/inflates beyond|not a valid tar/);
  });

  it('keeps the cache within its bound, least recently used first, but never a chart in use', async () => {
    const root = join(work, 'lru');
    const cache = new ChartCache(root, { maxBytes: 1, keepRecentMs: 0 });
    const archive = (name: string) => tar([{ name: `${name}/Chart.yaml`, data: `name: ${name}\nversion: 1.0.0\n` }]);
    const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const [a, b] = [archive('a'), archive('b')];
    await cache.put(digest(a), { name: 'a', version: '1.0.0', source: 'x' }, a);
    await cache.put(digest(b), { name: 'b', version: '1.0.0', source: 'x' }, b);
    expect((await readdir(root)).filter((e) => e.startsWith('sha256-'))).toEqual([`sha256-${digest(b).slice(7)}`]);
    expect(await cache.get(digest(a))).toBeUndefined();
    expect((await cache.get(digest(b)))?.dir).toBe(join(root, `sha256-${digest(b).slice(7)}`, 'b'));
  });
});

describe('declared chart sources', () => {
  it('finds HelmRepository / OCIRepository URLs, Argo CD Helm sources, kustomize helmCharts and Fleet helm repos', async () => {
    const root = join(work, 'declared');
    const files: Record<string, string> = {
      'infra/sources.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: podinfo}\nspec:\n  url: https://Stefanprodan.github.io/podinfo/\n---\napiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: x}\nspec: {url: "oci://ghcr.io/org/charts/x"}\n',
      'argocd/app.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  sources:\n    - repoURL: registry-1.docker.io/bitnamicharts\n      chart: redis\n    - repoURL: https://github.com/org/repo\n      path: x\n',
      'apps/kustomization.yaml': 'helmCharts:\n  - name: cert-manager\n    repo: https://charts.jetstack.io\n',
      'fleet/web/fleet.yaml': 'helm:\n  repo: https://charts.example.org\n  chart: web\n',
      'templated/app.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source: {repoURL: "{{.url}}", chart: x}\n',
    };
    for (const [file, text] of Object.entries(files)) {
      await import('node:fs/promises').then(async (fs) => {
        await fs.mkdir(join(root, file, '..'), { recursive: true });
        await fs.writeFile(join(root, file), text);
      });
    }
    expect(await declaredChartSources(root)).toEqual([
      'https://charts.example.org',
      'https://charts.jetstack.io',
      'https://stefanprodan.github.io/podinfo',
      'oci://ghcr.io/org/charts/x',
      'oci://registry-1.docker.io/bitnamicharts',
    ]);
  });
});
