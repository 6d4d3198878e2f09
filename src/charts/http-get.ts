import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressAllowed } from './addresses.ts';
import { sameOrigin } from './policy.ts';

/** Who vouches for a URL: the operator's list, the base branch, or (for digest-checked content) nobody but the digest. */
export type Trust = 'operator' | 'base' | 'content';

export interface GetOptions {
  /** Trust of the first URL. */
  trust: Trust;
  /** Bytes of body accepted; a larger answer is an error (read stops at the cap). */
  maxBytes: number;
  /** For the whole exchange, redirects and body included. */
  timeoutMs: number;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Trust the policy gives a URL of another origin, for redirects (undefined: not allowed). */
  trustOf(url: string): Trust | undefined;
  /**
   * The body will be checked against a known digest: a redirect to another host (a registry's blob CDN)
   * may be followed over https to a public address.
   */
  contentAddressed?: boolean;
  /** Statuses returned instead of thrown (e.g. 401 for a registry's token dance, 404 for an optional file). */
  passStatuses?: number[];
}

export interface GetResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

/** A fetch that failed: the message names the URL and what happened, never the response body. */
export class FetchError extends Error {
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'FetchError';
    this.status = status;
  }
}

const maxRedirects = 5;

/**
 * GET with the rules a fetch from bosun's trusted process needs: only http(s); each connection's
 * address checked against the URL's trust at connect time (so DNS cannot point an allowed name at a
 * metadata endpoint); redirects followed only within the same origin, to a source the policy allows, or — for
 * digest-checked content — to a public https host; a byte cap read as a stream; one deadline for all of
 * it. No proxy, cookie or credential from the environment is used.
 */
export async function httpGet(url: string, opts: GetOptions): Promise<GetResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let current = url;
  let trust = opts.trust;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const res = await once(current, trust, opts, deadline);
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      const next = new URL(res.headers.location, current).toString();
      trust = redirectTrust(current, next, trust, opts);
      current = next;
      continue;
    }
    if (res.status === 200 || opts.passStatuses?.includes(res.status)) return { ...res, url: current };
    throw new FetchError(`GET ${current}: HTTP ${res.status}`, res.status);
  }
  throw new FetchError(`GET ${url}: more than ${maxRedirects} redirects`);
}

/**
 * The trust a redirect's target gets. helm's getter follows any redirect (Go's http.Client: up to 10, to
 * any host); bosun's fetch is stricter by design (docs/security.md): the source's trust goes only as far
 * as its origin — scheme, host and port — so a repository cannot send bosun's trusted fetch to another
 * service of its host (`https://charts.example.com` → `https://charts.example.com:6443`, or a loopback
 * source to another loopback port). Elsewhere the target needs a trust of its own from the policy, or,
 * for digest-checked content, public https.
 */
export function redirectTrust(from: string, to: string, trust: Trust, opts: Pick<GetOptions, 'trustOf' | 'contentAddressed'>): Trust {
  const [a, b] = [new URL(from), new URL(to)];
  if (!['http:', 'https:'].includes(b.protocol)) throw new FetchError(`GET ${from}: redirected to a ${b.protocol} URL, which is not followed`);
  if (a.protocol === 'https:' && b.protocol === 'http:') throw new FetchError(`GET ${from}: redirected from https to http (${b.host}), which is not followed`);
  if (sameOrigin(from, to)) return trust;
  const allowed = opts.trustOf(to);
  if (allowed) return allowed;
  if (opts.contentAddressed && b.protocol === 'https:') return 'content';
  const where = a.hostname === b.hostname ? `another port or scheme of the same host (${b.origin})` : `another host (${b.host})`;
  throw new FetchError(`GET ${from}: redirected to ${where}, which is not followed; allow ${b.host} with BOSUN_CHART_SOURCES / --chart-source if it serves this repository`);
}

function once(url: string, trust: Trust, opts: GetOptions, deadline: number): Promise<Omit<GetResult, 'url'>> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new FetchError(`"${url}" is not a URL`));
      return;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      reject(new FetchError(`${url}: only http and https are fetched`));
      return;
    }
    if (trust === 'content' && parsed.protocol !== 'https:') {
      reject(new FetchError(`${url}: content from another host is fetched over https only`));
      return;
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !addressAllowed(host, trust)) {
      reject(new FetchError(refusedAddress(url, host, trust)));
      return;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      reject(new FetchError(`GET ${url}: timed out`));
      return;
    }
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) {
          callback(err, '', 0);
          return;
        }
        const list = (addresses as unknown as LookupAddress[]).filter((a) => addressAllowed(a.address, trust));
        if (list.length === 0) {
          const first = (addresses as unknown as LookupAddress[])[0]?.address ?? '?';
          callback(Object.assign(new Error(refusedAddress(url, first, trust)), { code: 'EBOSUNREFUSED' }), '', 0);
          return;
        }
        if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
        else callback(null, list[0].address, list[0].family);
      });
    };
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(error);
    };
    const req = send(parsed, { method: 'GET', headers: { 'user-agent': 'bosun-chart-fetcher', accept: '*/*', ...opts.headers }, lookup, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      const length = Number(res.headers['content-length'] ?? '0');
      if (status === 200 && length > opts.maxBytes) {
        fail(new FetchError(`GET ${url}: ${length} bytes, more than the ${mib(opts.maxBytes)} allowed`));
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > opts.maxBytes) {
          fail(new FetchError(`GET ${url}: more than the ${mib(opts.maxBytes)} allowed`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (e) => fail(new FetchError(`GET ${url}: ${e.message}`)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    const timer = setTimeout(() => fail(new FetchError(`GET ${url}: timed out after ${Math.round(opts.timeoutMs / 1000)} s`)), remaining);
    const onAbort = () => fail(new FetchError(`GET ${url}: cancelled`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => fail(new FetchError(e.code === 'EBOSUNREFUSED' ? e.message : `GET ${url}: ${e.code ?? e.message}`)));
    req.end();
  });
}

function refusedAddress(url: string, address: string, trust: Trust): string {
  const why = trust === 'content' ? 'content from another host is fetched from public addresses only' : 'a source declared only on the base branch is never fetched from link-local or metadata addresses; list it in BOSUN_CHART_SOURCES / --chart-source if it really is a chart source';
  return `${url}: refused to connect to ${address}: ${why}`;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${bytes} bytes`;
}
