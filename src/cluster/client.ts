import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { BosunError } from '../model/errors.ts';
import { Limiter } from '../util/limit.ts';
import { ApiError, TransportError } from './api-error.ts';
import { ResourceMapper } from './discovery.ts';
import { defaultRetryPolicy, withRetry, type RetryNotice, type RetryPolicy } from './retry.ts';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** Values to scrub from error messages (Secret data being sent). */
  secrets?: readonly string[];
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export interface ClusterClientOptions {
  /** The cluster's name in the registry; every error names it. */
  name: string;
  kubeConfig: KubeConfig;
  /** Requests in flight at once (default 16). kubectl sends one at a time; the API server handles far more. */
  concurrency?: number;
  /** Per-request idle timeout (default 30 s). */
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  onRetry?: RetryListener;
}

export type RetryListener = (notice: RetryNotice & { method: string; path: string }) => void;

interface Transport {
  agent: http.Agent;
  module: typeof http | typeof https;
  base: URL;
  tls: https.AgentOptions;
}

/** Bearer tokens from exec plugins or token files can rotate; re-read them this often. */
const authTtlMs = 60_000;

/**
 * One connection to one cluster's API server. Credentials and TLS come from @kubernetes/client-node's
 * KubeConfig (every auth method it supports), but requests go through a single keep-alive agent with a
 * shared in-flight bound and our retry policy: the generated API client creates a new agent per call and
 * hides the status code and Retry-After header that retry and conflict reporting need.
 */
export class ClusterClient {
  readonly name: string;
  readonly server: string;
  readonly resources: ResourceMapper;
  /** Namespace for namespaced objects that name none: the kubeconfig context's, else `default`. */
  readonly defaultNamespace: string;
  private readonly kubeConfig: KubeConfig;
  private readonly limiter: Limiter;
  private readonly concurrencyBound: number;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly onRetry?: ClusterClientOptions['onRetry'];
  private readonly retryListeners = new Set<RetryListener>();
  private transport?: Promise<Transport>;
  private auth?: { headers: Record<string, string>; at: number };

