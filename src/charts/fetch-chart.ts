import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ChartCache, type CachedChart } from './cache.ts';
import { ArchiveError } from './extract.ts';
import { FetchError, httpGet, type Trust } from './http-get.ts';
import { archiveUrl, indexEntries, indexUrl, IndexError, parseIndex, type IndexEntry, type ParsedIndex } from './index-file.ts';
import { OciClient, parseOciRef, tagOfVersion, versionOfTag } from './oci.ts';
import { decideSource, sameOrigin, type ChartSourcePolicy } from './policy.ts';
import { resolveVersion } from './resolve-version.ts';

/**
 * What to fetch: a chart from a Helm repository (index.yaml + archives), or from an OCI registry.
 * - `repo`: `repoUrl` is the repository (`https://charts.example.com`); an `oci://` URL here means an
 *   OCI Helm repository (Flux HelmRepository `type: oci`) and `chart` is appended to it.
 * - `oci`: `ref` is the chart's full reference (`oci://ghcr.io/org/charts/podinfo`), as Argo CD,
 *   kustomize and Flux OCIRepository write it.
 * `version` is a version or a semver range (`*` / empty: the latest stable); for `oci`, `tag` (a literal
 * tag, OCIRepository `ref.tag`) or `digest` (`sha256:…`) may pin it instead.
 */
export type ChartRequest =
  | { kind: 'repo'; repoUrl: string; chart: string; version?: string; plainHttp?: boolean }
  | { kind: 'oci'; ref: string; version?: string; tag?: string; digest?: string; plainHttp?: boolean };

export interface FetchedChart {
  /** The unpacked chart folder: pass it to the sandboxed render read-only. */
  dir: string;
  name: string;
  /** The version picked (what `version` resolved to). */
  version: string;
  /** `sha256:<hex>` of the archive (Helm repository) or of the chart layer (OCI). */
  digest: string;
  /** Where it was fetched from: the archive URL or `oci://…@sha256:…`. */
  source: string;
  /** `checked`: a provenance file was there and names this archive's digest (its signature is not verified: no keyring). */
  provenance: 'checked' | 'absent';
  /** Whether the digest was checked against one the repository published (the index's `digest`; always for OCI). */
  digestVerified: boolean;
}

/**
 * Why a chart was not fetched:
 * - `refused`: not an allowed source (policy.ts);
 * - `missing`: the source answered and has no such chart, or no version matching the one asked for
 *   (the index's entries, the registry's tags, a tag the registry does not have): the request is wrong;
 * - `failed`: the source could not be read or its answer used (unreachable, DNS, timeout, HTTP error,
 *   not an index, a digest that does not match, a broken archive): nothing is known about the request.
 * `missing` is the content error a render reports; the others leave what the chart renders unknown
 * (`chartNotPreviewed`).
 */
export type ChartFetchFailure = 'refused' | 'missing' | 'failed';

export class ChartFetchError extends Error {
  readonly reason: ChartFetchFailure;
  constructor(reason: ChartFetchFailure, message: string) {
    super(message);
    this.name = 'ChartFetchError';
    this.reason = reason;
  }
}

export interface ChartFetcherOptions {
  /**
   * The allowed sources, or a function computing them once on first use (the base branch's declarations
   * need a scan of its checkout, which a plan without remote charts never pays for).
   */
  policy: ChartSourcePolicy | (() => Promise<ChartSourcePolicy>);
  /** Folder of the chart cache (`<data dir>/charts`). */
  cacheDir: string;
  /** Per request (index, manifest, archive); default 30 s. */
  timeoutMs?: number;
  /** Largest index.yaml read; default 50 MiB (source-controller's limit). */
  maxIndexBytes?: number;
  /** Largest chart archive read; default 10 MiB (source-controller's limit). */
  maxChartBytes?: number;
  /** Unpacked bytes the cache keeps; default 512 MiB. */
  cacheMaxBytes?: number;
  /** How long a fetched index (or tag list) is reused; default 60 s. */
  indexTtlMs?: number;
}

