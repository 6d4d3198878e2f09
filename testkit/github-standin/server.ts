// The HTTP front door: git smart HTTP, GraphQL and REST, each request recorded.
import { randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './auth/credentials.ts';
import { matchGitPath, serveGit, type GitCounts } from './git/http-backend.ts';
import { handleGraphql } from './graphql.ts';
import type { Site } from './present/site.ts';
import type { Faults } from './faults.ts';
import { secondaryLimitMessage, type RateLimits } from './rate-limit.ts';
import { dispatchRest, errorBody, type RestResult } from './rest/dispatch.ts';
import type { Handlers } from './rest/types.ts';
import type { RequestRecord } from './types.ts';
import { handleManifestForm, matchManifestForm } from './web/app-manifest-form.ts';

export interface ServerDeps {
  site: Site;
  handlers: Handlers;
  limits: RateLimits;
  /** The seeded fault mode (faults.ts): consulted for every API request before it is handled. */
  faults?: Faults;
  appKey: KeyObject;
  checkResponses: boolean;
  now(): number;
  gitCounts(repoKey: string): GitCounts;
  record(entry: Omit<RequestRecord, 'seq' | 'timestamp'>): void;
}

const maxBody = 50 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBody) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBody ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const common = {
    'x-github-request-id': randomUUID().toUpperCase(),
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
  };
  if (status === 204 || body === undefined) {
    res.writeHead(status, { ...common, ...headers });
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...common, ...headers });
  res.end(JSON.stringify(body));
}

export function createRequestHandler(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      deps.record({ kind: 'rest', method: req.method ?? 'GET', path: req.url ?? '/', query: '', status: 500, responseProblems: [`stand-in error: ${message}`] });
      if (!res.headersSent) send(res, 500, { message: `GitHub stand-in error: ${message}` });
      else res.end();
    });
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', deps.site.web);
  const method = (req.method ?? 'GET').toUpperCase();
  const base = { method, path: url.pathname, query: url.search.replace(/^\?/, '') };

  const gitRoute = matchGitPath(url.pathname, url.search);
  if (gitRoute && !url.pathname.startsWith('/api/')) {
    const status = await serveGit(deps.site, deps.gitCounts, gitRoute, req, res, deps.now());
    deps.record({ kind: 'git', ...base, status });
    return;
  }

  const raw = await readBody(req);
  if (raw === undefined) {
    send(res, 413, { message: 'Request body too large' });
    deps.record({ kind: 'rest', ...base, status: 413 });
    return;
  }

  // GitHub's web form for registering an App from a manifest (a browser POST, not the API).
  const form = matchManifestForm(method, url.pathname);
  if (form) {
    const answer = handleManifestForm(deps.site, form, url, raw, req.headers['content-type'], deps.now());
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    deps.record({ kind: 'web', ...base, status: answer.status, ...(answer.problems ? { rejected: answer.problems.map((message) => ({ in: 'body' as const, field: 'manifest', code: 'invalid' as const, message })) } : {}) });
    return;
  }

  const graphql = method === 'POST' && (url.pathname === '/api/graphql' || url.pathname === '/graphql');
  const fault = deps.faults?.takeOneOff(method, url.pathname, raw.toString('utf8')) ?? deps.faults?.take(method, deps.now());
  if (fault && !fault.applied) {
    send(res, fault.status, fault.body, fault.headers);
    deps.record({ kind: graphql ? 'graphql' : 'rest', ...base, status: fault.status, injected: true });
    return;
  }
  // A fault answered after the request was carried out: whatever it did stays, the client sees the fault.
  const answer = (status: number, body: unknown, headers?: Record<string, string>): number => {
    if (fault) send(res, fault.status, fault.body, fault.headers);
    else send(res, status, body, headers);
    return fault?.status ?? status;
  };
  const injected = fault ? { injected: true } : {};

  if (graphql) {
    const auth = authenticate(req.headers.authorization, deps.site.store, deps.appKey, deps.site.app.id, deps.now());
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      send(res, 400, { message: 'Problems parsing JSON' });
      deps.record({ kind: 'graphql', ...base, status: 400 });
      return;
    }
    if (auth.kind === 'refused') {
      send(res, 401, { message: auth.message, documentation_url: 'https://docs.github.com/graphql' });
      deps.record({ kind: 'graphql', ...base, status: 401, body });
      return;
    }
    const retryAfter = auth.kind === 'installation' && /^\s*mutation\b/.test(String((body as { query?: unknown } | undefined)?.query ?? '')) ? deps.limits.takeSecondary() : undefined;
    if (retryAfter !== undefined) {
      send(res, 403, { message: secondaryLimitMessage, documentation_url: 'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api' }, { 'retry-after': String(retryAfter) });
      deps.record({ kind: 'graphql', ...base, status: 403, body });
      return;
    }
    const result = handleGraphql(deps.site, auth, body);
    const status = answer(result.status, result.body);
    deps.record({ kind: 'graphql', ...base, status, body, rejected: result.rejected, ...injected });
    return;
  }

  const apiPath = url.pathname === '/api/v3' ? '/' : url.pathname.startsWith('/api/v3/') ? url.pathname.slice('/api/v3'.length) : url.pathname;
  let result: RestResult;
  try {
    result = await dispatchRest(
      { site: deps.site, handlers: deps.handlers, limits: deps.limits, appKey: deps.appKey, checkResponses: deps.checkResponses, now: deps.now },
      { method, url, path: apiPath, authorization: req.headers.authorization, body: raw },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    result = { status: 500, body: errorBody(500, `GitHub stand-in error: ${message}`, 'https://docs.github.com/rest'), responseProblems: [`stand-in error: ${message}`] };
  }
  const status = answer(result.status, result.body, result.headers);
  deps.record({
    kind: 'rest',
    ...base,
    status,
    ...injected,
    operationId: result.operationId,
    body: result.requestBody,
    rejected: result.rejected,
    responseProblems: result.responseProblems,
  });
}
