import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { capture } from './exec.ts';
import { K8S_VERSION } from './paths.ts';

export interface TestenvBinaries {
  apiserver: string;
  controllerManager: string;
  etcd: string;
}

/** Runs `--version`; for our Kubernetes binaries the output must also name the version we build. */
async function runs(binary: string, expect?: string): Promise<boolean> {
  if (!existsSync(binary)) return false;
  const out = await capture(binary, ['--version'], { timeoutMs: 20_000 });
  return out.code === 0 && (expect === undefined || out.stdout.includes(expect));
}

/**
 * The binaries in the version folder when all of them run; etcd is our own unpacked copy when the
 * build fetched one (newer Debian), else apt's.
 */
export async function cachedBinaries(dir: string): Promise<TestenvBinaries | undefined> {
  const apiserver = join(dir, 'kube-apiserver');
  const controllerManager = join(dir, 'kube-controller-manager');
  const etcd = existsSync(join(dir, 'etcd')) ? join(dir, 'etcd') : '/usr/bin/etcd';
  const version = `v${K8S_VERSION}`;
  const ok = await Promise.all([runs(apiserver, version), runs(controllerManager, version), runs(etcd)]);
  return ok.every(Boolean) ? { apiserver, controllerManager, etcd } : undefined;
}
