// A TCP gate in front of the test API server (TLS passes through untouched), with its own kubeconfig: it
// can cut every open connection and refuse new ones (reset as they open) until it is opened again. From
// bosun's side that is an API server that went away — restarted, or unreachable — and came back at the
// same address. It does not restart the API server itself: what the server had in flight is not lost.
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export interface TcpGate {
  kubeconfigPath: string;
  /** Cuts every open connection and resets new ones until `open()`. */
  shut(): void;
  open(): void;
  /** Connections reset while shut. */
  readonly refused: number;
  close(): Promise<void>;
}

interface Kubeconfig {
  'current-context': string;
  contexts: Array<{ name: string; context: { cluster: string } }>;
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
}

export async function startTcpGate(kubeconfigPath: string, dir: string): Promise<TcpGate> {
  const doc = parse(readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig;
  const context = doc.contexts.find((c) => c.name === doc['current-context']);
  const cluster = doc.clusters.find((c) => c.name === context?.context.cluster);
  if (!cluster) throw new Error(`tcp gate: ${kubeconfigPath} has no current cluster`);
  const upstream = new URL(String(cluster.cluster.server));
  let shut = false;
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    if (shut) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const up = net.connect(Number(upstream.port || 443), upstream.hostname);
    track(up);
    client.pipe(up);
    up.pipe(client);
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const port = (server.address() as net.AddressInfo).port;
  const copy = structuredClone(doc);
  const target = copy.clusters.find((c) => c.name === cluster.name)!.cluster;
  target.server = `https://127.0.0.1:${port}`;
  const caFile = target['certificate-authority'];
  if (typeof caFile === 'string' && !isAbsolute(caFile)) target['certificate-authority'] = resolve(dirname(kubeconfigPath), caFile);
  const file = join(dir, `kubeconfig-gate-${port}.yaml`);
  writeFileSync(file, stringify(copy), { mode: 0o600 });
  return {
    kubeconfigPath: file,
    shut() {
      shut = true;
      for (const s of sockets) s.destroy();
    },
    open() {
      shut = false;
    },
    get refused() {
      return refused;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