  constructor(options: ClusterClientOptions) {
    this.name = options.name;
    this.kubeConfig = options.kubeConfig;
    const cluster = options.kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new BosunError({ kind: 'cluster', message: `cluster "${options.name}": the kubeconfig has no current context with a cluster; set "context" in the cluster registry` });
    }
    this.server = cluster.server;
    const context = options.kubeConfig.getContextObject(options.kubeConfig.getCurrentContext());
    this.defaultNamespace = context?.namespace || 'default';
    this.concurrencyBound = Math.max(1, options.concurrency ?? 16);
    this.limiter = new Limiter(this.concurrencyBound);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.onRetry = options.onRetry;
    this.resources = new ResourceMapper(this);
  }

  get concurrency(): number {
    return this.concurrencyBound;
  }

  /** Sends one request with retries; a non-2xx answer throws ApiError, no answer throws TransportError. */
  async request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>> {
    return withRetry(
      () => this.limiter.run(() => this.send<T>(req)),
      this.policy,
      (notice) => {
        const full = { ...notice, method: req.method, path: req.path };
        this.onRetry?.(full);
        for (const listener of this.retryListeners) listener(full);
      },
    );
  }

  /** Hears about every retry until the returned function is called (progress reporting for one run). */
  addRetryListener(listener: RetryListener): () => void {
    this.retryListeners.add(listener);
    return () => this.retryListeners.delete(listener);
  }

  /** GET that answers undefined for 404 instead of throwing. */
  async getOrUndefined<T = unknown>(path: string, query?: ApiRequest['query']): Promise<T | undefined> {
    try {
      return (await this.request<T>({ method: 'GET', path, query })).body;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Checks that the API server answers and accepts our credentials, turning the usual failures into a
   * message that names the cluster and says what to check (never the credentials themselves).
   */
  async verify(): Promise<{ gitVersion?: string }> {
    try {
      const res = await this.request<{ gitVersion?: string }>({ method: 'GET', path: '/version' });
      // /version is public on most clusters: also check the credentials against something that needs them.
      await this.request({ method: 'GET', path: '/api' });
      return res.body;
    } catch (error) {
      throw toClusterError(this.name, this.server, error);
    }
  }

  close(): void {
    void this.transport?.then((t) => t.agent.destroy(), () => undefined);
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth && Date.now() - this.auth.at < authTtlMs) return this.auth.headers;
    const opts: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.auth = { headers, at: Date.now() };
    return headers;
  }

  private getTransport(): Promise<Transport> {
    this.transport ??= (async () => {
      const opts: https.RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(opts);
      const base = new URL(this.server);
      const tls: https.AgentOptions = {
        ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase,
        servername: opts.servername, rejectUnauthorized: opts.rejectUnauthorized,
      };
      const isHttps = base.protocol === 'https:';
      const agentOptions = { keepAlive: true, maxSockets: this.concurrencyBound, ...tls };
      return {
        base,
        tls,
        module: isHttps ? https : http,
        agent: isHttps ? new https.Agent(agentOptions) : new http.Agent({ keepAlive: true, maxSockets: this.concurrencyBound }),
      };
    })();
    return this.transport;
  }

  private async send<T>(req: ApiRequest): Promise<ApiResponse<T>> {
    const transport = await this.getTransport();
    const headers: Record<string, string> = { Accept: 'application/json', ...(await this.authHeaders()) };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const basePath = transport.base.pathname.replace(/\/$/, '');
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) search.set(key, value);
    const qs = search.toString();
    const path = `${basePath}${req.path}${qs ? `?${qs}` : ''}`;

    return new Promise<ApiResponse<T>>((resolve, reject) => {
      const request = transport.module.request(
        {
          protocol: transport.base.protocol,
          hostname: transport.base.hostname,
          port: transport.base.port,
          method: req.method,
          path,
          headers,
          agent: transport.agent,
          ...transport.tls,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error: NodeJS.ErrnoException) => reject(new TransportError({ code: error.code ?? 'ECONNRESET', message: `${req.method} ${req.path}: ${error.message}`, method: req.method, path: req.path })));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const type = String(res.headers['content-type'] ?? '');
            let body: unknown = text;
            if (type.includes('json') && text !== '') {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve({ status, body: body as T });
            else {
              const retryAfter = res.headers['retry-after'];
              reject(new ApiError({ status, body, method: req.method, path: req.path, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, secrets: req.secrets }));
            }
          });
        },
      );
      request.setTimeout(this.timeoutMs, () => {
        request.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        reject(new TransportError({ code: error.code ?? 'ECONNRESET', message: `${req.method} ${req.path}: ${error.message}`, method: req.method, path: req.path }));
      });
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }
}

/** A BosunError of kind 'cluster' that names the cluster and says what to check. */
export function toClusterError(cluster: string, server: string, error: unknown): BosunError {
  if (error instanceof BosunError) return error;
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return new BosunError({ kind: 'cluster', message: `cluster "${cluster}" (${server}) rejected our credentials (401); check the user in its kubeconfig` }, { cause: error });
    }
    if (error.status === 403) {
      return new BosunError({ kind: 'cluster', message: `cluster "${cluster}" (${server}) denied access (403): ${error.message}; grant the kubeconfig user the rights bosun needs` }, { cause: error });
    }
    return new BosunError({ kind: 'cluster', message: `cluster "${cluster}" (${server}) answered ${error.status}: ${error.message}` }, { cause: error });
  }
  if (error instanceof TransportError && /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/.test(error.code)) {
    return new BosunError({ kind: 'cluster', message: `cluster "${cluster}" (${server}): TLS verification failed (${error.code}); check the certificate-authority of its kubeconfig` }, { cause: error });
  }
  if (error instanceof TransportError) {
    return new BosunError({ kind: 'cluster', message: `cannot reach the API server of cluster "${cluster}" at ${server} (${error.code}${error.attempts > 1 ? `, ${error.attempts} tries` : ''}); check that it is running and reachable from here` }, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new BosunError({ kind: 'cluster', message: `cluster "${cluster}" (${server}): ${message}` }, { cause: error });
}
