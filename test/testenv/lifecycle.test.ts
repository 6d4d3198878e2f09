import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';
import { ensureBinaries, type TestenvBinaries } from '../../testkit/testenv/build.ts';
import { startTestCluster } from '../../testkit/testenv/cluster.ts';
import { cacheRoot, checkoutRoot, clusterSlot, K8S_VERSION, runDir, versionDir } from '../../testkit/testenv/paths.ts';
import { runningClusterFor, type RunState } from '../../testkit/testenv/state.ts';
import { eventually, running } from './helpers.ts';

let binaries: TestenvBinaries;

beforeAll(async () => {
  // normally a no-op: the global setup built them already
  binaries = await ensureBinaries({ log: (line) => process.stderr.write(`${line}\n`) });
});

async function answersDefaultNamespace(kubeconfigPath: string): Promise<boolean> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'default' });
  return ns.metadata?.name === 'default';
}

describe('startTestCluster', () => {
  it('stop() ends every process it started and removes the cluster folder', async () => {
    const cluster = await startTestCluster({ binaries });
    const pids = Object.values(cluster.pids).filter((p): p is number => p !== undefined);
    expect(pids).toHaveLength(4); // etcd, apiserver, controller-manager, watchdog
    expect(pids.every(running)).toBe(true);
    expect(await answersDefaultNamespace(cluster.kubeconfigPath)).toBe(true);

    await cluster.stop();

    expect(pids.filter(running)).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
  });

  it('is stopped by its watchdog when the process that started it is killed', async () => {
    const script = [
      `import { startTestCluster } from ${JSON.stringify(join(projectRoot, 'testkit/testenv/cluster.ts'))};`,
      'const c = await startTestCluster();',
      'console.log(JSON.stringify({ dir: c.dir, pids: c.pids }));',
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    // plain node with the tsx loader: the tsx CLI would run the script in a grandchild we could not kill
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    await eventually('the child reports its cluster', () => out.includes('\n'), 90_000);
    const started = JSON.parse(out) as Pick<RunState, 'dir' | 'pids'>;
    const servers = [started.pids.etcd!, started.pids.apiserver!, started.pids.controllerManager!];
    expect(servers.every(running)).toBe(true);

    child.kill('SIGKILL');

    await eventually('the servers are gone', () => !servers.some(running), 30_000);
    await eventually('the cluster folder is removed', () => !existsSync(started.dir), 10_000);
    await eventually('the watchdog itself exits', () => !running(started.pids.watchdog!), 10_000);
  });
});

describe('npm run testenv', () => {
  // its own state folder, so a cluster someone started by hand is never touched; the built binaries are shared
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bosun-testenv-cli-'));
    symlinkSync(versionDir(cacheRoot()), join(root, K8S_VERSION));
  });
  afterAll(() => {
    testenv('down');
    testenv('down', '--name', 'second');
    rmSync(root, { recursive: true, force: true });
  });

  function testenv(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync('npm', ['run', '--silent', 'testenv', '--', ...args], {
      cwd: projectRoot,
      env: { ...process.env, BOSUN_TESTENV_CACHE: root },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('`up` leaves a running cluster and prints its kubeconfig; `down` stops exactly what up started', async () => {
    const up = testenv('up');
    expect(up.status, up.stderr).toBe(0);
    const kubeconfigLine = up.stdout.split('\n').find((line) => line.startsWith('KUBECONFIG='));
    expect(kubeconfigLine).toBeDefined();
    const kubeconfigPath = kubeconfigLine!.slice('KUBECONFIG='.length);
    const stateFile = join(runDir(clusterSlot({ checkout: checkoutRoot() }), root), 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as RunState;
    expect(state.checkout).toBe(checkoutRoot());
    expect(state.kubeconfigPath).toBe(kubeconfigPath);
    const pids = [state.pids.etcd!, state.pids.apiserver!, state.pids.controllerManager!];
    expect(pids.every(running)).toBe(true);
    expect(await answersDefaultNamespace(kubeconfigPath)).toBe(true);
    expect(testenv('status').status).toBe(0);

    const again = testenv('up');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`KUBECONFIG=${kubeconfigPath}`);

    const down = testenv('down');
    expect(down.status, down.stderr).toBe(0);
    expect(pids.filter(running)).toEqual([]);
    expect(existsSync(state.dir)).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
    expect(testenv('status').status).toBe(1);
  });

  it('a named cluster lives beside the checkout\'s: the checkout\'s `down` stops only its own, and the test run finds the checkout\'s', async () => {
    const named = testenv('up', '--name', 'second');
    expect(named.status, named.stderr).toBe(0);
    expect(named.stderr).toContain('name "second"');
    const mine = testenv('up');
    expect(mine.status, mine.stderr).toBe(0);
    const kubeconfigOf = (out: string) => out.split('\n').find((line) => line.startsWith('KUBECONFIG='))!.slice('KUBECONFIG='.length);
    expect(kubeconfigOf(named.stdout)).not.toBe(kubeconfigOf(mine.stdout));

    const checkoutSlot = clusterSlot({ checkout: checkoutRoot() });
    const namedSlot = clusterSlot({ checkout: checkoutRoot(), name: 'second' });
    // what the global setup of a test run in this checkout picks up (with BOSUN_TESTENV_NAME=second: the named one)
    expect(runningClusterFor(checkoutSlot, root)?.kubeconfigPath).toBe(kubeconfigOf(mine.stdout));
    expect(runningClusterFor(namedSlot, root)?.kubeconfigPath).toBe(kubeconfigOf(named.stdout));
    const listed = testenv('list');
    expect(listed.stderr).toContain(`checkout ${checkoutRoot()}`);
    expect(listed.stderr).toContain('name "second"');

    const namedState = JSON.parse(readFileSync(join(runDir(namedSlot, root), 'state.json'), 'utf8')) as RunState;
    const mineState = JSON.parse(readFileSync(join(runDir(checkoutSlot, root), 'state.json'), 'utf8')) as RunState;
    const serversOf = (s: RunState) => [s.pids.etcd!, s.pids.apiserver!, s.pids.controllerManager!];

    expect(testenv('down').status).toBe(0);
    expect(serversOf(mineState).filter(running)).toEqual([]);
    expect(runningClusterFor(checkoutSlot, root)).toBeUndefined();
    expect(serversOf(namedState).every(running)).toBe(true);
    expect(await answersDefaultNamespace(namedState.kubeconfigPath)).toBe(true);
    const status = testenv('status', '--name', 'second');
    expect(status.status).toBe(0);
    expect(status.stderr).toContain('the test cluster for name "second"');

    expect(testenv('down', '--name', 'second').status).toBe(0);
    expect(serversOf(namedState).filter(running)).toEqual([]);
    expect(runningClusterFor(namedSlot, root)).toBeUndefined();
  }, 180_000);

  it('rejects an unknown command with a usage message', () => {
    const result = testenv('upp');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run testenv -- up | down | status | list | build [--name NAME]');
  });
});
