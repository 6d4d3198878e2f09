import type { Caller } from '../auth/credentials.ts';
import type { OpenApiOperation } from '../openapi/spec.ts';
import type { Site } from '../present/site.ts';
import type { RepoRecord } from '../state/records.ts';

export interface OpContext {
  site: Site;
  operation: OpenApiOperation;
  /** Path parameters, coerced to their declared types. */
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** The JSON body (`{}` when none was sent). */
  body: Record<string, unknown>;
  caller: Caller;
  /** The repository named by `{owner}/{repo}`, already checked to be visible to the caller. */
  repo?: RepoRecord;
  /** The URL the request was made to (prefix and query kept), for pagination links. */
  url: URL;
  now: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Who may call an operation: `app` needs the App's JWT, `installation` an installation token with
 * access to the repository in the path, `any` whatever credentials or none (`GET /rate_limit`).
 */
export type AuthRule = 'app' | 'installation' | 'any';

export interface RouteHandler {
  auth: AuthRule;
  handle(ctx: OpContext): Reply | Promise<Reply>;
}

export type Handlers = Record<string, RouteHandler>;

export interface ErrorDetail {
  resource: string;
  field?: string;
  code: string;
  message?: string;
  value?: unknown;
}

/** A GitHub error answer: `{ message, errors?, documentation_url, status }`. */
export class ApiError extends Error {
  readonly status: number;
  readonly errors?: ErrorDetail[];
  readonly headers?: Record<string, string>;

  constructor(status: number, message: string, opts: { errors?: ErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.errors = opts.errors;
    this.headers = opts.headers;
  }
}

export function notFound(): ApiError {
  return new ApiError(404, 'Not Found');
}

/** 422 "Validation Failed" with one GitHub error object, as GitHub answers business-rule violations. */
export function validationFailed(resource: string, field: string, code: string, message?: string): ApiError {
  return new ApiError(422, 'Validation Failed', { errors: [{ resource, field, code, ...(message ? { message } : {}) }] });
}

export function ok(body: unknown, status = 200, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

/** The repository of a repository-scoped operation (dispatch has checked the caller may see it). */
export function needRepo(ctx: OpContext): RepoRecord {
  if (!ctx.repo) throw notFound();
  return ctx.repo;
}
