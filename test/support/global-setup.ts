// Global setup of the `cluster` project (vitest.config.ts), once per run: an open Redis on 127.0.0.1:6379
// and a real Kubernetes API server (etcd + kube-apiserver + kube-controller-manager, see testkit/testenv).
// The `unit` project's is global-setup-unit.ts (no cluster).
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { BosunError } from '../../src/model/errors.ts';
import { ensureRedis } from '../../testkit/redis.ts';
import { ensureBubblewrap } from './sandbox.ts';
import { startTestCluster } from '../../testkit/testenv/cluster.ts';
import { clusterInfoFromKubeconfig } from '../../testkit/testenv/info.ts';
import { currentSlot } from '../../testkit/testenv/paths.ts';
import { runningClusterFor } from '../../testkit/testenv/state.ts';
import type {} from '../../testkit/testenv/project.ts';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureRedis({ log });
  await ensureBubblewrap({ log });
  project.provide('testProject', 'cluster');

  // A cluster from `npm run testenv -- up` saves the start on every run; it is left running afterwards.
  const preset = process.env.BOSUN_TEST_KUBECONFIG;
  if (preset) {
    if (!existsSync(preset)) {
      throw new BosunError({
        kind: 'config',
        message: `BOSUN_TEST_KUBECONFIG=${preset} does not exist (cluster stopped?); unset it to start a cluster for this run, or run \`npm run testenv -- up\` and use the path it prints`,
        field: 'BOSUN_TEST_KUBECONFIG',
      });
    }
    log(`[testenv] using the cluster in BOSUN_TEST_KUBECONFIG=${preset}`);
    project.provide('kubeconfig', preset);
    project.provide('testCluster', clusterInfoFromKubeconfig(preset));
    return async () => undefined;
  }

  if (process.env.BOSUN_TEST_NO_CLUSTER === '1') {
    log('[testenv] BOSUN_TEST_NO_CLUSTER=1: no test cluster for this run; suites that need one will fail');
    project.provide('kubeconfig', '');
    project.provide('testCluster', null);
    return async () => undefined;
  }

  // The cluster `npm run testenv -- up` started for this checkout (or for BOSUN_TESTENV_NAME), if it runs;
  // another checkout's cluster is never picked up. Left running afterwards.
  const slot = currentSlot();
  const own = runningClusterFor(slot);
  if (own) {
    log(`[testenv] using the cluster \`npm run testenv -- up\` started for ${slot.name ? `name "${slot.name}"` : `this checkout (${slot.checkout})`}: ${own.server}`);
    process.env.BOSUN_TEST_KUBECONFIG = own.kubeconfigPath;
    project.provide('kubeconfig', own.kubeconfigPath);
    project.provide('testCluster', clusterInfoFromKubeconfig(own.kubeconfigPath));
    return async () => {
      delete process.env.BOSUN_TEST_KUBECONFIG;
    };
  }

  const cluster = await startTestCluster({ log });
  process.env.BOSUN_TEST_KUBECONFIG = cluster.kubeconfigPath;
  project.provide('kubeconfig', cluster.kubeconfigPath);
  project.provide('testCluster', {
    kubeconfigPath: cluster.kubeconfigPath,
    server: cluster.server,
    token: cluster.token,
    caFile: cluster.caFile,
    limitedKubeconfigPath: cluster.limitedKubeconfigPath,
    limitedToken: cluster.limitedToken,
  });
  return async () => {
    await cluster.stop();
    delete process.env.BOSUN_TEST_KUBECONFIG;
  };
}
