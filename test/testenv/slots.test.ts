import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BosunError } from '../../src/model/errors.ts';
import { checkoutRoot, clusterSlot, legacyStateFile, nameFrom, runDir } from '../../testkit/testenv/paths.ts';
import { clearState, findState, runningClusterFor, writeState, type RunState } from '../../testkit/testenv/state.ts';
import { eventually, running } from './helpers.ts';

const temps: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  temps.push(dir);
  return dir;
}

function recorded(dir: string, pids: RunState['pids'] = { etcd: 2_000_000_000 }): RunState {
  return { dir, kubeconfigPath: join(dir, 'kubeconfig'), limitedKubeconfigPath: join(dir, 'limited.kubeconfig'), server: 'https://127.0.0.1:1', pids, startedAt: '2026-01-01T00:00:00.000Z' };
}

describe('testenv cluster slots', () => {
  it('gives two checkouts different state folders, and one checkout the same one every time', () => {
    const a = clusterSlot({ checkout: '/work/main' });
    const b = clusterSlot({ checkout: '/tmp/clone/main' });
    expect(a.key).not.toBe(b.key);
    expect(runDir(a, '/cache')).not.toBe(runDir(b, '/cache'));
    expect(clusterSlot({ checkout: '/work/main' })).toEqual(a);
    expect(a.key).toMatch(/^checkout-main-[0-9a-f]{12}$/);
    expect(runDir(a, '/cache')).toBe(`/cache/run/${a.key}`);
  });

  it('lets an explicit name win over the checkout: the same name is the same cluster from any checkout', () => {
    const fromMain = clusterSlot({ checkout: '/work/main', name: 'review' });
    const fromClone = clusterSlot({ checkout: '/tmp/clone', name: 'review' });
    expect(fromMain.key).toBe('name-review');
    expect(fromClone.key).toBe(fromMain.key);
    expect(fromMain.key).not.toBe(clusterSlot({ checkout: '/work/main' }).key);
  });

  it('reads the name from --name, --name=, then BOSUN_TESTENV_NAME, and rejects names that are not folder-safe', () => {
    expect(nameFrom(['up', '--name', 'x1'], {})).toEqual({ name: 'x1', rest: ['up'] });
    expect(nameFrom(['--name=x2', 'down'], {})).toEqual({ name: 'x2', rest: ['down'] });
    expect(nameFrom(['status'], { BOSUN_TESTENV_NAME: 'from-env' })).toEqual({ name: 'from-env', rest: ['status'] });
    expect(nameFrom(['status', '--name', 'flag'], { BOSUN_TESTENV_NAME: 'from-env' }).name).toBe('flag');
    expect(nameFrom(['up'], {}).name).toBeUndefined();
    expect(() => nameFrom(['up', '--name'], {})).toThrow(/--name needs a value/);
    expect(() => clusterSlot({ checkout: '/w', name: '../escape' })).toThrow(BosunError);
    expect(() => clusterSlot({ checkout: '/w', name: 'a b' })).toThrow(/cluster name "a b" must be/);
  });

  it('finds only its own slot\'s state, and clearing one slot leaves the other\'s', () => {
    const root = temp('bosun-testenv-slots-');
    const a = clusterSlot({ checkout: '/work/a' });
    const b = clusterSlot({ checkout: '/work/b' });
    const named = clusterSlot({ checkout: '/work/a', name: 'other' });
    writeState(runDir(a, root), recorded('/dev/shm/cluster-a'));
    writeState(runDir(b, root), recorded('/dev/shm/cluster-b'));
    expect(findState(a, root)?.state.dir).toBe('/dev/shm/cluster-a');
    expect(findState(b, root)?.state.dir).toBe('/dev/shm/cluster-b');
    expect(findState(named, root)).toBeUndefined();

    clearState(findState(a, root)!);
    expect(findState(a, root)).toBeUndefined();
    expect(findState(b, root)?.state.dir).toBe('/dev/shm/cluster-b');
  });

  it('gives a cluster recorded by the older, single-slot testenv to the checkout its servers run in, and to no one else', async () => {
    const root = temp('bosun-testenv-legacy-');
    const checkout = temp('bosun-checkout-');
    const clusterDir = temp('bosun-testenv-fake-');
    mkdirSync(join(root, 'run'), { recursive: true });
    // stands in for a server `npm run testenv -- up` started: the cluster folder in its arguments, the checkout as its working folder
    const server = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)', clusterDir], { cwd: checkout, stdio: 'ignore' });
    children.push(server);
    await eventually('the stand-in server runs', () => server.pid !== undefined && running(server.pid));
    const pid = server.pid!;
    const pids = { etcd: pid, apiserver: pid, controllerManager: pid };
    writeState(join(root, 'run'), recorded(clusterDir, pids));
    expect(legacyStateFile(root)).toBe(join(root, 'run', 'state.json'));

    const owner = clusterSlot({ checkout });
    const found = findState(owner, root);
    expect(found).toMatchObject({ legacy: true, file: legacyStateFile(root) });
    expect(found?.state.dir).toBe(clusterDir);
    expect(findState(clusterSlot({ checkout: checkoutRoot() }), root)).toBeUndefined();
    expect(findState(clusterSlot({ checkout, name: 'x' }), root)).toBeUndefined();
    // running, but its kubeconfig is missing: the test run does not pick it up
    expect(runningClusterFor(owner, root)).toBeUndefined();
  });
});
