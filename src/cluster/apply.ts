import { fluxAnnotations, fluxExclusion, fluxMetadataIs } from '../model/apply-options.ts';
import type { KubeObject } from '../model/object.ts';
import type { SyncSemantics } from '../model/sync.ts';
import { mapLimit } from '../util/limit.ts';
import { ApiError, describeFailure } from './api-error.ts';
import { applyIfChanged, sameVersion } from './apply-if-changed.ts';
import type { ClusterClient } from './client.ts';
import type { ResourceInfo } from './discovery.ts';
import { assessHealth } from './health.ts';
import { isTerminating } from './inventory.ts';
import { readLive } from './live-reader.ts';
import { deleteObject, getLive, replaceObject, serverSideApply } from './objects.ts';
import { applyPhases, isCrd, isNamespace } from './order.ts';
import type { PreparedObject } from './prepare.ts';
import { isServerAway } from './retry.ts';
import type { ObjectResult, ProgressFn } from './types.ts';
import { objectLabel } from '../model/object.ts';

export interface ApplyObjectsOptions {
  /** Take over fields other managers hold (the environment's forceConflicts). */
  force: boolean;
  /** Secret values to keep out of error messages. */
  secrets: readonly string[];
  onProgress?: ProgressFn;
  /** How long to wait for new CRDs to be Established and served (default 60 s). */
  crdTimeoutSeconds?: number;
  /**
   * Wait for desired Namespaces that are still being deleted to disappear, then re-create them (sync).
   * Without it such a Namespace fails, with a hint to run sync.
   */
  recreateTerminatingNamespaces?: boolean;
  namespaceTimeoutSeconds?: number;
  /** Whose annotations on the live object count ('flux': `reconcile: disabled` / `ssa: Ignore` there too). */
  semantics?: SyncSemantics;
}

/**
 * Applies prepared objects phase by phase (definitions, cluster-scoped, namespaced), each phase in
 * parallel up to the client's bound. CRDs applied in the first phase are waited for until Established
 * and served, so their custom resources can follow in the same run. When a phase has failures, later
 * phases are not attempted: their objects are reported as skipped. Every object gets a result.
 */
export async function applyPrepared(client: ClusterClient, objects: readonly PreparedObject[], options: ApplyObjectsOptions): Promise<ObjectResult[]> {
  const results = new Map<string, ObjectResult>();
  let done = 0;
  let blockedBy = 0;
  for (const phase of applyPhases) {
    const batch = objects.filter((o) => o.phase === phase);
    if (batch.length === 0) continue;
    if (blockedBy > 0) {
      for (const o of batch) results.set(o.key, { ...refFields(o), action: 'skipped', stage: 'apply', error: `not applied: ${blockedBy} object${blockedBy === 1 ? '' : 's'} in an earlier phase failed` });
      continue;
    }
    // Read what is there first, in bulk where it pays: it tells created from configured from unchanged.
    const live = await readLive(client, batch.filter((o) => o.info).map((o) => ({ key: o.key, info: o.info!, namespace: o.namespace, name: o.name })))
      .catch(() => new Map<string, KubeObject | undefined>());
    await mapLimit(batch, client.concurrency, async (o) => {
      const result = await applyOne(client, o, options, live.has(o.key) ? { live: live.get(o.key) } : undefined);
      results.set(o.key, result);
      done++;
      options.onProgress?.({ stage: 'apply', message: `${result.action} ${objectLabel(o)}`, done, total: objects.length });
    });
    // Only the CRDs this apply wrote: one left alone (a crds policy, an annotation) may not exist at all.
    const crds = batch.filter((o) => isCrd(o.object) && results.get(o.key)?.action !== 'failed' && results.get(o.key)?.action !== 'skipped');
    if (crds.length > 0) await waitForCrds(client, crds, results, options);
    blockedBy += batch.filter((o) => results.get(o.key)?.action === 'failed').length;
  }
  return objects.map((o) => results.get(o.key)!);
}

