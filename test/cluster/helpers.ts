// Shared helpers for the cluster engine suites: a client on the shared test cluster, unique names,
// environments, and the status writes a kubelet would make (there is none).
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterClient, type ClusterClientOptions } from '../../src/cluster/client.ts';
import { kubeconfigFor } from '../../src/cluster/registry.ts';
import type { ApplyEnvironmentSettings } from '../../src/cluster/environment.ts';
import { inventoryName } from '../../src/cluster/inventory.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';

export function testClient(options: Partial<Omit<ClusterClientOptions, 'kubeConfig'>> & { kubeconfigPath?: string } = {}): ClusterClient {
  const { kubeconfigPath, ...rest } = options;
  const kubeConfig: KubeConfig = kubeconfigFor('test', kubeconfigPath ?? testKubeconfig());
  return new ClusterClient({ name: 'test', ...rest, kubeConfig });
}

/** A DNS-label-safe name no other suite or run uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export function environment(name: string, overrides: Partial<ApplyEnvironmentSettings> = {}): ApplyEnvironmentSettings {
  return { name, prune: true, allowEmpty: false, forceConflicts: false, healthTimeoutSeconds: 30, ...overrides };
}

export function rendered(...objects: KubeObject[]): RenderedObject[] {
  return objects.map((object, i) => ({ object, source: { file: `clusters/test/objects.yaml`, line: i * 10 + 1 } }));
}

export const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const configMap = (namespace: string, name: string, data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, data,
});

export const deployment = (namespace: string, name: string, image = 'nginx:1.27', replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
  },
});

export const service = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  // 1.20's server-side apply needs an explicit protocol on ports.
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
});

export async function get(client: ClusterClient, path: string): Promise<KubeObject | undefined> {
  return client.getOrUndefined<KubeObject>(path);
}

/** Deletes namespaces (best effort) so the shared cluster does not fill up. */
export async function deleteNamespaces(client: ClusterClient, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => client.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined)));
}

export async function deleteInventory(client: ClusterClient, configMapName: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `/api/v1/namespaces/bosun-system/configmaps/${configMapName}` }).catch(() => undefined);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Does what a kubelet would: marks the Deployment's pods Running and Ready, so the replica set and
 * deployment controllers count them as available and report the rollout complete.
 */
export async function markPodsReady(client: ClusterClient, namespace: string, app: string, expected: number): Promise<void> {
  const pods = await waitFor(`${expected} pods of ${app}`, async () => {
    const list = await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: `app=${app}` } });
    return list.body.items.length >= expected ? list.body.items : undefined;
  });
  const now = new Date().toISOString();
  await Promise.all(pods.map((pod) => client.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}/pods/${pod.metadata?.name}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        ],
      },
    },
  })));
}

/**
 * What a suite creates in the shared cluster — namespaces and environment inventories — removed after
 * the suite, and the client closed.
 */
export function suiteCleanup(client: ClusterClient, spacePrefix = 'ns') {
  const namespaces: string[] = [];
  const inventories: string[] = [];
  afterAll(async () => {
    await deleteNamespaces(client, namespaces);
    await Promise.all(inventories.map((name) => deleteInventory(client, name)));
    client.close();
  });
  const track = (env: string, ...spaces: string[]): void => {
    inventories.push(inventoryName(env));
    namespaces.push(...spaces);
  };
  /** A fresh environment name and one fresh namespace, both removed after the suite. */
  const setup = (): { env: string; space: string } => {
    const env = unique('env');
    const space = unique(spacePrefix);
    track(env, space);
    return { env, space };
  };
  return { track, setup };
}
