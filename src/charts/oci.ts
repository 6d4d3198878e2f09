import { createHash } from 'node:crypto';
import { FetchError, httpGet, type GetOptions, type GetResult, type Trust } from './http-get.ts';
import { sameOrigin } from './policy.ts';

/** Media types of a Helm chart pushed to an OCI registry (helm's pkg/registry/constants.go). */
export const helmChartLayer = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const helmProvenanceLayer = 'application/vnd.cncf.helm.chart.provenance.v1.prov';
/** What helm 3.0–3.6 pushed, still found in older registries. */
const legacyChartLayer = 'application/tar+gzip';

const manifestTypes = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

export interface OciRef {
  /** `host[:port]` of the registry. */
  registry: string;
  /** Repository path inside it: `org/charts/podinfo`. */
  repository: string;
}

/** `oci://ghcr.io/org/charts/podinfo` → registry and repository; undefined when it is not such a reference. */
export function parseOciRef(ref: string): OciRef | undefined {
  const m = /^oci:\/\/([^/]+)\/(.+?)\/*$/.exec(ref.trim());
  if (!m) return undefined;
  const repository = m[2];
  // Tags and digests are given separately (version / digest), never in the reference.
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository)) return undefined;
  return { registry: m[1].toLowerCase(), repository };
}

export interface OciClientOptions {
  trust: Trust;
  /** http instead of https (Flux's `insecure: true`, helm's --plain-http). */
  plainHttp?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  trustOf(url: string): Trust | undefined;
}

/** A manifest with the digest it was served under. */
export interface OciManifest {
  digest: string;
  layers: Array<{ mediaType: string; digest: string; size?: number }>;
}

/**
 * A minimal OCI distribution client (the parts of the distribution spec helm uses to pull a chart): tag
 * listing, manifest and blob by digest, and anonymous bearer tokens (a 401 naming a token realm). Every
 * request goes through httpGet's rules; blobs are checked against their digest.
 */
export class OciClient {
  private token?: string;
  private readonly base: string;
  private readonly opts: OciClientOptions;
  constructor(ref: OciRef, opts: OciClientOptions) {
    this.opts = opts;
    this.base = `${opts.plainHttp ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`;
  }