function refFields(o: PreparedObject): Omit<PreparedObject, 'object' | 'phase' | 'info' | 'options'> {
  const { object: _o, phase: _p, info: _i, options: _op, ...ref } = o;
  return ref;
}

async function applyOne(client: ClusterClient, o: PreparedObject, options: ApplyObjectsOptions, known?: { live: KubeObject | undefined }): Promise<ObjectResult> {
  const ref = refFields(o);
  try {
    const info = o.info ?? (await servedResource(client, o.apiVersion, o.kind, options.crdTimeoutSeconds ?? 60));
    let live = known ? known.live : await getLive(client, info, o.namespace, o.name);
    if (live && isNamespace(o.object) && isTerminating(live)) {
      if (!options.recreateTerminatingNamespaces) {
        return { ...ref, action: 'failed', stage: 'apply', error: `namespace ${o.name} is being deleted; wait until it is gone, then run \`bosun sync\` to re-create it` };
      }
      live = await waitUntilGone(client, info, o.name, options.namespaceTimeoutSeconds ?? 180);
    }
    // Flux: excluded objects are never applied; IfNotPresent ones only created (ssa shouldSkipApply).
    if (o.options?.apply === 'never') return { ...ref, action: 'skipped', stage: 'apply', error: `not applied: ${o.options.skipReason ?? 'excluded'}` };
    const liveExclusion = options.semantics === 'flux' && live ? fluxExclusion(live, 'in the cluster') : undefined;
    if (liveExclusion) return { ...ref, action: 'skipped', stage: 'apply', error: `not applied: ${liveExclusion}` };
    if (o.options?.apply === 'ifNotPresent' && live) return { ...ref, action: 'skipped', stage: 'apply', error: `not updated: it exists, and it is ${o.options.skipReason ?? 'IfNotPresent'}` };
    // Argo CD `Replace=true`: replace (or create) instead of server-side apply.
    let recreated = false;
    const call = { force: options.force, secrets: options.secrets };
    const applied = o.options?.replace
      ? { ...(await replaceObject(client, info, o.object, live, { secrets: options.secrets })), wrote: true, before: live }
      : await applyIfChanged(client, info, o.object, live, call).catch(async (error: unknown) => {
        // Flux `force`: an immutable field cannot be changed in place, so the object is deleted and created again.
        // ssa shouldForceApply: spec.force, or force: enabled on the object in Git or in the cluster.
        const force = o.options?.recreateOnImmutable || (options.semantics === 'flux' && fluxMetadataIs(live, fluxAnnotations.force, 'enabled'));
        if (!live || !force || !isImmutableError(error)) throw error;
        options.onProgress?.({ stage: 'apply', message: `recreating ${objectLabel(o)}: ${describeFailure(error)}` });
        await deleteObject(client, info, o.namespace, o.name);
        await waitUntilDeleted(client, info, o.namespace, o.name, options.namespaceTimeoutSeconds ?? 120);
        recreated = true;
        return { ...(await serverSideApply(client, info, o.object, call)), wrote: true, before: undefined };
      });
    if (recreated) return { ...ref, action: 'configured', stage: 'apply', error: 'recreated: an immutable field changed, and force is on (deleted and created again)' };
    const action = applied.created || !live ? 'created'
      : !applied.wrote || sameVersion(applied.before, applied.object) ? 'unchanged'
      : 'configured';
    return { ...ref, action, stage: 'apply' };
  } catch (error) {
    let message = describeFailure(error);
    if (error instanceof ApiError && /being terminated/.test(error.message)) {
      message += '; the namespace is being deleted: wait until it is gone, then run `bosun sync`';
    }
    if (options.semantics === 'flux' && !o.options?.recreateOnImmutable && isImmutableError(error)) {
      message += '; an immutable field changed: set spec.force: true on the Kustomization (or annotate the object kustomize.toolkit.fluxcd.io/force: enabled) to delete and re-create it';
    }
    const conflicts = error instanceof ApiError ? error.conflicts() : [];
    return { ...ref, action: 'failed', stage: 'apply', error: message, ...(conflicts.length > 0 ? { conflicts } : {}), ...(isServerAway(error) ? { unreachable: true as const } : {}) };
  }
}

