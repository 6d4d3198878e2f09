import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

/** What suites learn about the shared test cluster (serializable: it crosses from globalSetup to workers). */
export interface TestClusterInfo {
  kubeconfigPath: string;
  server: string;
  token: string;
  caFile?: string;
  /** An authenticated user with no RBAC bindings (403 on resources); absent for foreign clusters. */
  limitedKubeconfigPath?: string;
  limitedToken?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin kubeconfig of the shared test cluster; '' when BOSUN_TEST_NO_CLUSTER=1 skipped it. */
    kubeconfig: string;
    testCluster: TestClusterInfo | null;
  }
}

interface KubeconfigFile {
  clusters?: Array<{ cluster?: { server?: string; 'certificate-authority'?: string } }>;
  users?: Array<{ user?: { token?: string } }>;
}

function firstEntries(path: string): { server: string; token: string; caFile?: string } {
  const config = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  return {
    server: config.clusters?.[0]?.cluster?.server ?? '',
    token: config.users?.[0]?.user?.token ?? '',
    caFile: config.clusters?.[0]?.cluster?.['certificate-authority'],
  };
}

/**
 * Reads a kubeconfig written by testenv (e.g. by `npm run testenv -- up`, passed in as
 * BOSUN_TEST_KUBECONFIG) back into TestClusterInfo; the limited user is its `limited.kubeconfig` sibling.
 */
export function clusterInfoFromKubeconfig(kubeconfigPath: string): TestClusterInfo {
  const admin = firstEntries(kubeconfigPath);
  const info: TestClusterInfo = { kubeconfigPath, ...admin };
  const limitedPath = join(dirname(kubeconfigPath), 'limited.kubeconfig');
  if (existsSync(limitedPath)) {
    info.limitedKubeconfigPath = limitedPath;
    info.limitedToken = firstEntries(limitedPath).token;
  }
  return info;
}
