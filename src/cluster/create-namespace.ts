import type { KubeObject } from '../model/object.ts';
import { describeFailure } from './api-error.ts';
import type { ClusterClient } from './client.ts';
import type { ResourceInfo } from './discovery.ts';
import { getLive, serverSideApply } from './objects.ts';
import { refOf } from './prepare.ts';
import type { ObjectResult } from './types.ts';

const namespaceInfo: ResourceInfo = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

/**
 * Argo CD `CreateNamespace=true` (sync_context.go autoCreateNamespace): the environment's namespace is
 * created before anything else when the render does not define it, with `managedNamespaceMetadata`'s
 * labels and annotations (set again when it exists and they are given). It carries no environment label
 * and is not in the inventory, so prune and sync never delete it — as Argo CD leaves it on deletion.
 */
export async function ensureNamespace(client: ClusterClient, name: string, meta: { labels?: Record<string, string>; annotations?: Record<string, string> }, dryRun = false): Promise<ObjectResult> {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(meta.labels ? { labels: meta.labels } : {}), ...(meta.annotations ? { annotations: meta.annotations } : {}) },
  };
  const ref = refOf(object);
  try {
    const live = await getLive(client, namespaceInfo, '', name);
    if (live && !meta.labels && !meta.annotations) return { ...ref, action: 'unchanged', stage: 'apply' };
    await serverSideApply(client, namespaceInfo, object, { dryRun });
    return { ...ref, action: live ? 'configured' : 'created', stage: 'apply' };
  } catch (error) {
    return { ...ref, action: 'failed', stage: 'apply', error: `CreateNamespace=true: ${describeFailure(error)}` };
  }
}