/**
 * Fetches charts for renders, in bosun's own (trusted) process — never in the render sandbox, which has no
 * network: only from allowed sources (policy.ts), over http-get.ts's rules, resolving versions as
 * source-controller does, checking digests (and a provenance file's digest when there is one), and
 * unpacking into the shared cache, whose folder the sandboxed render then reads by path.
 *
 * For engineers wiring a source to it (Argo CD Helm-repository sources, Fleet remote charts, kustomize
 * `helmCharts`): call `decide(url)` at discovery to know whether a chart will be fetched (and why not),
 * and `fetch(request)` at render time.
 */
export class ChartFetcher {
  private readonly policySource: ChartSourcePolicy | (() => Promise<ChartSourcePolicy>);
  private policyPromise?: Promise<ChartSourcePolicy>;
  private resolvedPolicy?: ChartSourcePolicy;
  private readonly cache: ChartCache;
  private readonly timeoutMs: number;
  private readonly maxIndexBytes: number;
  private readonly maxChartBytes: number;
  private readonly indexTtlMs: number;
  private readonly indexes = new Map<string, { at: number; index: Promise<ParsedIndex> }>();
  private readonly tagLists = new Map<string, { at: number; tags: Promise<string[]> }>();
  private readonly inFlight = new Map<string, Promise<FetchedChart>>();

  constructor(opts: ChartFetcherOptions) {
    this.policySource = opts.policy;
    this.cache = new ChartCache(opts.cacheDir, opts.cacheMaxBytes !== undefined ? { maxBytes: opts.cacheMaxBytes } : {});
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxIndexBytes = opts.maxIndexBytes ?? 50 * 1024 * 1024;
    this.maxChartBytes = opts.maxChartBytes ?? 10 * 1024 * 1024;
    this.indexTtlMs = opts.indexTtlMs ?? 60_000;
  }

  /** The allowed sources (computed on first use when given as a function). */
  policy(): Promise<ChartSourcePolicy> {
    this.policyPromise ??= (typeof this.policySource === 'function' ? this.policySource() : Promise.resolve(this.policySource)).then((p) => {
      this.resolvedPolicy = p;
      return p;
    });
    return this.policyPromise;
  }

  /** Whether the source of a request (or a URL) may be fetched; the reason of a refusal says how to allow it. */
  async decide(request: ChartRequest | string): Promise<{ allowed: true; trust: Trust } | { allowed: false; reason: string }> {
    return decideSource(await this.policy(), typeof request === 'string' ? request : sourceUrlOf(request));
  }

