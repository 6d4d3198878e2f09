import { connect, hasCredentials, previewEnvironment } from './index.ts';
import type { ClusterClient, ClusterRegistry } from './index.ts';
import { clusterSchemaSet, type OpenApiCacheOptions } from './openapi.ts';
import { kubernetesTarget } from '../model/kubernetes-version.ts';
import type { ClusterChecks } from '../plan/cluster-checks.ts';
import { clusterNameOf, type Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import type { RenderedObject } from '../model/object.ts';
import type { EnvironmentPlan } from '../model/plan.ts';

// What a plan asks of the registered clusters (the CLI's plan and validate, the App's plan job): the
// adapter side of the plan's preview and validation hooks.

/**
 * A plan's apply-preview hook: one connection per cluster, reused across environments; environments whose
 * cluster is not registered get no preview; a cluster that cannot be reached is an error on that
 * environment's preview, not on the plan.
 */
export function previewHook(registry: ClusterRegistry, opts: { partOf?: string } = {}) {
  const clients = new Map<string, Promise<ClusterClient>>();
  const hook = async (env: Environment, objects: RenderedObject[]): Promise<EnvironmentPlan['preview']> => {
    const name = clusterNameOf(env);
    const entry = registry.clusters.get(name);
    // A cluster the registry knows only by its labels is planned for, never connected to.
    if (!entry || !hasCredentials(entry)) return undefined;
    try {
      if (!clients.has(name)) clients.set(name, connect(registry, name));
      const client = await clients.get(name)!;
      return await previewEnvironment({ client, env, objects, ...(opts.partOf ? { partOf: opts.partOf } : {}) });
    } catch (err) {
      if (err instanceof BosunError) return { error: err.toProblem() };
      throw err;
    }
  };
  const close = async (): Promise<void> => {
    for (const c of clients.values()) (await c.catch(() => undefined))?.close();
  };
  return { hook, close };
}

/**
 * What a registered cluster adds to validation: its Kubernetes version (the registry's
 * `kubernetesVersion`, else the live server's) and its own OpenAPI schemas, cached per cluster
 * (cluster/openapi.ts). An environment whose cluster is not registered is validated offline against its
 * own or the default version; a registered cluster that cannot be read is said in a warning.
 */
export function clusterChecksHook(registry: ClusterRegistry, opts: OpenApiCacheOptions = {}) {
  const clients = new Map<string, Promise<ClusterClient>>();
  const hook = async (env: Environment): Promise<ClusterChecks | undefined> => {
    const name = clusterNameOf(env);
    const entry = registry.clusters.get(name);
    if (!entry) return undefined;
    if (!hasCredentials(entry)) return { target: kubernetesTarget(env, { name, configured: entry.kubernetesVersion }) };
    try {
      if (!clients.has(name)) clients.set(name, connect(registry, name, { verify: false }));
      const schemas = await clusterSchemaSet(await clients.get(name)!, opts);
      return { target: kubernetesTarget(env, { name, configured: entry.kubernetesVersion, live: schemas.gitVersion }), schemas };
    } catch (err) {
      if (!(err instanceof BosunError)) throw err;
      return { target: kubernetesTarget(env, { name, configured: entry.kubernetesVersion }), unavailable: `cluster ${name}'s OpenAPI could not be read: ${err.message}` };
    }
  };
  const close = async (): Promise<void> => {
    for (const c of clients.values()) (await c.catch(() => undefined))?.close();
  };
  return { hook, close };
}
