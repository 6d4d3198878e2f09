import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cachedBinaries } from '../../testkit/testenv/binaries.ts';
import { ensureBinaries } from '../../testkit/testenv/build.ts';
import { runStep } from '../../testkit/testenv/exec.ts';
import { K8S_VERSION, versionDir } from '../../testkit/testenv/paths.ts';

const temps: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-build-'));
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fakeBinary(path: string, versionLine: string): void {
  writeFileSync(path, `#!/bin/sh\necho "${versionLine}"\n`);
  chmodSync(path, 0o755);
}

describe('building the test binaries', () => {
  const savedGo = process.env.BOSUN_TESTENV_GO;
  afterEach(() => {
    if (savedGo === undefined) delete process.env.BOSUN_TESTENV_GO;
    else process.env.BOSUN_TESTENV_GO = savedGo;
  });

  it('reuses cached binaries only when they run and report the expected version', async () => {
    const dir = versionDir(temp());
    mkdirSync(dir, { recursive: true });
    fakeBinary(join(dir, 'kube-apiserver'), `Kubernetes v${K8S_VERSION}`);
    fakeBinary(join(dir, 'kube-controller-manager'), 'Kubernetes v0.0.0-master+$Format:%H$');
    fakeBinary(join(dir, 'etcd'), 'etcd Version: 3.4.23');
    expect(await cachedBinaries(dir)).toBeUndefined();

    fakeBinary(join(dir, 'kube-controller-manager'), `Kubernetes v${K8S_VERSION}`);
    expect(await cachedBinaries(dir)).toEqual({
      apiserver: join(dir, 'kube-apiserver'),
      controllerManager: join(dir, 'kube-controller-manager'),
      etcd: join(dir, 'etcd'),
    });
  });

  it('reports why a background build failed to the run waiting for it', async () => {
    process.env.BOSUN_TESTENV_GO = 'latest';
    const lines: string[] = [];
    await expect(ensureBinaries({ log: (l) => lines.push(l), cacheDir: temp() })).rejects.toThrow('BOSUN_TESTENV_GO=latest is not one of: system, bookworm');
    expect(lines[0]).toMatch(/building them in the background \(pid \d+/);
  });

  it('names the failed step, its exit code and its output tail, and keeps the full log', async () => {
    const logFile = join(temp(), 'build.log');
    const lines: string[] = [];
    const failing = runStep('sh', ['-c', 'echo compiling; echo "vendor/x.go:3: undefined: y" >&2; exit 3'], {
      phase: 'building kube-apiserver',
      log: (l) => lines.push(l),
      logFile,
    });
    await expect(failing).rejects.toThrow(/step "building kube-apiserver" failed: `sh -c .*` exited with code 3/);
    await expect(failing).rejects.toThrow('vendor/x.go:3: undefined: y');
    await expect(failing).rejects.toThrow(`(full log: ${logFile})`);
    expect(readFileSync(logFile, 'utf8')).toContain('compiling');
    expect(lines[0]).toBe('[testenv] building kube-apiserver…');
  });

  it('says a long step is still running', async () => {
    const lines: string[] = [];
    await runStep('sleep', ['1'], { phase: 'building kube-apiserver', log: (l) => lines.push(l), logFile: join(temp(), 'build.log'), heartbeatMs: 50 });
    expect(lines.some((l) => /^\[testenv\] still building: building kube-apiserver \(\d+ s\)$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\[testenv\] building kube-apiserver: done in \d+ s$/);
  });
});
