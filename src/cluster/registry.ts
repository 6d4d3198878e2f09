import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { formatPath, lineAt } from '../config/yaml-location.ts';
import { ConfigError } from '../config/config-error.ts';
import { yamlSyntaxError } from '../config/yaml-syntax.ts';
import { kubernetesVersion } from '../config/schema.ts';
import { normalizeKubernetesVersion } from '../model/kubernetes-version.ts';
import { BosunError, type Problem } from '../model/errors.ts';
import { ClusterClient, type ClusterClientOptions } from './client.ts';

/**
 * The server-side cluster registry (`BOSUN_CLUSTERS`): names environments may refer to, each with where
 * its credentials are. The repository only ever names a cluster; credentials stay on the server.
 */
const clusterEntry = z
  .strictObject({
    kubeconfig: z.string().min(1, { error: 'must not be empty' }).optional().describe('Path to a kubeconfig file, relative to this file.'),
    context: z.string().min(1).optional().describe('Context in that kubeconfig (default: its current-context).'),
    inCluster: z.literal(true).optional().describe('Use the service account bosun runs as (inside a pod).'),
    kubernetesVersion: kubernetesVersion.optional().describe('The Kubernetes version of environments on this cluster that set none (default: the live server\'s).'),
  })
  .superRefine((entry, ctx) => {
    if (entry.kubeconfig === undefined && entry.inCluster === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs either "kubeconfig: <path>" or "inCluster: true"' });
    }
    if (entry.kubeconfig !== undefined && entry.inCluster !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'set either "kubeconfig" or "inCluster", not both', path: ['inCluster'] });
    }
    if (entry.inCluster !== undefined && entry.context !== undefined) {
      ctx.addIssue({ code: 'custom', message: '"context" only applies to a kubeconfig', path: ['context'] });
    }
  });

const clusterName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'cluster names use letters, digits, ".", "_" and "-"' });

export const clusterRegistrySchema = z.strictObject({
  clusters: z.record(clusterName, clusterEntry).describe('Cluster name → where its credentials are.'),
});

export type ClusterEntry = ({ name: string; kubeconfig: string; context?: string } | { name: string; inCluster: true }) & { kubernetesVersion?: string };

export interface ClusterRegistry {
  file: string;
  clusters: Map<string, ClusterEntry>;
}

export function loadClusterRegistry(file: string): ClusterRegistry {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new BosunError({ kind: 'config', file, message: `cannot read the cluster registry (${code}); check BOSUN_CLUSTERS points at a readable file` });
  }
  return parseClusterRegistry(text, file);
}

/** Parses registry YAML; kubeconfig paths become absolute, relative to the registry file's folder. */
export function parseClusterRegistry(text: string, file: string): ClusterRegistry {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) throw yamlSyntaxError(doc.errors, lineCounter, file);
  const parsed = clusterRegistrySchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue): Problem => {
      const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      const path = issue.path as PropertyKey[];
      return {
        kind: 'config',
        file,
        line: lineAt(doc.contents, lineCounter, path, unknownKey),
        field: formatPath(unknownKey ? [...path, unknownKey] : path) || undefined,
        message: issue.message,
      };
    }));
  }
  const clusters = new Map<string, ClusterEntry>();
  for (const [name, entry] of Object.entries(parsed.data.clusters)) {
    const version = normalizeKubernetesVersion(entry.kubernetesVersion);
    const common = { name, ...(version ? { kubernetesVersion: version } : {}) };
    if (entry.inCluster) clusters.set(name, { ...common, inCluster: true });
    else {
      const path = entry.kubeconfig!;
      clusters.set(name, { ...common, kubeconfig: isAbsolute(path) ? path : resolve(dirname(file), path), ...(entry.context ? { context: entry.context } : {}) });
    }
  }
  return { file, clusters };
}

export interface ConnectOptions extends Omit<ClusterClientOptions, 'name' | 'kubeConfig'> {
  /** Check that the API server answers and accepts the credentials (default true). */
  verify?: boolean;
}

/**
 * A client for a registry cluster. Unknown names, unreadable kubeconfigs, missing contexts and
 * unreachable API servers are BosunErrors of kind 'cluster' that name the cluster, never a credential.
 */
export async function connect(registry: ClusterRegistry, name: string, options: ConnectOptions = {}): Promise<ClusterClient> {
  const entry = registry.clusters.get(name);
  if (!entry) {
    const known = [...registry.clusters.keys()].sort();
    throw new BosunError({
      kind: 'cluster',
      file: registry.file,
      message: `unknown cluster "${name}"; ${known.length > 0 ? `the cluster registry defines ${known.map((k) => `"${k}"`).join(', ')}` : 'the cluster registry defines no clusters'}. Fix the environment's cluster or add it to the registry`,
    });
  }
  const kubeConfig = 'inCluster' in entry ? inClusterConfig(name) : kubeconfigFor(name, entry.kubeconfig, entry.context);
  const client = new ClusterClient({ ...options, name, kubeConfig });
  if (options.verify !== false) {
    try {
      await client.verify();
    } catch (error) {
      client.close();
      throw error;
    }
  }
  return client;
}

/** Loads one kubeconfig for cluster `name`; errors never quote the file (it holds credentials). */
export function kubeconfigFor(name: string, path: string, context?: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new BosunError({ kind: 'cluster', file: path, message: `cluster "${name}": cannot read its kubeconfig (${code}); check the path in the cluster registry and the file's permissions` });
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (error) {
    const line = (error as { mark?: { line?: number } }).mark?.line;
    throw new BosunError({ kind: 'cluster', file: path, ...(line !== undefined ? { line: line + 1 } : {}), message: `cluster "${name}": its kubeconfig is not a valid kubeconfig file` });
  }
  // Relative certificate paths in a kubeconfig are relative to the kubeconfig itself.
  kc.makePathsAbsolute(dirname(path));
  if (context !== undefined) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => `"${c.name}"`).join(', ') || 'none';
      throw new BosunError({ kind: 'cluster', file: path, message: `cluster "${name}": context "${context}" is not in its kubeconfig (contexts: ${known})` });
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new BosunError({ kind: 'cluster', file: path, message: `cluster "${name}": the kubeconfig's ${context ? `context "${context}"` : 'current context'} names no known cluster; set "context" in the cluster registry` });
  }
  return kc;
}

function inClusterConfig(name: string): KubeConfig {
  if (!process.env.KUBERNETES_SERVICE_HOST) {
    throw new BosunError({ kind: 'cluster', message: `cluster "${name}" is configured with inCluster: true, but bosun is not running inside a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set); use a kubeconfig instead` });
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromCluster();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new BosunError({ kind: 'cluster', message: `cluster "${name}": cannot load the in-cluster service account (${code}); check the pod mounts its service account token` });
  }
  return kc;
}
