import { X509Certificate } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BosunError } from '../../src/model/errors.ts';
import { ensureBinaries, type TestenvBinaries } from './build.ts';
import { tailLines, type Log } from './exec.ts';
import { get } from './http.ts';
import { newToken, serviceAccountKeys, tokenAuthFile } from './credentials.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { freePort } from './ports.ts';
import { isAlive, spawnServer } from './processes.ts';
import { stopCluster, type ClusterProcesses } from './stop.ts';

export interface TestCluster {
  /** Admin kubeconfig (group system:masters), server verified against the apiserver's own CA. */
  kubeconfigPath: string;
  server: string;
  token: string;
  caFile?: string;
  /** A user that authenticates but has no RBAC bindings: reads and writes of resources get 403. */
  limitedToken: string;
  limitedKubeconfigPath: string;
  /** The cluster's folder: kubeconfigs, certificates, etcd data and one log file per server. */
  dir: string;
  pids: ClusterProcesses;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Log;
  /** Folder for the cluster's files (must be empty or absent); default a new temp folder. Removed by stop(). */
  dir?: string;
  /** Skip the build check (already done by the caller). */
  binaries?: TestenvBinaries;
  /**
   * Keep running after this process exits (the `testenv up` CLI). By default a watchdog stops the cluster
   * when the starting process dies without calling stop(), so a killed test run leaves nothing behind.
   */
  persistent?: boolean;
  timeoutMs?: number;
}

const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** A start attempt lost a port to another process between picking it and binding it. */
class PortTaken extends Error {}

/** /dev/shm when available: etcd fsyncs every write, and the data is thrown away anyway. */
function defaultParent(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager on free loopback ports. Resolves once the API
 * answers /readyz, the `default` namespace exists and the controller-manager has done work (the default
 * ServiceAccount exists), so namespace deletion and garbage collection work from the first test.
 */
export async function startTestCluster(opts: StartOptions = {}): Promise<TestCluster> {
  const log = opts.log ?? (() => undefined);
  const binaries = opts.binaries ?? (await ensureBinaries({ log }));
  let dir: string;
  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    if (readdirSync(opts.dir).length > 0) {
      throw new BosunError({ kind: 'usage', message: `testenv: cluster folder ${opts.dir} is not empty; pass an empty or new folder`, field: 'dir' });
    }
    dir = opts.dir;
  } else {
    dir = mkdtempSync(join(defaultParent(), 'bosun-testenv-'));
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startIn(dir, binaries, log, opts);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 3) throw err;
      log(`[testenv] ${err.message}; retrying on other ports`);
    }
  }
}

