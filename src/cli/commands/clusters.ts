import { connect, hasCredentials, loadClusterRegistry, previewEnvironment } from '../../cluster/index.ts';
import type { ClusterClient, ClusterRegistry } from '../../cluster/index.ts';
import { clusterSchemaSet, type OpenApiCacheOptions } from '../../cluster/openapi.ts';
import { kubernetesTarget } from '../../model/kubernetes-version.ts';
import type { ClusterChecks } from '../../plan/cluster-checks.ts';
import type { Environment } from '../../model/environment.ts';
import { BosunError } from '../../model/errors.ts';
import type { RenderedObject } from '../../model/object.ts';
import type { EnvironmentPlan } from '../../model/plan.ts';
import type { CliIO } from '../io.ts';
import { clustersFile } from './cluster-file.ts';

export { clustersFile };
export { inventoryOf } from '../../cluster/registry.ts';

export function loadRegistry(file: string): ClusterRegistry {
  return loadClusterRegistry(file);
}

export function registryFrom(flag: string | undefined, io: CliIO, command: string): ClusterRegistry {
  const file = clustersFile(flag, io);
  if (!file) throw new BosunError({ kind: 'usage', message: `${command}: --clusters FILE (or BOSUN_CLUSTERS) is required: it says where each cluster's credentials are` });
  return loadClusterRegistry(file);
}

/**
 * A client for a registry cluster, with the exit-code contract's split: what the registry and the
 * kubeconfig say (unknown cluster, unreadable kubeconfig, missing context) is configuration (exit 2);
 * an API server that does not answer or refuses the credentials fails the apply (exit 1).
 */
export async function connectConfigured(registry: ClusterRegistry, name: string): Promise<ClusterClient> {
  let client: ClusterClient;
  try {
    client = await connect(registry, name, { verify: false });
  } catch (err) {
    if (err instanceof BosunError && err.kind === 'cluster') throw new BosunError({ ...err.toProblem(), kind: 'config' }, { cause: err });
    throw err;
  }
  try {
    await client.verify();
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** The registry cluster an environment targets: its `cluster`, else its name. */
export function clusterNameOf(env: Environment): string {
  return env.cluster ?? env.name;
}

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
