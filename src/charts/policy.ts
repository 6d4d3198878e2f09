/**
 * Which chart sources bosun may fetch from. A pull request is untrusted: if any URL in it were fetched,
 * a PR could make bosun's worker (which holds cluster credentials) send requests anywhere — the SSRF hole
 * the render sandbox closes. So bosun's own code fetches only from
 *  - a source the operator allowed: `BOSUN_CHART_SOURCES` / `--chart-source`, a host (`charts.example.com`,
 *    `ghcr.io`, `127.0.0.1:8080`) or a URL prefix (`https://charts.example.com/stable`,
 *    `oci://ghcr.io/my-org/charts`); or
 *  - a source already declared on the **base** branch (a HelmRepository / OCIRepository URL, an Argo CD
 *    Helm `repoURL`, a kustomize `helmCharts[].repo`, a Fleet `helm.repo`): someone merged it, and a pull
 *    request cannot introduce a new one and have it fetched.
 * Sources declared only on the base branch are never fetched from link-local addresses (cloud metadata
 * endpoints live there): only the operator can allow those.
 */

export type SourceTrust = 'operator' | 'base';

export interface ChartSourcePolicy {
  /** Operator entries: hosts (`host[:port]`) or URL prefixes. */
  operator: readonly string[];
  /** URLs declared on the base branch (normalised by `normalizeSourceUrl`). */
  declared: readonly string[];
}

export type SourceDecision = { allowed: true; trust: SourceTrust } | { allowed: false; reason: string };

export const emptyPolicy: ChartSourcePolicy = { operator: [], declared: [] };

/** How to allow a source, for every refusal. */
export const howToAllow = 'allow it with BOSUN_CHART_SOURCES (the App) or --chart-source (the CLI), or declare it on the base branch first';

/** `BOSUN_CHART_SOURCES` / repeated `--chart-source` values: comma- or space-separated entries. */
export function parseChartSources(values: ReadonlyArray<string | undefined>): string[] {
  return values.flatMap((v) => (v ?? '').split(/[\s,]+/)).map((s) => s.trim()).filter(Boolean);
}

/** What is wrong with an operator entry, or undefined. */
export function chartSourceEntryProblem(entry: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    const url = parseSourceUrl(entry);
    if (!url) return `"${entry}" is not a URL`;
    if (!['http:', 'https:', 'oci:'].includes(url.protocol)) return `"${entry}": only http(s):// and oci:// sources can be fetched`;
    return undefined;
  }
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(entry) ? undefined : `"${entry}" is neither a host (host[:port]) nor a URL prefix (https://host/path, oci://host/path)`;
}

function parseSourceUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The canonical form URLs are compared in: scheme and host lower-cased, default ports dropped, no
 * trailing slash, no query, fragment or credentials. Undefined for what cannot be fetched.
 */
export function normalizeSourceUrl(text: string): string | undefined {
  const url = parseSourceUrl(text.trim());
  if (!url || !['http:', 'https:', 'oci:'].includes(url.protocol) || url.hostname === '') return undefined;
  if (url.username || url.password) return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host.toLowerCase()}${path}`;
}

/**
 * Whether two URLs are one origin: scheme, host and port (the URL parser lower-cases the host and drops a
 * default port, so `https://Charts.example.com:443` is `https://charts.example.com`). Trust follows a URL
 * within its origin only: another port on the same host is another service (helm scopes a repository's
 * credentials the same way — "Host on URL contains the port if present. This check ensures credentials
 * are not passed between different services on different ports": helm pkg/getter/httpgetter.go), and
 * http is not https.
 */
export function sameOrigin(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  return x.protocol === y.protocol && x.host === y.host;
}

/** Host (with a non-default port) of a URL, lower-cased. */
export function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

/**
 * Whether `url` is `prefix` or below it on a path-segment boundary. Below the prefix, an encoded dot,
 * slash or backslash (`..%2f..%2fother-org`) is not: the URL parser leaves them as written, and a server
 * that decodes them before resolving the path would serve what lies outside the prefix. (A prefix may
 * hold them itself: GitLab's `projects/group%2Fproject` API paths.)
 */
function underPrefix(url: string, prefix: string): boolean {
  if (url === prefix) return true;
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return url.startsWith(folder) && !/%(?:2e|2f|5c)/i.test(url.slice(folder.length));
}

/** Whether the operator's entries allow `url`. */
function operatorAllows(policy: ChartSourcePolicy, url: string): boolean {
  const host = hostOf(url);
  return policy.operator.some((entry) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      const prefix = normalizeSourceUrl(entry);
      return prefix !== undefined && underPrefix(url, prefix);
    }
    return entry.toLowerCase() === host;
  });
}

/**
 * Whether bosun may fetch from the chart source `url` (a Helm repository URL or an `oci://` reference),
 * and on whose word. The reason of a refusal says how to allow it.
 */
export function decideSource(policy: ChartSourcePolicy, rawUrl: string): SourceDecision {
  const url = normalizeSourceUrl(rawUrl);
  if (!url) return { allowed: false, reason: `"${rawUrl}" is not an http(s):// or oci:// URL bosun can fetch from` };
  if (operatorAllows(policy, url)) return { allowed: true, trust: 'operator' };
  if (policy.declared.some((d) => underPrefix(url, d))) return { allowed: true, trust: 'base' };
  return {
    allowed: false,
    reason: `source ${url} is not declared on the base branch (a pull request cannot introduce a chart source and have it fetched) and not allowed by the operator; ${howToAllow}`,
  };
}
