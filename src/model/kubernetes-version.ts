/**
 * Kubernetes versions an environment targets. Only the minor version matters for which APIs are served,
 * so versions are kept as "1.<minor>".
 */

/** What `.bosun.yaml` and the cluster registry accept: `1.29`, `v1.29`, `1.29.3`. */
export const kubernetesVersionPattern = /^v?1\.(\d{1,3})(?:\.\d+)?$/;

/**
 * The target when nothing says otherwise: the version of the built-in schemas (generated from the
 * installed @kubernetes/client-node, src/validate/schema-gen). A test keeps the two equal.
 */
export const defaultKubernetesVersion = '1.34';

/** "1.<minor>" for a version such as `v1.29.3`, `1.29`, or a server's gitVersion `v1.20.2-dirty`; undefined when it is none. */
export function normalizeKubernetesVersion(version: string | undefined): string | undefined {
  const m = version === undefined ? null : /^v?1\.(\d{1,3})(?:[.+-]|$)/.exec(version.trim());
  return m ? `1.${Number(m[1])}` : undefined;
}

/** The minor number of "1.<minor>"; NaN when it is not one. */
export function minorOf(version: string): number {
  const m = /^1\.(\d+)$/.exec(version);
  return m ? Number(m[1]) : Number.NaN;
}

/** The version an environment is judged against, and where that version came from (said in findings). */
export interface KubernetesTarget {
  /** "1.<minor>". */
  version: string;
  /** E.g. `environment staging`, `cluster prod, live`, `bosun's default`. */
  from: string;
}

/**
 * The target of an environment: its own `kubernetesVersion`, else its cluster's (the registry's
 * `kubernetesVersion`, else the live server's version), else the default.
 */
export function kubernetesTarget(env: { name: string; kubernetesVersion?: string }, cluster?: { name: string; configured?: string; live?: string }): KubernetesTarget {
  if (env.kubernetesVersion) return { version: env.kubernetesVersion, from: `environment ${env.name}` };
  const configured = normalizeKubernetesVersion(cluster?.configured);
  if (cluster && configured) return { version: configured, from: `cluster ${cluster.name}` };
  const live = normalizeKubernetesVersion(cluster?.live);
  if (cluster && live) return { version: live, from: `cluster ${cluster.name}, live` };
  return { version: defaultKubernetesVersion, from: "bosun's default; set kubernetesVersion to change it" };
}