async function startIn(dir: string, bin: TestenvBinaries, log: Log, opts: StartOptions): Promise<TestCluster> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 90_000);
  const pids: ClusterProcesses = {};
  const pidsFile = join(dir, 'pids');
  writeFileSync(pidsFile, '');
  const track = (name: keyof ClusterProcesses, pid: number): void => {
    pids[name] = pid;
    if (name !== 'watchdog') appendFileSync(pidsFile, `${pid}\n`);
  };
  try {
    if (!opts.persistent) track('watchdog', startWatchdog(dir));

    const [clientPort, peerPort, apiPort] = await distinctFreePorts(3);
    const etcdData = join(dir, 'etcd');
    const etcdLog = join(dir, 'etcd.log');
    track(
      'etcd',
      spawnServer(
        bin.etcd,
        [
          '--name=testenv',
          `--data-dir=${etcdData}`,
          `--listen-client-urls=http://127.0.0.1:${clientPort}`,
          `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
          `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
          `--initial-cluster=testenv=http://127.0.0.1:${peerPort}`,
          '--log-level=warn',
          '--logger=zap',
        ],
        etcdLog,
      ),
    );
    await waitFor('etcd', deadline, pids.etcd!, etcdLog, async () => {
      const health = await get(`http://127.0.0.1:${clientPort}/health`, { timeoutMs: 2_000 });
      return health.status === 200 && health.body.includes('true');
    });

    const admin = newToken();
    const limited = newToken();
    const controllerToken = newToken();
    const tokensFile = join(dir, 'tokens.csv');
    writeFileSync(
      tokensFile,
      tokenAuthFile([
        { token: admin, user: 'bosun-testenv-admin', groups: ['system:masters'] },
        { token: controllerToken, user: 'system:kube-controller-manager', groups: ['system:masters'] },
        { token: limited, user: 'bosun-testenv-limited', groups: [] },
      ]),
      { mode: 0o600 },
    );
    const keys = serviceAccountKeys();
    const saKey = join(dir, 'sa.key');
    const saPub = join(dir, 'sa.pub');
    writeFileSync(saKey, keys.privateKeyPem, { mode: 0o600 });
    writeFileSync(saPub, keys.publicKeyPem);
    const certDir = join(dir, 'certs');
    mkdirSync(certDir);
    const apiLog = join(dir, 'kube-apiserver.log');
    track(
      'apiserver',
      spawnServer(
        bin.apiserver,
        [
          `--etcd-servers=http://127.0.0.1:${clientPort}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--cert-dir=${certDir}`,
          `--token-auth-file=${tokensFile}`,
          '--authorization-mode=RBAC',
          `--service-account-key-file=${saPub}`,
          `--service-account-signing-key-file=${saKey}`,
          `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
          '--service-cluster-ip-range=10.96.0.0/16',
          // the loopback address cannot be published as the `kubernetes` Service endpoint
          '--endpoint-reconciler-type=none',
          '--profiling=false',
        ],
        apiLog,
      ),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    let caPem: string | undefined;
    let caFile: string | undefined;
    await waitFor('kube-apiserver', deadline, pids.apiserver!, apiLog, async () => {
      if (caPem === undefined) {
        caPem = issuingCa(join(certDir, 'apiserver.crt'));
        if (caPem === undefined) return false;
      }
      const ready = await get(`${server}/readyz`, { token: admin, ca: caPem || undefined, timeoutMs: 3_000 });
      return ready.status === 200;
    });
    if (caPem) {
      caFile = join(dir, 'ca.crt');
      writeFileSync(caFile, caPem);
    } else {
      log('[testenv] the apiserver certificate has no usable CA; kubeconfigs skip TLS verification');
    }

    const kubeconfigPath = join(dir, 'kubeconfig');
    const limitedKubeconfigPath = join(dir, 'limited.kubeconfig');
    const controllerKubeconfig = join(dir, 'controller-manager.kubeconfig');
    writeFileSync(kubeconfigPath, renderKubeconfig({ name: 'bosun-testenv', server, token: admin, caFile }), { mode: 0o600 });
    writeFileSync(limitedKubeconfigPath, renderKubeconfig({ name: 'bosun-testenv-limited', server, token: limited, caFile }), { mode: 0o600 });
    writeFileSync(controllerKubeconfig, renderKubeconfig({ name: 'controller-manager', server, token: controllerToken, caFile }), { mode: 0o600 });

    const cmLog = join(dir, 'kube-controller-manager.log');
    track(
      'controllerManager',
      spawnServer(
        bin.controllerManager,
        [
          `--kubeconfig=${controllerKubeconfig}`,
          // namespace + garbagecollector: deletion cascades; deployment + replicaset: rollouts create
          // ReplicaSets and Pods; serviceaccount(-token): the default ServiceAccount every Pod needs;
          // pvc-protection + pv-protection: without them a deleted PVC keeps its finalizer forever and
          // its namespace never finishes terminating.
          '--controllers=namespace,garbagecollector,deployment,replicaset,serviceaccount,serviceaccount-token,pvc-protection,pv-protection',
          `--service-account-private-key-file=${saKey}`,
          ...(caFile ? [`--root-ca-file=${caFile}`] : []),
          '--leader-elect=false',
          // no serving ports: two clusters on one machine would fight over the fixed defaults
          '--port=0',
          '--secure-port=0',
        ],
        cmLog,
      ),
    );
    await waitFor('kube-controller-manager', deadline, pids.controllerManager!, cmLog, async () => {
      const sa = await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, { token: admin, ca: caPem || undefined });
      return sa.status === 200;
    });
    log(`[testenv] Kubernetes 1.20 test cluster ready at ${server} in ${Math.round((Date.now() - started) / 100) / 10} s`);

    let stopped: Promise<void> | undefined;
    return {
      kubeconfigPath,
      server,
      token: admin,
      caFile,
      limitedToken: limited,
      limitedKubeconfigPath,
      dir,
      pids,
      stop: () => (stopped ??= stopCluster(pids, dir).then(() => undefined)),
    };
  } catch (err) {
    await stopCluster(pids, dir).catch(() => undefined);
    if (!(err instanceof PortTaken)) throw err;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    throw err;
  }
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * The CA the apiserver generated for its self-signed serving certificate: `apiserver.crt` holds the leaf
 * then the CA. '' when the file exists but holds no CA that signed a leaf valid for 127.0.0.1;
 * undefined while the file is not written yet.
 */
function issuingCa(certFile: string): string | undefined {
  if (!existsSync(certFile)) return undefined;
  const blocks: string[] = readFileSync(certFile, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
  // the file may be caught half-written: give the CA block a moment to appear
  if (blocks.length === 0 || (blocks.length === 1 && Date.now() - statSync(certFile).mtimeMs < 2_000)) return undefined;
  try {
    const leaf = new X509Certificate(blocks[0]);
    for (const block of blocks.slice(1)) {
      const ca = new X509Certificate(block);
      if (ca.ca && leaf.verify(ca.publicKey) && leaf.checkIP('127.0.0.1')) return block;
    }
  } catch {
    return '';
  }
  return '';
}

/**
 * Polls `ready` until it says yes. Fails fast, with the server's log tail, when the process exits; a
 * port conflict becomes PortTaken so the start is retried on other ports.
 */
async function waitFor(name: string, deadline: number, pid: number, logFile: string, ready: () => Promise<boolean>): Promise<void> {
  const logTail = (): string => (existsSync(logFile) ? tailLines(readFileSync(logFile, 'utf8'), 25) : '(no output)');
  for (;;) {
    if (!isAlive(pid)) {
      const tail = logTail();
      if (/address already in use/i.test(tail)) throw new PortTaken(`${name} could not bind its port`);
      throw new BosunError({ kind: 'internal', message: `testenv: ${name} exited during start. Its last output:\n${tail}` });
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new BosunError({ kind: 'internal', message: `testenv: ${name} was not ready in time. Its last output:\n${logTail()}` });
    }
    await sleep(200);
  }
}

/**
 * A shell loop that outlives us: once our process is gone (or a zombie) it stops every server listed
 * in the pids file, by process group, but only while that pid still runs with our folder in its
 * arguments, then removes the folder.
 */
function startWatchdog(dir: string): number {
  const script = [
    'alive() { [ -r "/proc/$1/stat" ] && [ "$(sed "s/.*) //" "/proc/$1/stat" | cut -c1)" != Z ]; }',
    'ours() { alive "$1" && grep -qaF -- "$2" "/proc/$1/cmdline"; }',
    'signal() { for p in $(cat "$2/pids" 2>/dev/null); do ours "$p" "$2" && kill -s "$3" -- "-$p" 2>/dev/null; done; }',
    'left() { for p in $(cat "$2/pids" 2>/dev/null); do ours "$p" "$2" && return 0; done; return 1; }',
    'while alive "$1"; do sleep 1; done',
    'signal "$1" "$2" TERM',
    'i=0; while [ $i -lt 50 ] && left "$1" "$2"; do sleep 0.1; i=$((i+1)); done',
    'signal "$1" "$2" KILL',
    'rm -rf -- "$2"',
  ].join('\n');
  return spawnServer('sh', ['-c', script, 'bosun-testenv-watchdog', String(process.pid), dir], '/dev/null');
}
