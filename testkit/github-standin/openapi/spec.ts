// GitHub's published REST description (@octokit/openapi), read once per process and only when first
// needed: the package carries every GitHub Enterprise variant (385 MB) and this file alone is 13 MB.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
  'x-multi-segment'?: boolean;
}

export interface OpenApiOperation {
  operationId: string;
  summary?: string;
  parameters?: Array<OpenApiParameter | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
  externalDocs?: { url?: string };
}

export interface OpenApiSpec {
  info: { version: string };
  paths: Record<string, Record<string, OpenApiOperation | unknown>>;
  components: {
    schemas: Record<string, unknown>;
    parameters: Record<string, OpenApiParameter>;
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  };
}

let cached: OpenApiSpec | undefined;

export function githubOpenApi(): OpenApiSpec {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    cached = JSON.parse(readFileSync(file, 'utf8')) as OpenApiSpec;
  }
  return cached;
}

/** Resolves a `#/components/...` reference inside the description (parameters, responses). */
export function resolveRef<T>(spec: OpenApiSpec, value: T | { $ref: string }): T {
  if (value && typeof value === 'object' && '$ref' in value && typeof value.$ref === 'string') {
    const parts = value.$ref.replace(/^#\//, '').split('/');
    let node: unknown = spec;
    for (const part of parts) node = (node as Record<string, unknown>)[part];
    if (node === undefined) throw new Error(`OpenAPI reference ${value.$ref} does not resolve`);
    return resolveRef(spec, node as T | { $ref: string });
  }
  return value as T;
}
