import type { KubeObject, RenderedObject } from '../model/object.ts';
import { objectMetaRef } from './engine.ts';
import { repoRegExp } from '../util/repo-regexp.ts';

type Schema = Record<string, unknown>;

/** One version of a custom resource as its CRD defines it. */
export interface CrdVersion {
  /** `metadata.name` of the CRD, e.g. `widgets.example.com`. */
  crdName: string;
  group: string;
  version: string;
  kind: string;
  served: boolean;
  /** Strict JSON schema of the whole object; undefined when the CRD has no schema (anything goes). */
  schema?: Schema;
}

const crdGroup = 'apiextensions.k8s.io';

export function isCrd(obj: KubeObject): boolean {
  return obj.kind === 'CustomResourceDefinition' && typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith(`${crdGroup}/`);
}

/** The CRDs among rendered objects. */
export function collectCrds(objects: readonly RenderedObject[]): KubeObject[] {
  return objects.map((o) => o.object).filter(isCrd);
}

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isValidPattern(p: unknown): boolean {
  if (typeof p !== 'string') return false;
  try {
    repoRegExp(p);
    return true;
  } catch {
    return false;
  }
}

function intOrStringBranch(s: unknown): boolean {
  return isObject(s) && Object.keys(s).length === 1 && (s.type === 'integer' || s.type === 'string');
}

/**
 * kubeconform's openapi2jsonschema rules on one OpenAPI v3 node, recursively: objects that list
 * properties reject others unless `x-kubernetes-preserve-unknown-fields`; `x-kubernetes-int-or-string`
 * accepts both; `nullable` adds null. Patterns JavaScript cannot compile (RE2-only syntax) are dropped
 * rather than failing the whole CRD. Returns a new tree; the input is not modified.
 */
export function strictNode(node: unknown, preserveAll = false): unknown {
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case 'properties':
      case 'patternProperties':
      case 'definitions':
        out[key] = isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strictNode(v, preserveAll)])) : value;
        break;
      case 'items':
        out[key] = Array.isArray(value) ? value.map((v) => strictNode(v, preserveAll)) : strictNode(value, preserveAll);
        break;
      case 'additionalProperties':
      case 'not':
        out[key] = strictNode(value, preserveAll);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = Array.isArray(value) ? value.map((v) => strictNode(v, preserveAll)) : value;
        break;
      case 'pattern':
        if (isValidPattern(value)) out[key] = value;
        break;
      case 'nullable':
        break;
      default:
        out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    out.type = ['integer', 'string'];
    if (Array.isArray(out.anyOf) && out.anyOf.every(intOrStringBranch)) delete out.anyOf;
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  if (node['x-kubernetes-embedded-resource'] === true && isObject(out.properties)) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...out.properties };
  }
  if (out.properties !== undefined && out.additionalProperties === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true && !preserveAll) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * The JSON schema for objects of one CRD version: the strict form of its `openAPIV3Schema` with
 * apiVersion and kind pinned and metadata checked as Kubernetes ObjectMeta (the API server does that for
 * custom resources too; a CRD may only narrow `metadata.name`).
 */
export function crdObjectSchema(openAPIV3Schema: unknown, apiVersion: string, kind: string, preserveAll = false): Schema {
  const root = (isObject(openAPIV3Schema) ? strictNode(openAPIV3Schema, preserveAll) : {}) as Schema;
  const own = isObject(root.properties) ? root.properties : undefined;
  const metadata = own && isObject(own.metadata) && isObject(own.metadata.properties)
    ? { allOf: [{ $ref: objectMetaRef }, { properties: own.metadata.properties }] }
    : { $ref: objectMetaRef };
  return {
    ...root,
    type: 'object',
    properties: {
      ...own,
      apiVersion: { type: 'string', enum: [apiVersion] },
      kind: { type: 'string', enum: [kind] },
      metadata,
    },
    // strictNode decided for the root: closed when it lists properties, unless it preserves unknown fields.
    additionalProperties: root.additionalProperties ?? true,
  };
}

/** Every version a CRD declares (apiextensions.k8s.io/v1, and v1beta1 with `spec.validation`). */
export function crdVersions(crd: KubeObject): CrdVersion[] {
  if (!isCrd(crd)) return [];
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const group = spec.group;
  const kind = names.kind;
  if (typeof group !== 'string' || typeof kind !== 'string' || group === '' || kind === '') return [];
  const crdName = typeof crd.metadata?.name === 'string' ? crd.metadata.name : `${String(names.plural ?? kind.toLowerCase())}.${group}`;
  const isV1beta1 = crd.apiVersion === `${crdGroup}/v1beta1`;
  // v1beta1 kept unknown fields unless told otherwise; v1 always prunes them.
  const preserveAll = isV1beta1 && spec.preserveUnknownFields !== false;
  const globalSchema = isObject(spec.validation) ? spec.validation.openAPIV3Schema : undefined;
  const versions: Schema[] = Array.isArray(spec.versions) ? spec.versions.filter(isObject)
    : typeof spec.version === 'string' ? [{ name: spec.version, served: true }] : [];
  return versions.filter((v) => typeof v.name === 'string').map((v) => {
    const name = v.name as string;
    const apiVersion = `${group}/${name}`;
    const own = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    const source = own ?? globalSchema;
    return {
      crdName,
      group,
      version: name,
      kind,
      served: v.served !== false,
      schema: source === undefined ? undefined : crdObjectSchema(source, apiVersion, kind, preserveAll),
    };
  });
}