  /** Every tag of the repository (following `Link` pagination, at most 50 pages). */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let url: string | undefined = `${this.base}/tags/list?n=1000`;
    for (let page = 0; url && page < 50; page++) {
      const res = await this.get(url, { maxBytes: 8 * 1024 * 1024, accept: 'application/json' });
      const body = parseJson(res.body, `${url}`) as { tags?: unknown };
      if (Array.isArray(body.tags)) out.push(...body.tags.filter((t): t is string => typeof t === 'string'));
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ''))?.[1];
      url = link ? new URL(link, url).toString() : undefined;
    }
    return out;
  }

  /** The manifest of a tag or digest; a digest reference must match what is served. */
  async manifest(reference: string): Promise<OciManifest> {
    const url = `${this.base}/manifests/${encodeURIComponent(reference)}`;
    const res = await this.get(url, { maxBytes: 4 * 1024 * 1024, accept: manifestTypes.join(', '), contentAddressed: reference.startsWith('sha256:') });
    const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) throw new FetchError(`${url}: the manifest's digest is ${digest}, not the ${reference} asked for`);
    const body = parseJson(res.body, url) as { layers?: unknown; manifests?: unknown };
    if (!Array.isArray(body.layers)) throw new FetchError(`${url}: not an image manifest${Array.isArray(body.manifests) ? ' (an index of several manifests, which a Helm chart never is)' : ''}`);
    const layers = body.layers
      .filter((l): l is { mediaType: string; digest: string; size?: number } => typeof l?.mediaType === 'string' && typeof l?.digest === 'string')
      .map((l) => ({ mediaType: l.mediaType, digest: l.digest, ...(typeof l.size === 'number' ? { size: l.size } : {}) }));
    return { digest, layers };
  }

  /** The chart layer (and the provenance layer, when pushed) of a manifest. */
  static chartLayers(m: OciManifest): { chart?: OciManifest['layers'][number]; provenance?: OciManifest['layers'][number] } {
    return {
      chart: m.layers.find((l) => l.mediaType === helmChartLayer) ?? m.layers.find((l) => l.mediaType === legacyChartLayer),
      provenance: m.layers.find((l) => l.mediaType === helmProvenanceLayer),
    };
  }

  /** A blob, checked against its digest. */
  async blob(digest: string, maxBytes: number): Promise<Buffer> {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new FetchError(`blob digest "${digest}" is not a sha256 digest`);
    const url = `${this.base}/blobs/${digest}`;
    const res = await this.get(url, { maxBytes, accept: '*/*', contentAddressed: true });
    const actual = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    if (actual !== digest) throw new FetchError(`${url}: content digest is ${actual}, not ${digest}`);
    return res.body;
  }

  private async get(url: string, o: { maxBytes: number; accept: string; contentAddressed?: boolean }): Promise<GetResult> {
    const request = (): Promise<GetResult> => httpGet(url, this.getOptions(o));
    let res = await request();
    if (res.status === 401 && !this.token) {
      this.token = await this.anonymousToken(url, String(res.headers['www-authenticate'] ?? ''));
      res = await request();
    }
    if (res.status === 401) throw new FetchError(`GET ${url}: HTTP 401 — the registry wants credentials, and bosun pulls charts anonymously`, 401);
    return res;
  }

  private getOptions(o: { maxBytes: number; accept: string; contentAddressed?: boolean }): GetOptions {
    return {
      trust: this.opts.trust,
      maxBytes: o.maxBytes,
      timeoutMs: this.opts.timeoutMs,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      headers: { accept: o.accept, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      trustOf: this.opts.trustOf,
      ...(o.contentAddressed ? { contentAddressed: true } : {}),
      passStatuses: [401],
    };
  }

  /** The anonymous pull token a `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge names. */
  private async anonymousToken(url: string, challenge: string): Promise<string> {
    const params = new Map<string, string>();
    if (!/^Bearer\s/i.test(challenge)) throw new FetchError(`GET ${url}: HTTP 401 — the registry wants credentials, and bosun pulls charts anonymously`, 401);
    for (const m of challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params.set(m[1].toLowerCase(), m[2]);
    const realm = params.get('realm');
    if (!realm) throw new FetchError(`GET ${url}: HTTP 401 without a token realm`, 401);
    const tokenUrl = new URL(realm, url);
    for (const key of ['service', 'scope']) {
      const value = params.get(key);
      if (value) tokenUrl.searchParams.set(key, value);
    }
    // The realm is at the registry's origin, a source the policy allows, or a public https token service.
    const trust: Trust | undefined = sameOrigin(tokenUrl.toString(), url) ? this.opts.trust : this.opts.trustOf(tokenUrl.toString()) ?? (tokenUrl.protocol === 'https:' ? 'content' : undefined);
    if (!trust) throw new FetchError(`GET ${url}: the token realm ${tokenUrl.origin} is another origin and not https; not followed`);
    const res = await httpGet(tokenUrl.toString(), { trust, maxBytes: 1024 * 1024, timeoutMs: this.opts.timeoutMs, ...(this.opts.signal ? { signal: this.opts.signal } : {}), trustOf: this.opts.trustOf });
    const body = parseJson(res.body, tokenUrl.origin) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new FetchError(`${tokenUrl.origin}: no token in the answer`);
    return token;
  }
}

function parseJson(body: Buffer, where: string): Record<string, unknown> {
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (value && typeof value === 'object') return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new FetchError(`${where}: the answer is not JSON`);
}

/** Helm stores `+` of a chart version as `_` in OCI tags (tags may not contain `+`). */
export function tagOfVersion(version: string): string {
  return version.replace(/\+/g, '_');
}

export function versionOfTag(tag: string): string {
  return tag.replace(/_/g, '+');
}
