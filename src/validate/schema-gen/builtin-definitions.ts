// Builds the schema document in memory: strict JSON schemas for the built-in Kubernetes kinds from the
// client-node models (property names, types, required) and kubernetes-models' facts (enums, Quantity),
// which kinds each API version serves or removed, plus the ecosystem's custom resources. No package ships
// current Kubernetes JSON schemas and bosun may run offline, so they are derived from what is installed.
import { join } from 'node:path';
import { checkedFormats } from './ajv-config.ts';
import { readClientModels, readServedKinds, type ClientModel, type ServedKind } from './client-node-models.ts';
import { buildEcosystemSchemas } from './ecosystem-definitions.ts';
import { matchModelNames, modelNameFor, pascalGroup, readModelHints, readModelKinds, type FieldHint } from './kubernetes-models-facts.ts';
import { modelPackageDirs } from './packages.ts';
import { currentStamp } from './stamp.ts';
import type { GeneratedKind, GeneratedSchemas, JsonSchema } from './types.ts';

const scalar = (type: string, optional: boolean): JsonSchema => (optional ? { type: [type, 'null'] } : { type });
const quantityType = (optional: boolean): JsonSchema => (optional ? { type: ['string', 'number', 'null'] } : { type: ['string', 'number'] });

function withEnum(schema: JsonSchema, values: unknown[], optional: boolean): JsonSchema {
  return { ...schema, enum: optional ? [...values, null] : [...values] };
}

/** JSON schema for one attributeTypeMap entry. `hint` comes from kubernetes-models. */
function attrSchema(type: string, format: string, optional: boolean, hint: FieldHint | undefined, models: Map<string, ClientModel>): JsonSchema {
  const arrayOf = /^Array<(.+)>$/.exec(type);
  if (arrayOf) {
    const items = attrSchema(arrayOf[1]!, format, false, hint?.items, models);
    return { type: optional ? ['array', 'null'] : 'array', items };
  }
  const mapOf = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapOf) {
    const values = attrSchema(mapOf[1]!, format, false, hint?.values, models);
    return { type: optional ? ['object', 'null'] : 'object', additionalProperties: values };
  }
  if (hint?.quantity && (type === 'string' || type === 'number')) return quantityType(optional);
  switch (type) {
    case 'string': {
      const s = scalar('string', optional);
      if (format === 'byte') s.format = 'byte';
      if (format === 'date-time') s.format = 'date-time';
      return hint?.enum ? withEnum(s, hint.enum, optional) : s;
    }
    case 'Date':
    case 'V1MicroTime':
      return { ...scalar('string', optional), format: 'date-time' };
    case 'number':
      if (format === 'int32' || format === 'int64') return { ...scalar('integer', optional), format };
      return scalar('number', optional);
    case 'boolean':
      return scalar('boolean', optional);
    case 'IntOrString':
      return { type: optional ? ['integer', 'string', 'null'] : ['integer', 'string'] };
    case 'any':
      return {};
    default:
      if (models.has(type)) return { $ref: `#/definitions/${type}` };
      throw new Error(`unmapped client-node type "${type}"`);
  }
}

function definitionSchema(model: ClientModel, hints: Map<string, FieldHint> | undefined, models: Map<string, ClientModel>): JsonSchema {
  if (model.attrs.length === 0) return { type: ['object', 'null'] };
  const properties: Record<string, JsonSchema> = {};
  for (const a of model.attrs) {
    properties[a.baseName] = attrSchema(a.type, a.format, !model.required.has(a.baseName), hints?.get(a.baseName), models);
  }
  const schema: JsonSchema = { type: ['object', 'null'], properties, additionalProperties: false };
  if (model.required.size > 0) schema.required = [...model.required].sort();
  return schema;
}

function stabilityRank(version: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!m) return -1;
  const level = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return level * 1e6 + Number(m[1]) * 1e3 + Number(m[3] ?? 0);
}

