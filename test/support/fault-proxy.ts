// Fault injection in front of a real API server, for retry and partial-apply tests. Two doors:
// - a TCP proxy (TLS passes through untouched): resets and delays whole connections;
// - an HTTPS proxy that terminates TLS with its own self-signed certificate and forwards each request
//   to the API server: answers chosen requests with 5xx/429 (TLS being end-to-end, that cannot be done
//   at TCP level) or drops them mid-flight.
// Each door comes with a kubeconfig that is the original one with its server (and CA) swapped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export interface RequestMatch {
  method?: string;
  /** Substring of the request path (query included). */
  path?: string;
}

export interface SeenRequest {
  method: string;
  path: string;
  status: number;
  injected: boolean;
}

export interface FaultProxy {
  /** Kubeconfig through the TCP proxy. */
  tcpKubeconfigPath: string;
  /** Kubeconfig through the TLS-terminating HTTPS proxy. */
  httpsKubeconfigPath: string;
  /** TCP: the next `n` connections are reset (RST) as soon as they open. */
  resetNextConnections(n: number): void;
  /** TCP: the next `n` connections sit silent for `ms` before being connected through. */
  delayNextConnections(n: number, ms: number): void;
  /** HTTPS: the next `count` matching requests get `status` (with Retry-After when given); Infinity = until cleared. */
  failRequests(opts: { count: number; status: number; retryAfterSeconds?: number; match?: RequestMatch }): void;
  /** HTTPS: the next `count` matching requests have their connection destroyed without an answer. */
  dropRequests(opts: { count: number; match?: RequestMatch }): void;
  clearFaults(): void;
  /** Every request the HTTPS proxy saw, in order. */
  readonly requests: SeenRequest[];
  /** Connections the TCP proxy reset. */
  readonly resets: number;
  stop(): Promise<void>;
}

interface Upstream {
  host: string;
  port: number;
  ca?: Buffer;
  insecure: boolean;
}

interface KubeconfigDoc {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  contexts: Array<{ name: string; context: { cluster: string } }>;
  'current-context': string;
}

export async function startFaultProxy(kubeconfigPath: string): Promise<FaultProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-fault-proxy-'));
  const doc = parse(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigDoc;
  const context = doc.contexts.find((c) => c.name === doc['current-context']);
  const cluster = doc.clusters.find((c) => c.name === context?.context.cluster);
  if (!cluster) throw new Error(`fault proxy: ${kubeconfigPath} has no current cluster`);
  const server = new URL(String(cluster.cluster.server));
  const caFile = cluster.cluster['certificate-authority'] as string | undefined;
  const caData = cluster.cluster['certificate-authority-data'] as string | undefined;
  const upstream: Upstream = {
    host: server.hostname,
    port: Number(server.port || 443),
    ca: caData ? Buffer.from(caData, 'base64') : caFile ? readFileSync(isAbsolute(caFile) ? caFile : resolve(dirname(kubeconfigPath), caFile)) : undefined,
    insecure: cluster.cluster['insecure-skip-tls-verify'] === true,
  };

  const { key, cert } = selfSignedCertificate(dir);
  let resetBudget = 0;
  let delayBudget = 0;
  let delayMs = 0;
  let resets = 0;
  let failRule: { count: number; status: number; retryAfterSeconds?: number; match?: RequestMatch } | undefined;
  let dropRule: { count: number; match?: RequestMatch } | undefined;
  const requests: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const tcp = net.createServer((client) => {
    track(client);
    client.on('error', () => undefined);
    if (resetBudget > 0) {
      resetBudget--;
      resets++;
      client.resetAndDestroy();
      return;
    }
    const wait = delayBudget > 0 ? (delayBudget--, delayMs) : 0;
    client.pause();
    setTimeout(() => {
      if (client.destroyed) return;
      const up = net.connect(upstream.port, upstream.host, () => {
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
      track(up);
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
    }, wait);
  });

  const agent = new https.Agent({ keepAlive: true, ca: upstream.ca, rejectUnauthorized: !upstream.insecure });
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const matches = (m?: RequestMatch): boolean => (!m?.method || m.method === method) && (!m?.path || path.includes(m.path));
    if (dropRule && dropRule.count > 0 && matches(dropRule.match)) {
      dropRule.count--;
      requests.push({ method, path, status: 0, injected: true });
      req.socket.destroy();
      return;
    }
    if (failRule && failRule.count > 0 && matches(failRule.match)) {
      failRule.count--;
      const status = failRule.status;
      requests.push({ method, path, status, injected: true });
      req.resume();
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (failRule.retryAfterSeconds !== undefined) headers['Retry-After'] = String(failRule.retryAfterSeconds);
      res.writeHead(status, headers);
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `injected by the fault proxy: ${status}`, reason: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', code: status }));
      return;
    }
    const headers = { ...req.headers, host: `${upstream.host}:${upstream.port}` };
    const up = https.request({ host: upstream.host, port: upstream.port, method, path, headers, agent }, (upRes) => {
      requests.push({ method, path, status: upRes.statusCode ?? 0, injected: false });
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', (error) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`fault proxy: upstream error ${error.message}`);
    });
    req.pipe(up);
  };
  const httpsServer = https.createServer({ key, cert }, forward);
  httpsServer.on('connection', track);

  const tcpPort = await listen(tcp);
  const httpsPort = await listen(httpsServer);

  const rewrite = (port: number, ca?: Buffer): string => {
    const copy = structuredClone(doc);
    const target = copy.clusters.find((c) => c.name === cluster.name)!.cluster;
    target.server = `https://127.0.0.1:${port}`;
    if (ca) {
      delete target['certificate-authority'];
      delete target['insecure-skip-tls-verify'];
      target['certificate-authority-data'] = ca.toString('base64');
    } else if (caFile && !isAbsolute(caFile)) {
      target['certificate-authority'] = resolve(dirname(kubeconfigPath), caFile);
    }
    const file = join(dir, `kubeconfig-${port}.yaml`);
    writeFileSync(file, stringify(copy), { mode: 0o600 });
    return file;
  };

  return {
    tcpKubeconfigPath: rewrite(tcpPort),
    httpsKubeconfigPath: rewrite(httpsPort, cert),
    resetNextConnections(n) {
      resetBudget = n;
    },
    delayNextConnections(n, ms) {
      delayBudget = n;
      delayMs = ms;
    },
    failRequests(opts) {
      failRule = { ...opts };
    },
    dropRequests(opts) {
      dropRule = { ...opts };
    },
    clearFaults() {
      resetBudget = 0;
      delayBudget = 0;
      failRule = undefined;
      dropRule = undefined;
    },
    requests,
    get resets() {
      return resets;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await Promise.all([close(tcp), close(httpsServer)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway certificate for 127.0.0.1 (node:crypto cannot issue certificates; openssl can). */
function selfSignedCertificate(dir: string): { key: Buffer; cert: Buffer } {
  const keyFile = join(dir, 'proxy.key');
  const certFile = join(dir, 'proxy.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', '/CN=bosun-fault-proxy', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'pipe' });
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as net.AddressInfo).port));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}
