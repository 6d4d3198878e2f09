import { writeFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { clusterInfoFromKubeconfig, type TestClusterInfo } from './info.ts';
import { requireClusterProject } from './project.ts';

export type { TestClusterInfo } from './info.ts';

const NO_CLUSTER =
  'this suite needs the test Kubernetes cluster, but none was started (BOSUN_TEST_NO_CLUSTER=1?). ' +
  'Run without BOSUN_TEST_NO_CLUSTER, or start one with `npm run testenv -- up` and set BOSUN_TEST_KUBECONFIG to the path it prints';

/**
 * Admin kubeconfig of the cluster the global setup started for this run. The cluster is shared by all
 * suites: create your own namespaces with unique names and delete them when done.
 */
export function testKubeconfig(): string {
  requireClusterProject();
  const provided = inject('kubeconfig') || process.env.BOSUN_TEST_KUBECONFIG;
  if (!provided) throw new Error(NO_CLUSTER);
  return provided;
}

/** Server, tokens and CA of the shared test cluster, including the no-rights user when there is one. */
export function testCluster(): TestClusterInfo {
  requireClusterProject();
  const provided = inject('testCluster');
  if (provided) return provided;
  return clusterInfoFromKubeconfig(testKubeconfig());
}

/**
 * Writes a cluster registry (the `BOSUN_CLUSTERS` file) at `file` in which each named cluster is the
 * shared test cluster; returns `file`.
 */
export async function writeTestClusterRegistry(file: string, names: readonly string[] = ['test']): Promise<string> {
  const entries = names.map((name) => `  ${name}:\n    kubeconfig: ${testKubeconfig()}\n`).join('');
  await writeFile(file, `clusters:\n${entries}`);
  return file;
}
