// Request and response validation against the operation's schemas, compiled on first use and cached
// for the life of the process (every stand-in in a test run shares them).
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { componentsId, toJsonSchema } from './json-schema.ts';
import { githubOpenApi, resolveRef, type OpenApiOperation, type OpenApiParameter } from './spec.ts';

const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default;

/** One reason a request does not fit the description, in GitHub's error-object shape. */
export interface RequestProblem {
  in: 'path' | 'query' | 'body';
  /** Dotted path of the field (`output.annotations`), empty for the whole body. */
  field: string;
  code: 'missing_field' | 'invalid';
  message: string;
}

export interface CheckedRequest {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  problems: RequestProblem[];
}

interface OperationValidators {
  path: ValidateFunction;
  query: ValidateFunction;
  body?: ValidateFunction;
  bodyRequired: boolean;
}

let instances: { strict: Ajv; coercing: Ajv } | undefined;
const byOperation = new Map<string, OperationValidators>();
const byResponse = new Map<string, ValidateFunction | null>();

function ajvs(): { strict: Ajv; coercing: Ajv } {
  if (instances) return instances;
  const spec = githubOpenApi();
  const schemas = Object.fromEntries(Object.entries(spec.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema)]));
  const components = { components: { schemas } };
  const make = (coerceTypes: boolean): Ajv => {
    // strict off: GitHub's schemas carry keywords ajv does not know; unicodeRegExp off: some of its
    // patterns are not valid in `u` mode.
    const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: false, unicodeRegExp: false, coerceTypes });
    addFormats(ajv, ['date-time', 'date', 'email']);
    // GitHub answers "" for unset URL fields the description marks `format: uri` (and gives "" as
    // their default), so the empty string counts as a URI here.
    const uri = /^[a-z][a-z0-9+.-]*:[^\s]*$/i;
    ajv.addFormat('uri', (value: string) => value === '' || uri.test(value));
    for (const format of ['uri-template', 'int64', 'int32', 'double', 'repo.nwo', 'binary']) ajv.addFormat(format, true);
    ajv.addSchema({ $id: componentsId, ...components });
    return ajv;
  };
  instances = { strict: make(false), coercing: make(true) };
  return instances;
}

function validatorsFor(operation: OpenApiOperation): OperationValidators {
  const cached = byOperation.get(operation.operationId);
  if (cached) return cached;
  const spec = githubOpenApi();
  const { strict, coercing } = ajvs();
  const params = (operation.parameters ?? []).map((p) => resolveRef<OpenApiParameter>(spec, p));
  const group = (where: 'path' | 'query'): object => {
    const own = params.filter((p) => p.in === where);
    return {
      type: 'object',
      properties: Object.fromEntries(own.map((p) => [p.name, toJsonSchema(p.schema ?? {})])),
      required: own.filter((p) => p.required || where === 'path').map((p) => p.name),
    };
  };
  const json = operation.requestBody?.content['application/json']?.schema;
  const validators: OperationValidators = {
    path: coercing.compile(group('path')),
    query: coercing.compile(group('query')),
    body: json ? strict.compile(toJsonSchema(json) as object) : undefined,
    bodyRequired: operation.requestBody?.required === true,
  };
  byOperation.set(operation.operationId, validators);
  return validators;
}

/**
 * Checks path parameters, query parameters and the JSON body. Parameters come back coerced to their
 * declared types (`per_page: "50"` → 50); unknown query parameters pass, as they do on GitHub.
 */
export function checkRequest(operation: OpenApiOperation, raw: { params: Record<string, string>; query: Record<string, string>; body: unknown }): CheckedRequest {
  const v = validatorsFor(operation);
  const params: Record<string, unknown> = { ...raw.params };
  const query: Record<string, unknown> = { ...raw.query };
  const problems: RequestProblem[] = [];
  if (!v.path(params)) problems.push(...toProblems('path', v.path.errors));
  if (!v.query(query)) problems.push(...toProblems('query', v.query.errors));
  if (v.body) {
    const body = raw.body === undefined ? {} : raw.body;
    if (!v.body(body)) problems.push(...toProblems('body', v.body.errors));
  }
  return { params, query, problems };
}

/**
 * Problems with a response body the stand-in produced, against the schema GitHub documents for that
 * status; `undefined` when the description has no JSON schema for it. A status the operation does not
 * list at all is itself a problem for 2xx answers.
 */
export function checkResponse(operation: OpenApiOperation, status: number, body: unknown): string[] | undefined {
  const key = `${operation.operationId} ${status}`;
  let validate = byResponse.get(key);
  if (validate === undefined) {
    const declared = operation.responses[String(status)];
    if (!declared) {
      if (status >= 200 && status < 300) return [`status ${status} is not documented for ${operation.operationId}`];
      return undefined;
    }
    const response = resolveRef(githubOpenApi(), declared as { content?: Record<string, { schema?: unknown }> });
    const schema = response.content?.['application/json']?.schema;
    validate = schema ? ajvs().strict.compile(toJsonSchema(schema) as object) : null;
    byResponse.set(key, validate);
  }
  if (validate === null) return undefined;
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}`);
}

function toProblems(where: RequestProblem['in'], errors: ErrorObject[] | null | undefined): RequestProblem[] {
  const seen = new Set<string>();
  const out: RequestProblem[] = [];
  for (const e of errors ?? []) {
    // The summary line of an anyOf only repeats its branches' errors.
    if (e.keyword === 'anyOf') continue;
    const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let problem: RequestProblem;
    if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      const field = [...path, missing].join('.');
      problem = { in: where, field, code: 'missing_field', message: `"${field}" wasn't supplied.` };
    } else {
      const field = path.join('.');
      const at = field === '' ? `the ${where === 'body' ? 'request body' : `${where} parameters`}` : `'${field}'`;
      problem = { in: where, field, code: 'invalid', message: `For ${at}, ${describe(e)}.` };
    }
    const key = `${problem.in} ${problem.field} ${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}

function describe(e: ErrorObject): string {
  const value = shortJson(e.data);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return `${value} is not one of ${JSON.stringify(p.allowedValues)}`;
    case 'type':
      return `${value} is not ${Array.isArray(p.type) ? (p.type as string[]).join(' or ') : `a ${String(p.type)}`}`;
    case 'maxItems':
      return `${Array.isArray(e.data) ? e.data.length : '?'} items is more than the maximum of ${String(p.limit)}`;
    case 'maxLength':
      return `${typeof e.data === 'string' ? e.data.length : '?'} characters is more than the maximum of ${String(p.limit)}`;
    default:
      return `${value} ${e.message ?? `fails ${e.keyword}`}`;
  }
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
