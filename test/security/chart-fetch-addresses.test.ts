// The chart fetcher runs in bosun's own process, beside the cluster credentials: where it may connect
// depends on who allowed the URL (src/charts/addresses.ts). An IPv4 address written inside an IPv6 one
// reaches that IPv4 address, so it is judged as that address — the URL parser writes
// `[::ffff:127.0.0.1]` as `[::ffff:7f00:1]`, which a test of the dotted form alone let through.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressAllowed, classifyAddress } from '../../src/charts/addresses.ts';
import { extractChartArchive } from '../../src/charts/extract.ts';
import { httpGet, redirectTrust } from '../../src/charts/http-get.ts';
import { ChartFetcher } from '../../src/charts/index.ts';
import { decideSource } from '../../src/charts/policy.ts';

describe('addresses inside IPv6 addresses are judged as what they reach', () => {
  it('classifies IPv4-mapped (hex and dotted), IPv4-compatible, NAT64 and 6to4 forms by their IPv4 address', () => {
    for (const a of ['::ffff:a9fe:a9fe', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe']) expect(classifyAddress(a), a).toBe('link-local');
    for (const a of ['::ffff:7f00:1', '::7f00:1', '2002:7f00:1::', '::1']) expect(classifyAddress(a), a).toBe('loopback');
    expect(classifyAddress('::ffff:a00:1')).toBe('private');
    expect(classifyAddress('::ffff:8.8.8.8')).toBe('public');
    expect(classifyAddress('2606:4700::1111')).toBe('public');
  });

  it('refuses the metadata address however it is written', () => {
    for (const a of ['fd00:ec2::254', 'fd00:0ec2:0::254', '::ffff:a9fe:a9fe']) expect(addressAllowed(a, 'base'), a).toBe(false);
    expect(addressAllowed('::ffff:7f00:1', 'content')).toBe(false);
  });
});

describe('a chart repository cannot point bosun at loopback through an IPv6-written address', () => {
  let work: string;
  let index: Server;
  let listener: ReturnType<typeof createTcpServer>;
  let connections = 0;
  let indexUrl: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-fetch-addr-'));
    listener = createTcpServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const target = (listener.address() as AddressInfo).port;
    // The index an allowed repository serves: its archive "elsewhere", with a digest, so bosun would fetch
    // it as content from another host — public addresses only.
    const body = `apiVersion: v1\nentries:\n  evil:\n    - name: evil\n      version: 1.0.0\n      digest: ${'a'.repeat(64)}\n      urls: ["https://[::ffff:127.0.0.1]:${target}/evil-1.0.0.tgz"]\n`;
    index = createHttpServer((_, res) => res.end(body));
    await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
    indexUrl = `http://127.0.0.1:${(index.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    index?.close();
    listener?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('an index placing the archive at https://[::ffff:127.0.0.1]:port is refused before any connection', async () => {
    const fetcher = new ChartFetcher({ policy: { operator: [new URL(indexUrl).host], declared: [] }, cacheDir: join(work, 'cache'), timeoutMs: 5000 });
    await expect(fetcher.fetch({ kind: 'repo', repoUrl: indexUrl, chart: 'evil', version: '1.0.0' })).rejects.toThrow(/refused to connect to ::ffff:7f00:1: content from another host is fetched from public addresses only/);
    expect(connections).toBe(0);
  });

  it('a base-branch source written as the metadata address in IPv6 is never connected to', async () => {
    const fetcher = new ChartFetcher({ policy: { operator: [], declared: ['http://[::ffff:a9fe:a9fe]/charts'] }, cacheDir: join(work, 'cache2'), timeoutMs: 5000 });
    await expect(fetcher.fetch({ kind: 'repo', repoUrl: 'http://[::ffff:169.254.169.254]/charts', chart: 'x' })).rejects.toThrow(/refused to connect to ::ffff:a9fe:a9fe: a source declared only on the base branch is never fetched from link-local or metadata addresses/);
  });
});

describe('a URL prefix the operator or the base branch allows is not left through its path', () => {
  const policy = { operator: ['https://charts.example.com/acme'], declared: ['https://gitlab.example.com/api/v4/projects/acme%2Fcharts/packages/helm'] };
  it('refuses encoded dots, slashes and backslashes below the prefix, and the tricks the URL parser resolves', () => {
    for (const url of [
      'https://charts.example.com/acme/..%2f..%2fevil',
      'https://charts.example.com/acme/%2e%2e/evil',
      'https://charts.example.com/acme/..%5Cevil',
      'https://charts.example.com/acme/../evil',
      'https://charts.example.com/acme-evil',
      'https://charts.example.com@evil.example/acme',
      'https://charts.example.com.evil.example/acme',
      'https://gitlab.example.com/api/v4/projects/acme%2Fcharts/packages/helm/..%2f..%2f..%2fevil%2Fcharts',
      'https://chаrts.example.com/acme/x', // a Cyrillic а: the URL parser writes it as punycode, another host
      'https://charts.example.com./acme/x', // a trailing dot: another name to the policy, refused rather than guessed
      'http://charts.example.com/acme/x', // the operator allowed https only
    ]) expect(decideSource(policy, url).allowed, url).toBe(false);
    // Hosts the operator allows by address are compared as the URL parser writes them: decimal and hex
    // IPv4 forms are that address, an IPv6 literal is not an IPv4 one.
    const byAddress = { operator: ['127.0.0.1:8080'], declared: [] };
    expect(decideSource(byAddress, 'http://2130706433:8080/charts').allowed).toBe(true);
    expect(decideSource(byAddress, 'http://0x7f.1:8080/charts').allowed).toBe(true);
    expect(decideSource(byAddress, 'http://127.0.0.1:8081/charts').allowed).toBe(false);
    expect(decideSource(byAddress, 'http://[::ffff:127.0.0.1]:8080/charts').allowed).toBe(false);
  });
  it('allows what lies below it, encoded characters of the prefix itself included', () => {
    expect(decideSource(policy, 'https://charts.example.com/acme/stable').allowed).toBe(true);
    expect(decideSource(policy, 'https://CHARTS.example.com:443/acme/').allowed).toBe(true);
    expect(decideSource(policy, 'https://gitlab.example.com/api/v4/projects/acme%2Fcharts/packages/helm/stable').allowed).toBe(true);
  });
});

describe('a chart archive cannot rename an entry out of the chart folder through a header extension', () => {
  /** A tar entry (ustar header) of `type` with `data`; pax ('x') and GNU long-name ('L') entries rename the next one. */
  const entry = (name: string, type: string, data = ''): Buffer[] => {
    const body = Buffer.from(data);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100);
    header.write('0000644\0', 100);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write(type, 156);
    return [header, body, Buffer.alloc((512 - (body.length % 512)) % 512)];
  };
  const pax = (path: string) => { const rec = ` path=${path}\n`; const len = String(rec.length + String(rec.length + 2).length); return `${len}${rec}`; };
  const archive = (...parts: Buffer[][]) => gzipSync(Buffer.concat([...parts.flat(), Buffer.alloc(1024)]));
  let dest: string;
  beforeAll(async () => {
    dest = join(await mkdtemp(join(tmpdir(), 'bosun-extract-')), 'chart');
  });

  it('refuses a pax path, a GNU long name or a hard link that leaves it, and writes nothing outside', async () => {
    await expect(extractChartArchive(archive(entry('c/Chart.yaml', '0'), entry('PaxHeader', 'x', pax('c/../../escaped')), entry('c/ok', '0', 'x')), dest)).rejects.toThrow(/leaves the chart folder/);
    await expect(extractChartArchive(archive(entry('c/Chart.yaml', '0'), entry('././@LongLink', 'L', `c/${'../'.repeat(3)}escaped`), entry('c/ok', '0', 'x')), dest)).rejects.toThrow(/leaves the chart folder/);
    await expect(extractChartArchive(archive(entry('c/Chart.yaml', '0'), entry('PaxHeader', 'x', pax('/etc/escaped')), entry('c/ok', '0', 'x')), dest)).rejects.toThrow(/an absolute path/);
    await expect(extractChartArchive(archive(entry('c/Chart.yaml', '0'), entry('c/hard', '1')), dest)).rejects.toThrow(/is a hard link/);
    await expect(extractChartArchive(archive(entry('c/Chart.yaml', '0'), entry('c/dev', '3')), dest)).rejects.toThrow(/not a regular file/);
    await expect(extractChartArchive(archive(entry('c\\..\\..\\escaped', '0')), dest)).rejects.toThrow(/backslash/);
    expect(await readdir(join(dest, '..'))).not.toContain('escaped');
  });
});

describe('a redirect keeps the source\'s trust only within its origin (scheme, host and port)', () => {
  // helm's getter follows any redirect; bosun's trusted fetch does not let an allowed source send it to
  // another service of its host. `source` is the allowed repository, `other` another port on loopback.
  let work: string;
  let source: Server;
  let other: Server;
  let otherConnections = 0;
  let sourceUrl: string;
  let otherPort: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-fetch-redirect-'));
    other = createHttpServer((_, res) => res.end('from the other port'));
    other.on('connection', () => otherConnections++);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherPort = (other.address() as AddressInfo).port;
    source = createHttpServer((req, res) => {
      const to = { '/https-other-port/index.yaml': `https://127.0.0.1:${otherPort}/index.yaml`, '/http-other-port/index.yaml': `http://127.0.0.1:${otherPort}/index.yaml`, '/same-origin': '/here' }[req.url ?? ''];
      if (to) {
        res.statusCode = 302;
        res.setHeader('location', to);
      }
      res.end(to ? '' : 'from the source');
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    source?.close();
    other?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a redirect to another port of the same host, over https or http, without connecting to it', async () => {
    const fetcher = new ChartFetcher({ policy: { operator: [new URL(sourceUrl).host], declared: [] }, cacheDir: join(work, 'cache'), timeoutMs: 5000 });
    await expect(fetcher.fetch({ kind: 'repo', repoUrl: `${sourceUrl}/https-other-port`, chart: 'x' }))
      .rejects.toThrow(`redirected to another port or scheme of the same host (https://127.0.0.1:${otherPort}), which is not followed; allow 127.0.0.1:${otherPort} with BOSUN_CHART_SOURCES`);
    await expect(fetcher.fetch({ kind: 'repo', repoUrl: `${sourceUrl}/http-other-port`, chart: 'x' }))
      .rejects.toThrow(`redirected to another port or scheme of the same host (http://127.0.0.1:${otherPort}), which is not followed`);
    expect(otherConnections).toBe(0);
  });

  it('follows a redirect within the origin, and to another port the policy allows with that port\'s trust', async () => {
    const opts = { trust: 'operator' as const, maxBytes: 1024, timeoutMs: 5000 };
    const within = await httpGet(`${sourceUrl}/same-origin`, { ...opts, trustOf: () => undefined });
    expect([within.url, within.body.toString()]).toEqual([`${sourceUrl}/here`, 'from the source']);
    const allowed = await httpGet(`${sourceUrl}/http-other-port/index.yaml`, { ...opts, trustOf: (url) => (new URL(url).port === String(otherPort) ? 'operator' : undefined) });
    expect(allowed.body.toString()).toBe('from the other port');
  });

  it('judges https sources the same way: another port is another origin, an explicit default port is not', () => {
    const none = { trustOf: () => undefined };
    expect(() => redirectTrust('https://charts.example.com/index.yaml', 'https://charts.example.com:8443/index.yaml', 'base', none)).toThrow(/redirected to another port or scheme of the same host \(https:\/\/charts\.example\.com:8443\)/);
    expect(() => redirectTrust('http://charts.example.com/index.yaml', 'https://charts.example.com/index.yaml', 'base', none)).toThrow(/another port or scheme of the same host/);
    expect(() => redirectTrust('https://charts.example.com/index.yaml', 'http://charts.example.com/index.yaml', 'operator', { trustOf: () => 'operator' })).toThrow(/from https to http/);
    expect(redirectTrust('https://charts.example.com/index.yaml', 'https://CHARTS.example.com:443/stable/index.yaml', 'base', none)).toBe('base');
    expect(redirectTrust('https://charts.example.com/index.yaml', 'https://charts.example.com:8443/index.yaml', 'base', { trustOf: () => 'operator' })).toBe('operator');
    // A digest-checked download may still go to another public https origin (a CDN), as content.
    expect(redirectTrust('https://charts.example.com/a.tgz', 'https://cdn.example.net/a.tgz', 'base', { ...none, contentAddressed: true })).toBe('content');
  });
});