  /** Fetches (or finds in the cache) the chart; throws ChartFetchError with a message for the report. */
  fetch(request: ChartRequest, opts: { signal?: AbortSignal } = {}): Promise<FetchedChart> {
    const key = JSON.stringify(request);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchOnce(request, opts.signal).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetchOnce(request: ChartRequest, signal?: AbortSignal): Promise<FetchedChart> {
    const decision = await this.decide(request);
    if (!decision.allowed) throw new ChartFetchError('refused', decision.reason);
    try {
      if (request.kind === 'oci' || sourceUrlOf(request).startsWith('oci://')) return await this.fetchOci(request, decision.trust, signal);
      return await this.fetchFromRepo(request, decision.trust, signal);
    } catch (e) {
      if (e instanceof ChartFetchError) throw e;
      if (e instanceof FetchError || e instanceof IndexError || e instanceof ArchiveError) throw new ChartFetchError('failed', e.message);
      throw e;
    }
  }

  /** For redirects and archive hosts, once the policy is known (fetchOnce awaited it). */
  private trustOf = (url: string): Trust | undefined => {
    if (!this.resolvedPolicy) return undefined;
    const d = decideSource(this.resolvedPolicy, url);
    return d.allowed ? d.trust : undefined;
  };

  private async fetchFromRepo(request: Extract<ChartRequest, { kind: 'repo' }>, trust: Trust, signal?: AbortSignal): Promise<FetchedChart> {
    const index = await this.index(request.repoUrl, trust, signal);
    const entries = indexEntries(index, request.chart);
    if (entries.length === 0) throw new ChartFetchError('missing', `chart "${request.chart}" is not in ${indexUrl(request.repoUrl)}`);
    const resolved = resolveVersion(entries, request.version);
    if (!resolved.ok) throw new ChartFetchError('missing', `chart "${request.chart}" in ${request.repoUrl}: ${resolved.reason}`);
    const entry: IndexEntry = resolved.picked;
    if (entry.digest) {
      const cached = await this.cache.get(`sha256:${entry.digest}`);
      if (cached) return this.result(cached, entry.version, true, 'checked-earlier');
    }
    const url = archiveUrl(request.repoUrl, entry.urls[0]);
    // The archive may live at another origin (a release download): followed when the policy allows it,
    // or over https to a public address when the index gave a digest to check it against.
    const archiveTrust = sameOrigin(url, request.repoUrl) ? trust : this.trustOf(url) ?? (entry.digest && url.startsWith('https:') ? 'content' : undefined);
    if (!archiveTrust) {
      throw new ChartFetchError('refused', `the index of ${request.repoUrl} places ${request.chart} ${entry.version} at ${url}, another origin${entry.digest ? ' over http' : ' without a digest to check it against'}; allow that host with BOSUN_CHART_SOURCES / --chart-source`);
    }
    const res = await httpGet(url, { trust: archiveTrust, maxBytes: this.maxChartBytes, timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}), trustOf: this.trustOf, contentAddressed: entry.digest !== undefined });
    const digest = createHash('sha256').update(res.body).digest('hex');
    if (entry.digest && entry.digest !== digest) {
      throw new ChartFetchError('failed', `${url}: the archive's sha256 is ${digest}, but the repository index says ${entry.digest}; not used`);
    }
    const provenance = await this.checkProvenance(`${url}.prov`, archiveTrust, posixBase(url), digest, signal);
    const cached = await this.cache.put(`sha256:${digest}`, { name: request.chart, version: entry.version, source: url }, res.body);
    return this.result(cached, entry.version, entry.digest !== undefined, provenance);
  }

  private async fetchOci(request: ChartRequest, trust: Trust, signal?: AbortSignal): Promise<FetchedChart> {
    const full = request.kind === 'oci' ? request.ref : `${request.repoUrl.replace(/\/+$/, '')}/${request.chart}`;
    const ref = parseOciRef(full);
    if (!ref) throw new ChartFetchError('failed', `"${full}" is not an OCI chart reference (oci://registry/path/chart)`);
    const client = new OciClient(ref, { trust, ...(request.plainHttp ? { plainHttp: true } : {}), timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}), trustOf: this.trustOf });
    let reference: string;
    let version: string | undefined;
    if (request.kind === 'oci' && request.digest) reference = request.digest;
    else if (request.kind === 'oci' && request.tag) reference = request.tag;
    else {
      const wanted = request.version?.trim() ?? '';
      const tags = await this.tags(full, client);
      const resolved = resolveVersion(tags.map((t) => ({ version: versionOfTag(t), tag: t })), wanted === '' ? undefined : wanted);
      if (!resolved.ok) throw new ChartFetchError('missing', `${full}: ${resolved.reason}`);
      reference = tagOfVersion(resolved.picked.version);
      version = resolved.picked.version;
    }
    const manifest = await client.manifest(reference).catch((e: unknown) => {
      // The registry answered that it has no such tag or digest: the reference is wrong, not the registry.
      if (e instanceof FetchError && e.status === 404) throw new ChartFetchError('missing', `${full}: no chart ${reference.startsWith('sha256:') ? 'with digest' : 'tagged'} ${reference} there (${e.message})`);
      throw e;
    });
    const { chart, provenance } = OciClient.chartLayers(manifest);
    if (!chart) throw new ChartFetchError('failed', `${full}:${reference} is not a Helm chart (no ${'application/vnd.cncf.helm.chart.content.v1.tar+gzip'} layer)`);
    if (chart.size !== undefined && chart.size > this.maxChartBytes) throw new ChartFetchError('failed', `${full}:${reference}: the chart layer is ${chart.size} bytes, more than the ${this.maxChartBytes} allowed`);
    const source = `${full}@${manifest.digest}`;
    const cached = await this.cache.get(chart.digest);
    if (cached) return this.result(cached, version, true, 'checked-earlier');
    const archive = await client.blob(chart.digest, this.maxChartBytes);
    let prov: 'checked' | 'absent' = 'absent';
    if (provenance) {
      const text = (await client.blob(provenance.digest, 1024 * 1024)).toString('utf8');
      prov = provenanceCheck(text, undefined, chart.digest.slice('sha256:'.length), source);
    }
    const stored = await this.cache.put(chart.digest, { name: ref.repository.split('/').pop()!, version: version ?? reference, source }, archive);
    return this.result(stored, version, true, prov);
  }

  /** Version from the unpacked Chart.yaml when the request named a tag or digest. */
  private async result(c: CachedChart, version: string | undefined, digestVerified: boolean, provenance: 'checked' | 'absent' | 'checked-earlier'): Promise<FetchedChart> {
    let picked = version;
    let name = c.name;
    try {
      const meta = parse(await readFile(join(c.dir, 'Chart.yaml'), 'utf8')) as { name?: unknown; version?: unknown } | null;
      if (typeof meta?.name === 'string') name = meta.name;
      if (picked === undefined && meta?.version !== undefined) picked = String(meta.version);
    } catch {
      // helm names a missing or broken Chart.yaml itself
    }
    return {
      dir: c.dir,
      name,
      version: picked ?? c.version,
      digest: c.digest,
      source: c.source,
      provenance: provenance === 'absent' ? 'absent' : 'checked',
      digestVerified,
    };
  }

  private index(repoUrl: string, trust: Trust, signal?: AbortSignal): Promise<ParsedIndex> {
    const url = indexUrl(repoUrl);
    const now = Date.now();
    const hit = this.indexes.get(url);
    if (hit && now - hit.at < this.indexTtlMs) return hit.index;
    const index = httpGet(url, { trust, maxBytes: this.maxIndexBytes, timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}), trustOf: this.trustOf })
      .then((res) => parseIndex(res.body.toString('utf8'), url));
    this.indexes.set(url, { at: now, index });
    index.catch(() => this.indexes.delete(url));
    return index;
  }

  private tags(key: string, client: OciClient): Promise<string[]> {
    const now = Date.now();
    const hit = this.tagLists.get(key);
    if (hit && now - hit.at < this.indexTtlMs) return hit.tags;
    const tags = client.tags();
    this.tagLists.set(key, { at: now, tags });
    tags.catch(() => this.tagLists.delete(key));
    return tags;
  }

  /** A `.prov` file next to the archive, when the repository has one: it must name this archive's digest. */
  private async checkProvenance(url: string, trust: Trust, file: string, digest: string, signal?: AbortSignal): Promise<'checked' | 'absent'> {
    let text: string;
    try {
      const res = await httpGet(url, { trust, maxBytes: 1024 * 1024, timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}), trustOf: this.trustOf, passStatuses: [400, 401, 403, 404, 410] });
      if (res.status !== 200) return 'absent';
      text = res.body.toString('utf8');
    } catch {
      return 'absent'; // most repositories publish none; its absence is not an error
    }
    return provenanceCheck(text, file, digest, url);
  }
}

