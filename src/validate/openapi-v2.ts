import { createHash } from 'node:crypto';

/**
 * A cluster's own schemas, from its API server's OpenAPI v2 document (`/openapi/v2`): every kind it
 * serves — built-ins at its own version and the CRDs installed on it — as strict JSON schemas. Made by
 * the cluster adapter (src/cluster/openapi.ts), passed into validation as data.
 */
export interface ClusterSchemaSet {
  /** The registry name of the cluster. */
  cluster: string;
  /** "1.<minor>" of the API server. */
  kubernetesVersion: string;
  /** The server's own version string (`/version` gitVersion), e.g. v1.20.2. */
  gitVersion: string;
  /** sha256 of the OpenAPI document the set was made from (a cache key). */
  hash: string;
  /** `apiVersion/Kind` → definition name. */
  kinds: Record<string, string>;
  /** Definition name → strict JSON schema; `$ref`s point at `#/definitions/<name>`. */
  definitions: Record<string, Record<string, unknown>>;
}

type Schema = Record<string, unknown>;

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validPattern(p: unknown): boolean {
  if (typeof p !== 'string') return false;
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

const keptFormats = new Set(['date-time', 'byte', 'int32', 'int64', 'double']);
const intOrStringDefinition = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const quantityDefinition = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function withNull(schema: Schema): Schema {
  if (typeof schema.$ref === 'string') return { anyOf: [schema, { type: 'null' }] };
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type) && !schema.type.includes('null')) return { ...schema, type: [...schema.type, 'null'] };
  return schema;
}

/**
 * One OpenAPI v2 node as a strict JSON schema, by the rules bosun's other schemas follow (kubeconform's
 * openapi2jsonschema, as crd-schema.ts applies them to CRDs): an object that lists properties rejects
 * others unless `x-kubernetes-preserve-unknown-fields`; int-or-string takes both; an optional field may be
 * null (manifests write `creationTimestamp: null`); a Quantity may be a YAML number. Descriptions are
 * dropped, and so are patterns JavaScript cannot compile.
 */
function strict(node: unknown, optional: boolean): unknown {
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    const ref: Schema = { $ref: node.$ref };
    return optional ? withNull(ref) : ref;
  }
  const out: Schema = {};
  const required = new Set(Array.isArray(node.required) ? node.required.filter((r): r is string => typeof r === 'string') : []);
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case 'properties':
        if (isObject(value)) out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v, !required.has(k))]));
        break;
      case 'items':
        out.items = Array.isArray(value) ? value.map((v) => strict(v, false)) : strict(value, false);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : strict(value, false);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        if (Array.isArray(value)) out[key] = value.map((v) => strict(v, false));
        break;
      case 'pattern':
        if (validPattern(value)) out.pattern = value;
        break;
      case 'format':
        if (typeof value === 'string' && keptFormats.has(value)) out.format = value;
        break;
      case 'type':
      case 'enum':
      case 'required':
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
      case 'uniqueItems':
      case 'minProperties':
      case 'maxProperties':
      case 'multipleOf':
        out[key] = value;
        break;
      default:
        // description, x-kubernetes-* markers, default, example: not constraints on a manifest
    }
  }
  if (node.format === 'int-or-string' || node['x-kubernetes-int-or-string'] === true) {
    out.type = ['integer', 'string'];
    delete out.anyOf;
    delete out.format;
  }
  if (node['x-kubernetes-embedded-resource'] === true && isObject(out.properties)) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...out.properties };
  }
  if (out.properties !== undefined && out.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return optional ? withNull(out) : out;
}

/** Turns `/openapi/v2` into a schema set: definitions made strict, kinds mapped by `x-kubernetes-group-version-kind`. */
export function schemaSetFromOpenApiV2(doc: unknown, server: { cluster: string; gitVersion: string; kubernetesVersion: string }, hash?: string): ClusterSchemaSet {
  const defs = isObject(doc) && isObject(doc.definitions) ? doc.definitions : {};
  const definitions: Record<string, Schema> = {};
  const kinds: Record<string, string> = {};
  for (const [name, def] of Object.entries(defs)) {
    if (!isObject(def)) continue;
    if (name === intOrStringDefinition) definitions[name] = { type: ['integer', 'string'] };
    else if (name === quantityDefinition) definitions[name] = { type: ['string', 'number'] };
    else definitions[name] = strict(def, false) as Schema;
    const gvks = def['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    // Option types (DeleteOptions, WatchEvent…) name every group; only a kind's own definition counts.
    if (gvks.length !== 1) continue;
    const gvk = gvks[0] as { group?: unknown; version?: unknown; kind?: unknown };
    if (typeof gvk.version !== 'string' || typeof gvk.kind !== 'string') continue;
    const apiVersion = typeof gvk.group === 'string' && gvk.group !== '' ? `${gvk.group}/${gvk.version}` : gvk.version;
    kinds[`${apiVersion}/${gvk.kind}`] = name;
  }
  return {
    cluster: server.cluster,
    kubernetesVersion: server.kubernetesVersion,
    gitVersion: server.gitVersion,
    hash: hash ?? createHash('sha256').update(JSON.stringify(doc)).digest('hex'),
    kinds,
    definitions,
  };
}

/** The definitions a root definition reaches through `$ref`s (itself included), for a self-contained schema. */
export function reachableDefinitions(set: ClusterSchemaSet, root: string): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const stack = [root];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (out[name] || !set.definitions[name]) continue;
    out[name] = set.definitions[name] as Schema;
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (isObject(node)) {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) stack.push(v.slice('#/definitions/'.length));
          else walk(v);
        }
      }
    };
    walk(out[name]);
  }
  return out;
}
