// What several benchmarks set up the same way: the load average they report beside their figures, a Redis
// database of their own, the test API server, and the shared Kustomize base many environments build on.
import { loadavg } from 'node:os';

/** The 1, 5 and 15 minute load averages, rounded to two decimals. */
export const loadAverage = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);

/** Database `db` of the test Redis: `bosun worker` has no key-prefix setting, so a bench's queues get a database of their own. */
export function benchRedisUrl(db: number): string {
  const url = new URL(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = `/${db}`;
  return url.toString();
}

/** The test API server: BOSUN_TEST_KUBECONFIG's when set, else one started for this run (stopped by `stop`). */
export async function benchCluster(): Promise<{ kubeconfig: string; stop(): Promise<void> }> {
  const preset = process.env.BOSUN_TEST_KUBECONFIG;
  if (preset) return { kubeconfig: preset, stop: async () => undefined };
  const { startTestCluster } = await import('../testkit/testenv/cluster.ts');
  const cluster = await startTestCluster({ log: (line) => process.stderr.write(`${line}\n`) });
  return { kubeconfig: cluster.kubeconfigPath, stop: () => cluster.stop() };
}

/** A Kustomize base of `configMaps` ConfigMaps, each carrying `version`: a new version changes every environment built on it. */
export function sharedBaseFiles(version: string, configMaps: number): Record<string, string> {
  const docs = Array.from({ length: configMaps }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared-${i}\ndata:\n  version: "${version}"\n  index: "${i}"\n`);
  return {
    'base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmaps.yaml\n',
    'base/configmaps.yaml': docs.join('---\n'),
  };
}