/**
 * A provenance file (helm's `.prov`: a PGP clear-signed YAML with `files: {<archive>: sha256:<hex>}`) must
 * name the archive's digest. The signature itself is not verified: bosun has no keyring for it.
 */
export function provenanceCheck(text: string, file: string | undefined, digest: string, where: string): 'checked' | 'absent' {
  if (!text.includes('-----BEGIN PGP SIGNED MESSAGE-----')) return 'absent';
  const files = [...text.matchAll(/^\s+(\S+\.tgz):\s*["']?sha256:([0-9a-f]{64})["']?\s*$/gm)].map((m) => ({ name: m[1], hex: m[2] }));
  const entry = (file ? files.find((f) => f.name === file) : undefined) ?? (files.length === 1 ? files[0] : undefined);
  if (!entry) return 'absent';
  if (entry.hex !== digest) throw new ChartFetchError('failed', `${where}: the provenance file says sha256:${entry.hex} for ${entry.name}, but the archive is sha256:${digest}; not used`);
  return 'checked';
}

function posixBase(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
}

/**
 * Whether a fetch error leaves the chart unknown rather than the request wrong: a source that could not be
 * read (unreachable, DNS, timeout, HTTP 5xx, a broken answer) means what the chart renders is not
 * previewed; a chart or version the source says it does not have, or a source the pull request may not
 * have fetched (`refused`, with how to allow it), is the content's error.
 */
export function chartNotPreviewed(e: ChartFetchError): boolean {
  return e.reason === 'failed';
}

/** The URL whose policy decides a request. */
export function sourceUrlOf(request: ChartRequest): string {
  return request.kind === 'repo' ? request.repoUrl : request.ref;
}
