// A local Helm repository (index.yaml + chart archives, made by the real helm binary: `helm package`,
// `helm repo index`) served over HTTP on loopback, and a minimal OCI distribution endpoint (tags list,
// manifests, blobs, optional anonymous bearer tokens) serving the same archives as Helm pushes them.
// No OCI registry can be run from npm or Debian packages here without a daemon and network setup, so the
// OCI side is a small server written to the distribution spec; the archives in it are real helm output.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { helmPath } from '../../src/util/tools.ts';

const run = promisify(execFile);

export interface ChartSpec {
  name: string;
  version: string;
  appVersion?: string;
  /** templates/<file> → content */
  templates?: Record<string, string>;
  values?: string;
  /** Other files (crds/x.yaml, values.schema.json…), relative to the chart folder. */
  files?: Record<string, string>;
}

/** The chart folder for a spec: Chart.yaml, values.yaml, templates. */
export async function writeChart(dir: string, spec: ChartSpec): Promise<string> {
  const chartDir = join(dir, spec.name);
  await mkdir(join(chartDir, 'templates'), { recursive: true });
  await writeFile(join(chartDir, 'Chart.yaml'), `apiVersion: v2\nname: ${spec.name}\nversion: ${spec.version}\n${spec.appVersion ? `appVersion: "${spec.appVersion}"\n` : ''}`);
  await writeFile(join(chartDir, 'values.yaml'), spec.values ?? 'replicaCount: 1\nimage: nginx:1.25\n');
  const templates = spec.templates ?? {
    'deployment.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      '  labels:',
      '    chart: {{ .Chart.Name }}-{{ .Chart.Version }}',
      'spec:',
      '  replicas: {{ .Values.replicaCount }}',
      '  selector:',
      '    matchLabels: {app: {{ .Release.Name }}}',
      '  template:',
      '    metadata:',
      '      labels: {app: {{ .Release.Name }}}',
      '    spec:',
      '      containers:',
      '        - name: app',
      '          image: {{ .Values.image }}',
      '',
    ].join('\n'),
  };
  for (const [file, content] of Object.entries(templates)) await writeFile(join(chartDir, 'templates', file), content);
  for (const [file, content] of Object.entries(spec.files ?? {})) {
    await mkdir(join(chartDir, file, '..'), { recursive: true });
    await writeFile(join(chartDir, file), content);
  }
  return chartDir;
}

export interface ServedRepo {
  /** `http://127.0.0.1:<port>` (the Helm repository is at its root). */
  url: string;
  /** `oci://127.0.0.1:<port>/charts`: the same charts as OCI artifacts (`<url>/<name>`). */
  ociBase: string;
  /** Folder served: index.yaml and the .tgz archives. */
  dir: string;
  /** Request paths in order, for assertions (which URLs bosun asked for). */
  requests: string[];
  /** The Host header of each request, in the same order. */
  hosts: string[];
  /** Adds a chart version: packages it with helm, re-indexes, and pushes it to the OCI side. */
  add(spec: ChartSpec): Promise<{ archive: string; digest: string }>;
  /** Extra routes answered before files: return true when handled. */
  route(handler: (req: IncomingMessage, res: ServerResponse) => boolean): void;
  /** OCI side: require an anonymous bearer token from `/token` (as ghcr.io does). */
  requireToken(on: boolean): void;
  close(): Promise<void>;
}

/** Starts a Helm repository + OCI endpoint on 127.0.0.1 with the given charts. */
export async function serveChartRepo(charts: ChartSpec[] = []): Promise<ServedRepo> {
  const work = await mkdtemp(join(tmpdir(), 'bosun-chart-repo-'));
  const dir = join(work, 'repo');
  const src = join(work, 'src');
  await mkdir(dir, { recursive: true });
  await mkdir(src, { recursive: true });
  const requests: string[] = [];
  const hosts: string[] = [];
  const routes: Array<(req: IncomingMessage, res: ServerResponse) => boolean> = [];
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Map<string, Buffer>>(); // repo → tag|digest → manifest bytes
  let tokenRequired = false;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push(req.url ?? '/');
      hosts.push(req.headers.host ?? '');
      for (const r of routes) if (r(req, res)) return;
      if (path === '/token') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ token: 'anonymous-pull-token' }));
        return;
      }
      const oci = /^\/v2\/(.+)\/(tags\/list|manifests\/([^/]+)|blobs\/(sha256:[0-9a-f]{64}))$/.exec(path);
      if (oci) {
        if (tokenRequired && req.headers.authorization !== 'Bearer anonymous-pull-token') {
          res.statusCode = 401;
          res.setHeader('www-authenticate', `Bearer realm="http://127.0.0.1:${port()}/token",service="test-registry",scope="repository:${oci[1]}:pull"`);
          res.end();
          return;
        }
        const repo = oci[1];
        if (oci[2] === 'tags/list') {
          const tags = [...(manifests.get(repo)?.keys() ?? [])].filter((t) => !t.startsWith('sha256:'));
          if (tags.length === 0) return notFound(res);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ name: repo, tags }));
          return;
        }
        if (oci[3]) {
          const body = manifests.get(repo)?.get(oci[3]);
          if (!body) return notFound(res);
          res.setHeader('content-type', 'application/vnd.oci.image.manifest.v1+json');
          res.setHeader('docker-content-digest', `sha256:${sha256(body)}`);
          res.end(body);
          return;
        }
        const blob = blobs.get(oci[4]);
        if (!blob) return notFound(res);
        res.end(blob);
        return;
      }
      if (path.includes('..')) return notFound(res);
      try {
        const body = await readFile(join(dir, path));
        res.end(body);
      } catch {
        notFound(res);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = () => (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port()}`;

  const add = async (spec: ChartSpec) => {
    const chartDir = await writeChart(join(src, `${spec.name}-${spec.version}`), spec);
    await run(helmPath(), ['package', chartDir, '--destination', dir], { env: helmEnv(work) });
    await run(helmPath(), ['repo', 'index', dir], { env: helmEnv(work) });
    const archive = join(dir, `${spec.name}-${spec.version}.tgz`);
    const data = await readFile(archive);
    const digest = sha256(data);
    // As `helm push` stores it: a config blob with the chart's metadata and one chart-content layer.
    const config = Buffer.from(JSON.stringify({ name: spec.name, version: spec.version, apiVersion: 'v2' }));
    blobs.set(`sha256:${digest}`, data);
    blobs.set(`sha256:${sha256(config)}`, config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: `sha256:${digest}`, size: data.length }],
    }));
    const repo = `charts/${spec.name}`;
    const byRef = manifests.get(repo) ?? new Map<string, Buffer>();
    byRef.set(spec.version.replace(/\+/g, '_'), manifest);
    byRef.set(`sha256:${sha256(manifest)}`, manifest);
    manifests.set(repo, byRef);
    return { archive, digest };
  };
  for (const c of charts) await add(c);

  return {
    url,
    ociBase: `oci://127.0.0.1:${port()}/charts`,
    dir,
    requests,
    hosts,
    add,
    route: (h) => routes.push(h),
    requireToken: (on) => {
      tokenRequired = on;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(work, { recursive: true, force: true });
    },
  };
}

function notFound(res: ServerResponse): void {
  res.statusCode = 404;
  res.end('not found');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function helmEnv(work: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: work, HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_DATA_HOME: join(work, 'helm-data') };
}

/** The archives in a served repository folder (for tests that look at what helm wrote). */
export async function archivesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.tgz')).sort();
}
