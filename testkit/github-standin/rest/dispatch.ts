// One REST request, start to end: route by the OpenAPI description, authenticate, apply rate limits,
// validate against the operation's schemas, run the handler, and check the answer against the
// documented response schema.
import type { KeyObject } from 'node:crypto';
import { authenticate, type Caller } from '../auth/credentials.ts';
import { matchRoute } from '../openapi/routes.ts';
import type { OpenApiOperation } from '../openapi/spec.ts';
import { checkRequest, checkResponse, type RequestProblem } from '../openapi/validators.ts';
import type { Site } from '../present/site.ts';
import { secondaryLimitMessage, type RateLimits } from '../rate-limit.ts';
import { ApiError, type AuthRule, type ErrorDetail, type Handlers, type OpContext, type Reply } from './types.ts';

export interface RestRequest {
  method: string;
  /** The full URL the client used (with `/api/v3` when it was there). */
  url: URL;
  /** The path below the API root: `/repos/o/r/...`. */
  path: string;
  authorization: string | undefined;
  body: Buffer;
}

export interface RestResult extends Reply {
  operationId?: string;
  /** Why the request did not fit the description (then status is 422). */
  rejected?: RequestProblem[];
  /** Where the stand-in's own answer does not fit the documented response schema. */
  responseProblems?: string[];
  /** The parsed JSON body the client sent. */
  requestBody?: unknown;
}

export interface RestDeps {
  site: Site;
  handlers: Handlers;
  limits: RateLimits;
  appKey: KeyObject;
  checkResponses: boolean;
  now(): number;
}

const contentCreating = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const restDocs = 'https://docs.github.com/rest';

export function errorBody(status: number, message: string, docs: string, errors?: ErrorDetail[]): Record<string, unknown> {
  return { message, ...(errors ? { errors } : {}), documentation_url: docs, status: String(status) };
}

function defaultRule(template: string): AuthRule {
  return template === '/app' || template.startsWith('/app/') ? 'app' : 'installation';
}

function refusal(rule: AuthRule, caller: Caller): ApiError | undefined {
  if (rule === 'any') return undefined;
  if (rule === 'app') return caller.kind === 'app' ? undefined : new ApiError(401, 'A JSON web token could not be decoded');
  if (caller.kind === 'installation') return undefined;
  if (caller.kind === 'anonymous') return new ApiError(401, 'Requires authentication');
  return new ApiError(403, 'Resource not accessible by integration: this endpoint needs an installation access token, not the App JWT');
}

export async function dispatchRest(deps: RestDeps, req: RestRequest): Promise<RestResult> {
  const now = deps.now();
  const match = matchRoute(req.method, req.path);
  if (!match || !match.operation) return { status: 404, body: { message: 'Not Found', documentation_url: restDocs, status: '404' } };
  const operation: OpenApiOperation = match.operation;
  const docs = operation.externalDocs?.url ?? restDocs;
  const fail = (e: ApiError, extra: Partial<RestResult> = {}): RestResult => ({
    status: e.status,
    body: errorBody(e.status, e.message, docs, e.errors),
    headers: e.headers,
    operationId: operation.operationId,
    ...extra,
  });

  const auth = authenticate(req.authorization, deps.site.store, deps.appKey, deps.site.app.id, now);
  if (auth.kind === 'refused') return fail(new ApiError(auth.status, auth.message));
  const caller: Caller = auth;
  const handler = deps.handlers[operation.operationId];
  const rule = handler?.auth ?? defaultRule(match.template);
  const refused = refusal(rule, caller);
  if (refused) return fail(refused);

  const core = deps.limits.count(caller, now);
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(core.limit),
    'x-ratelimit-remaining': String(core.remaining),
    'x-ratelimit-reset': String(core.reset),
    'x-ratelimit-used': String(core.used),
    'x-ratelimit-resource': 'core',
  };

  let repo;
  if (rule === 'installation' && match.params.owner !== undefined && match.params.repo !== undefined && caller.kind === 'installation') {
    repo = deps.site.store.repo(match.params.owner, match.params.repo);
    const visible = repo && repo.installationId === caller.installationId && (!caller.repos || caller.repos.has(repo.key));
    if (!visible) return fail(new ApiError(404, 'Not Found', { headers }));
  }

  if (rule === 'installation' && contentCreating.has(req.method)) {
    const retryAfter = deps.limits.takeSecondary();
    if (retryAfter !== undefined) {
      return fail(new ApiError(403, secondaryLimitMessage, { headers: { ...headers, 'retry-after': String(retryAfter) } }));
    }
  }

  let body: unknown;
  if (req.body.length > 0) {
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return fail(new ApiError(400, 'Problems parsing JSON', { headers }));
    }
  }
  const query = Object.fromEntries(req.url.searchParams.entries());
  const checked = checkRequest(operation, { params: match.params, query, body });
  if (checked.problems.length > 0) {
    const resource = operation.operationId.split('/')[0];
    const errors = checked.problems.map((p) => ({ resource, field: p.field, code: p.code, message: p.message }));
    const message = `Invalid request.\n\n${checked.problems.map((p) => p.message).join('\n')}`;
    return fail(new ApiError(422, message, { errors, headers }), { rejected: checked.problems, requestBody: body });
  }
  if (!handler) {
    return fail(
      new ApiError(501, `The GitHub stand-in does not implement ${operation.operationId} (${req.method} ${match.template}); add it under testkit/github-standin/rest/handlers`, { headers }),
      { requestBody: body },
    );
  }

  const ctx: OpContext = {
    site: deps.site,
    operation,
    params: checked.params,
    query: checked.query,
    body: body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {},
    caller,
    repo,
    url: req.url,
    now,
  };
  let reply: Reply;
  try {
    reply = await handler.handle(ctx);
  } catch (err) {
    if (err instanceof ApiError) return fail(new ApiError(err.status, err.message, { errors: err.errors, headers: { ...headers, ...err.headers } }), { requestBody: body });
    throw err;
  }
  const result: RestResult = { ...reply, headers: { ...headers, ...reply.headers }, operationId: operation.operationId, requestBody: body };
  if (deps.checkResponses && reply.status < 300) {
    const problems = checkResponse(operation, reply.status, reply.body);
    if (problems && problems.length > 0) result.responseProblems = problems;
  }
  return result;
}