/** For each removed apiVersion/kind, the served apiVersion to move to (or '' when there is none). */
function removedKinds(served: Map<string, ServedKind>, known: { apiVersion: string; kind: string }[]): Record<string, string> {
  const servedByGroupKind = new Map<string, string[]>();
  const servedByKind = new Map<string, string[]>();
  for (const key of served.keys()) {
    const parts = key.split('/');
    const kind = parts.pop()!;
    const apiVersion = parts.join('/');
    const group = parts.length === 2 ? parts[0]! : '';
    for (const [map, k] of [[servedByGroupKind, `${group}/${kind}`], [servedByKind, kind]] as const) {
      if (!map.has(k)) map.set(k, []);
      map.get(k)!.push(apiVersion);
    }
  }
  const best = (apiVersions: string[]): string => [...apiVersions].sort((a, b) => stabilityRank(b.split('/').pop()!) - stabilityRank(a.split('/').pop()!))[0]!;
  const removed: Record<string, string> = {};
  for (const { apiVersion, kind } of known) {
    if (served.has(`${apiVersion}/${kind}`)) continue;
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const sameGroup = servedByGroupKind.get(`${group}/${kind}`);
    const anyGroup = servedByKind.get(kind);
    removed[`${apiVersion}/${kind}`] = sameGroup ? best(sameGroup) : anyGroup && new Set(anyGroup.map((v) => v.split('/')[0])).size === 1 ? best(anyGroup) : '';
  }
  return removed;
}

/** Builds the schema document in memory. */
export function buildBuiltinSchemas(): GeneratedSchemas {
  const dirs = modelPackageDirs();
  const { models, specVersion } = readClientModels(join(dirs.clientNode, 'dist', 'gen', 'models'));
  const served = readServedKinds(join(dirs.clientNode, 'dist', 'gen', 'apis'), models);
  const hints = readModelHints(dirs.kubernetesModels);
  const matched = matchModelNames(models, hints, served);

  const definitions: Record<string, JsonSchema> = {};
  let enums = 0;
  for (const name of [...models.keys()].sort()) {
    const km = matched.get(name);
    const h = km === undefined ? undefined : hints.get(km);
    definitions[name] = definitionSchema(models.get(name)!, h, models);
    if (h) for (const d of h.values()) if (d.enum || d.items?.enum || d.values?.enum) enums++;
  }
  if (enums < 100) throw new Error(`only ${enums} enums found in kubernetes-models; the precompiled validator format may have changed`);

  // Kinds that are API types without a create endpoint of their own (Scale, Eviction, ComponentStatus,
  // TokenRequest) take their apiVersion from kubernetes-models; scope is unknown for them.
  const known = readModelKinds(dirs.kubernetesModels);
  for (const { apiVersion, kind } of known) {
    const key = `${apiVersion}/${kind}`;
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const versionPascal = `V${apiVersion.split('/').pop()!.slice(1)}`;
    const ref = [`${versionPascal}${kind}`, `${pascalGroup(group)}${versionPascal}${kind}`].find((n) => models.has(n));
    if (!served.has(key) && ref) served.set(key, { ref });
  }
  const kinds: Record<string, GeneratedKind> = {};
  for (const key of [...served.keys()].sort()) kinds[key] = served.get(key)!;
  // Custom resources of the GitOps ecosystem (Flux, Argo CD, cert-manager…), whose schemas $ref these
  // definitions (ObjectMeta, PodTemplateSpec…): see ecosystem-definitions.ts.
  const kmToModel = new Map([...matched].map(([model, km]) => [km, model]));
  const ecosystem = buildEcosystemSchemas({ builtinFor: (km) => modelNameFor(km, models, kmToModel), checkedFormats });
  for (const [name, schema] of Object.entries(ecosystem.definitions)) {
    if (name in definitions) throw new Error(`ecosystem definition ${name} clashes with a built-in definition`);
    definitions[name] = schema;
  }
  const groups = [...new Set([...served.keys()].map((k) => (k.split('/').length === 3 ? k.split('/')[0]! : '')))].sort();
  return {
    stamp: currentStamp(),
    kubernetesVersion: specVersion,
    groups,
    kinds,
    removed: removedKinds(served, known),
    ecosystem: { projects: ecosystem.projects, gaps: ecosystem.gaps, kinds: ecosystem.kinds, removed: ecosystem.removed },
    definitions,
  };
}