/**
 * Whether the API server refused a change to an immutable field (fluxcd/pkg ssa errors.IsImmutableError
 * reads any 409/422 so; bosun keeps to the messages that say so, so a field-manager conflict or a plain
 * invalid object never gets an object deleted).
 */
export function isImmutableError(error: unknown): boolean {
  if (!(error instanceof ApiError) || error.conflicts().length > 0) return false;
  if (error.status !== 422 && error.status !== 409 && error.status !== 400) return false;
  const text = [error.message, ...error.causes.map((c) => c.message ?? '')].join('\n');
  return /is\simmutable|immutable\sfield|field is immutable|cannot change roleRef/i.test(text);
}

async function waitUntilDeleted(client: ClusterClient, info: ResourceInfo, namespace: string, name: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let delay = 100; ; delay = Math.min(2_000, delay * 2)) {
    if (!(await getLive(client, info, namespace, name))) return;
    if (Date.now() >= deadline) throw new Error(`${info.kind} ${namespace ? `${namespace}/` : ''}${name} was deleted to be re-created but was still there after ${timeoutSeconds} s; something holds a finalizer on it`);
    await sleep(delay);
  }
}

/**
 * The resource for a kind whose CRD was applied a moment ago. The API server starts serving a new CRD a
 * little after it reports Established, so a miss is retried until the deadline.
 */
async function servedResource(client: ClusterClient, apiVersion: string, kind: string, timeoutSeconds: number): Promise<ResourceInfo> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let delay = 200; ; delay = Math.min(2_000, delay * 2)) {
    const info = await client.resources.find(apiVersion, kind);
    if (info) return info;
    if (Date.now() >= deadline) {
      throw new Error(`cluster "${client.name}" does not serve ${kind} in ${apiVersion} (its CustomResourceDefinition was not served within ${timeoutSeconds} s)`);
    }
    await sleep(delay);
  }
}

async function waitUntilGone(client: ClusterClient, info: ResourceInfo, name: string, timeoutSeconds: number): Promise<undefined> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let delay = 250; ; delay = Math.min(3_000, Math.round(delay * 1.5))) {
    if (!(await getLive(client, info, '', name))) return undefined;
    if (Date.now() >= deadline) throw new Error(`namespace ${name} was still being deleted after ${timeoutSeconds} s; something holds a finalizer in it`);
    await sleep(delay);
  }
}

/** Marks CRDs that do not become Established in time as failed, so their custom resources are not attempted. */
async function waitForCrds(client: ClusterClient, crds: readonly PreparedObject[], results: Map<string, ObjectResult>, options: ApplyObjectsOptions): Promise<void> {
  const timeoutSeconds = options.crdTimeoutSeconds ?? 60;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const info: ResourceInfo = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false };
  let pending = [...crds];
  for (let delay = 100; pending.length > 0; delay = Math.min(2_000, delay * 2)) {
    const states = await Promise.all(pending.map(async (crd) => {
      const live: KubeObject | undefined = await getLive(client, info, '', crd.name).catch(() => undefined);
      return { crd, health: assessHealth(live) };
    }));
    for (const { crd, health } of states) {
      if (health.status === 'failed') results.set(crd.key, { ...refFields(crd), action: 'failed', stage: 'apply', error: `CustomResourceDefinition ${health.message}` });
    }
    pending = states.filter((s) => s.health.status !== 'healthy' && s.health.status !== 'failed').map((s) => s.crd);
    if (pending.length === 0) break;
    if (Date.now() >= deadline) {
      for (const crd of pending) results.set(crd.key, { ...refFields(crd), action: 'failed', stage: 'apply', error: `CustomResourceDefinition was not Established within ${timeoutSeconds} s` });
      break;
    }
    options.onProgress?.({ stage: 'apply', message: `waiting for ${pending.length} CustomResourceDefinition(s) to be established` });
    await sleep(delay);
  }
  // Their kinds are new to discovery: drop cached group-versions so the next lookup asks again.
  client.resources.invalidate();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
