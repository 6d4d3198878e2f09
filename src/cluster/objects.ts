import type { KubeObject } from '../model/object.ts';
import { ApiError } from './api-error.ts';
import type { ApiRequest, ApiResponse } from './client.ts';
import { resourcePath, type ResourceInfo } from './discovery.ts';
import { fieldManager } from './labels.ts';

/** The request surface object operations need; ClusterClient provides it. */
export interface ObjectTransport {
  request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>>;
  getOrUndefined<T = unknown>(path: string, query?: ApiRequest['query']): Promise<T | undefined>;
}

export interface ApplyCall {
  dryRun?: boolean;
  force?: boolean;
  secrets?: readonly string[];
}

/**
 * Server-side apply of one object as field manager `bosun`. Answers the object as stored (or, for a dry
 * run, as it would be) and whether the server created it (201) or patched an existing one (200).
 */
export async function serverSideApply(client: ObjectTransport, info: ResourceInfo, obj: KubeObject, call: ApplyCall = {}): Promise<{ object: KubeObject; created: boolean }> {
  const res = await client.request<KubeObject>({
    method: 'PATCH',
    path: resourcePath(info, obj.metadata?.namespace, obj.metadata?.name ?? ''),
    query: { fieldManager, force: call.force ? 'true' : undefined, dryRun: call.dryRun ? 'All' : undefined },
    // JSON is YAML: the apply-patch content type accepts it, and it keeps every field exactly as given.
    body: JSON.stringify(obj),
    contentType: 'application/apply-patch+yaml',
    secrets: call.secrets,
  });
  return { object: res.body, created: res.status === 201 };
}

export function getLive(client: ObjectTransport, info: ResourceInfo, namespace: string, name: string): Promise<KubeObject | undefined> {
  return client.getOrUndefined<KubeObject>(resourcePath(info, namespace, name));
}

/**
 * Deletes one object with background propagation (dependents are garbage-collected by the cluster, as
 * `kubectl delete` does). Answers false when it was already gone.
 */
export async function deleteObject(client: ObjectTransport, info: ResourceInfo, namespace: string, name: string, opts: { dryRun?: boolean; propagation?: 'foreground' | 'background' | 'orphan' } = {}): Promise<boolean> {
  const propagationPolicy = opts.propagation === 'foreground' ? 'Foreground' : opts.propagation === 'orphan' ? 'Orphan' : 'Background';
  try {
    await client.request({
      method: 'DELETE',
      path: resourcePath(info, namespace, name),
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy },
    });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

/** Every object of one resource carrying `labelSelector`, across all namespaces, following `continue` tokens. */
export async function listByLabel(client: ObjectTransport, info: ResourceInfo, labelSelector: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let token: string | undefined;
  do {
    const res = await client.request<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
      method: 'GET',
      path: resourcePath(info, undefined),
      query: { labelSelector, limit: '500', continue: token },
    });
    for (const item of res.body.items ?? []) {
      // List items omit apiVersion/kind; put them back so callers can treat them as objects.
      out.push({ ...item, apiVersion: info.group ? `${info.group}/${info.version}` : info.version, kind: info.kind });
    }
    token = res.body.metadata?.continue || undefined;
  } while (token);
  return out;
}

/**
 * Creates an object (POST), e.g. a hook whose name the server generates from `generateName`. Answers the
 * object as stored (or, for a dry run, as it would be). Field manager `bosun`, like every write.
 */
export async function createObject(client: ObjectTransport, info: ResourceInfo, obj: KubeObject, call: ApplyCall = {}): Promise<KubeObject> {
  const res = await client.request<KubeObject>({
    method: 'POST',
    path: resourcePath(info, obj.metadata?.namespace),
    query: { fieldManager, dryRun: call.dryRun ? 'All' : undefined },
    body: obj,
    secrets: call.secrets,
  });
  return res.body;
}

/**
 * Argo CD's `Replace=true`: the object replaces what is there (PUT with the live resourceVersion, as
 * `kubectl replace`), or is created when nothing is. Fields other managers set are dropped, not merged.
 */
export async function replaceObject(client: ObjectTransport, info: ResourceInfo, obj: KubeObject, live: KubeObject | undefined, call: ApplyCall = {}): Promise<{ object: KubeObject; created: boolean }> {
  if (!live) return { object: await createObject(client, info, obj, call), created: true };
  const body = { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata?.resourceVersion } };
  const res = await client.request<KubeObject>({
    method: 'PUT',
    path: resourcePath(info, obj.metadata?.namespace, obj.metadata?.name ?? ''),
    query: { fieldManager, dryRun: call.dryRun ? 'All' : undefined },
    body,
    secrets: call.secrets,
  });
  return { object: res.body, created: false };
}

/** Objects of one resource in one namespace ('' = cluster-scoped or all) carrying `labelSelector`. */
export async function listInNamespace(client: ObjectTransport, info: ResourceInfo, namespace: string, labelSelector: string): Promise<KubeObject[]> {
  const res = await client.request<{ items?: KubeObject[] }>({ method: 'GET', path: resourcePath(info, namespace || undefined), query: { labelSelector } });
  return (res.body.items ?? []).map((item) => ({ ...item, apiVersion: info.group ? `${info.group}/${info.version}` : info.version, kind: info.kind }));
}
