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
import type { ClusterInventory } from '../model/cluster-inventory.ts';
import { parseLabelSelector, type LabelSelector } from '../model/label-selector.ts';
import { BosunError, type Problem } from '../model/errors.ts';
import { ClusterClient, type ClusterClientOptions } from './client.ts';

/**
 * The server-side cluster registry (`BOSUN_CLUSTERS`): names environments may refer to, each with where
 * its credentials are. The repository only ever names a cluster; credentials stay on the server.
 */
/** Label names and values as Kubernetes writes them; values are strings (YAML `true` or `1` is read as text). */
const labelMap = z.record(
  z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, { error: 'label names are [prefix/]name, as in Kubernetes' }),
  z.union([z.string(), z.number(), z.boolean()]).transform(String),
);

/** Annotations take the same [prefix/]name keys as labels, and any text as value. */
const annotationMap = z.record(
  z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, { error: 'annotation names are [prefix/]name, as in Kubernetes' }),
  z.union([z.string(), z.number(), z.boolean()]).transform(String),
);

/** An http(s) URL without user info, query or fragment, as a cluster secret's `server` holds it; stored without trailing "/". */
const apiServerUrl = z.string().transform((raw, ctx): string => {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: `"${url && (url.username || url.password) ? '<url with credentials>' : raw}" is not an API server URL; write it as Argo CD's cluster secret does, e.g. https://10.0.0.5:6443 (no user, query or fragment)` });
    return raw;
  }
  return raw.replace(/\/+$/, '');
});

const clusterEntry = z
  .strictObject({
    kubeconfig: z.string().min(1, { error: 'must not be empty' }).optional().describe('Path to a kubeconfig file, relative to this file.'),
    context: z.string().min(1).optional().describe('Context in that kubeconfig (default: its current-context).'),
    inCluster: z.literal(true).optional().describe('Use the service account bosun runs as (inside a pod).'),
    kubernetesVersion: kubernetesVersion.optional().describe('The Kubernetes version of environments on this cluster that set none (default: the live server\'s).'),
    labels: labelMap.optional().describe('Labels of the cluster, as Rancher Fleet targets and cluster groups select clusters by them. An entry with labels and no credentials is a cluster bosun plans for but never connects to.'),
    annotations: annotationMap.optional().describe('Annotations of the cluster, as its Argo CD cluster secret carries them: the ApplicationSet clusters generator gives them as `metadata.annotations.<name>` (gitops-bridge keeps each cluster\'s repository URLs and paths there). Never secret: they are printed like labels.'),
    server: apiServerUrl.optional().describe('The API server URL Argo CD knows this cluster by (the `server` of its cluster secret): an Application whose `destination.server` is this URL targets this entry, and the ApplicationSet clusters generator gives it as `server`. A trailing "/" is ignored, as Argo CD ignores it; nothing else is normalised (Argo CD compares the text).'),
  })
  .superRefine((entry, ctx) => {
    if (entry.kubeconfig === undefined && entry.inCluster === undefined && entry.labels === undefined && entry.annotations === undefined && entry.server === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs either "kubeconfig: <path>" or "inCluster: true" (or only "labels" / "annotations" / "server", for a cluster bosun plans for but never connects to)' });
    }
    if (entry.kubeconfig !== undefined && entry.inCluster !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'set either "kubeconfig" or "inCluster", not both', path: ['inCluster'] });
    }
    if (entry.inCluster !== undefined && entry.context !== undefined) {
      ctx.addIssue({ code: 'custom', message: '"context" only applies to a kubeconfig', path: ['context'] });
    }
  });

const clusterName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'cluster names use letters, digits, ".", "_" and "-"' });

/** A Kubernetes label selector, checked as metav1.LabelSelectorAsSelector checks one. */
const labelSelector = z.unknown().transform((raw, ctx): LabelSelector => {
  const parsed = parseLabelSelector(raw ?? {});
  if (parsed.problem) ctx.addIssue({ code: 'custom', message: parsed.problem });
  return parsed.selector ?? {};
});

/**
 * Rancher Fleet's ClusterGroup, in the registry: a named selector over the clusters' labels
 * (https://fleet.rancher.io/cluster-group), with labels of its own for `clusterGroupSelector`.
 */
const clusterGroup = z.strictObject({
  selector: labelSelector.describe('Which clusters are in the group: `matchLabels` / `matchExpressions` over their labels; `{}` is every cluster.'),
  labels: labelMap.optional().describe('Labels of the group itself, which a Fleet target\'s `clusterGroupSelector` matches.'),
});

export const clusterRegistrySchema = z.strictObject({
  clusters: z.record(clusterName, clusterEntry).describe('Cluster name → where its credentials are.').superRefine((clusters, ctx) => {
    // Argo CD keeps one cluster secret per server URL: two entries with one URL would make the match a guess.
    const byServer = new Map<string, string>();
    for (const [name, entry] of Object.entries(clusters)) {
      if (entry.server === undefined) continue;
      const first = byServer.get(entry.server);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [name, 'server'], message: `cluster "${first}" has the same server URL; an Argo CD destination.server must name one cluster` });
      else byServer.set(entry.server, name);
    }
  }),
  clusterGroups: z.record(clusterName, clusterGroup).optional().describe('Cluster group name → its selector (Rancher Fleet targets by `clusterGroup`).'),
});

/**
 * A registered cluster. `labelsOnly`: the registry gives it labels (or a server URL) and no credentials, so discovery targets
 * it (its environments are planned) but bosun never connects to it (no preview, no apply).
 */
export type ClusterEntry = ({ name: string; kubeconfig: string; context?: string } | { name: string; inCluster: true } | { name: string; labelsOnly: true }) & {
  kubernetesVersion?: string;
  labels?: Record<string, string>;
  /** Annotations of its Argo CD cluster secret, for the clusters generator. */
  annotations?: Record<string, string>;
  /** The API server URL Argo CD knows the cluster by (no trailing "/"). */
  server?: string;
};

export interface ClusterGroupEntry {
  name: string;
  selector: LabelSelector;
  labels: Record<string, string>;
}

export interface ClusterRegistry {
  file: string;
  clusters: Map<string, ClusterEntry>;
  /** Absent in registries built before cluster groups existed (tests build some by hand). */
  groups?: Map<string, ClusterGroupEntry>;
}

/** Whether bosun can open a connection to the entry's cluster (it has credentials). */
export function hasCredentials(entry: ClusterEntry): boolean {
  return !('labelsOnly' in entry);
}

/** The registry's clusters, labels and groups for discovery, without any credential. */
export function inventoryOf(registry: ClusterRegistry): ClusterInventory {
  return {
    clusters: [...registry.clusters.values()].map((c) => ({ name: c.name, labels: { ...c.labels }, ...(c.annotations ? { annotations: { ...c.annotations } } : {}), ...(c.server ? { server: c.server } : {}) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    groups: [...(registry.groups?.values() ?? [])].map((g) => ({ name: g.name, selector: g.selector, labels: { ...g.labels } })),
  };
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
    const common = { name, ...(version ? { kubernetesVersion: version } : {}), ...(entry.labels ? { labels: entry.labels } : {}), ...(entry.annotations ? { annotations: entry.annotations } : {}), ...(entry.server ? { server: entry.server } : {}) };
    if (entry.inCluster) clusters.set(name, { ...common, inCluster: true });
    else if (entry.kubeconfig === undefined) clusters.set(name, { ...common, labelsOnly: true });
    else {
      const path = entry.kubeconfig;
      clusters.set(name, { ...common, kubeconfig: isAbsolute(path) ? path : resolve(dirname(file), path), ...(entry.context ? { context: entry.context } : {}) });
    }
  }
  const groups = new Map<string, ClusterGroupEntry>();
  for (const [name, group] of Object.entries(parsed.data.clusterGroups ?? {})) groups.set(name, { name, selector: group.selector, labels: group.labels ?? {} });
  return { file, clusters, groups };
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
  if ('labelsOnly' in entry) {
    throw new BosunError({
      kind: 'cluster',
      file: registry.file,
      message: `cluster "${name}" has only ${entry.labels || !entry.server ? 'labels' : 'a server URL'} in the cluster registry, no credentials: bosun plans for it but cannot preview or apply there; add "kubeconfig" or "inCluster: true" to its entry`,
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
