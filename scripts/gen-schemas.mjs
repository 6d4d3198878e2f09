#!/usr/bin/env node
// Generates strict JSON schemas for the built-in Kubernetes kinds into .cache/schemas/builtin.json
// (git-ignored). No package ships current Kubernetes JSON schemas and the machine is offline, so they
// are derived from what is installed:
//   - @kubernetes/client-node models: property names and types (`attributeTypeMap`), required
//     properties (declared without `?` in the .d.ts), and which apiVersion/kind each model is served as
//     (the create endpoints of the generated API clients);
//   - kubernetes-models: enums and Quantity fields, which the client-node type maps do not carry. Its
//     validators are precompiled ajv code; the facts are read from that code as text.
// Everything is read as text and synchronously, so the loader can regenerate in-process when the file
// is missing, and this also runs under `npm ci --omit=dev` with plain Node (no tsx).
//
// The script also precompiles the fast (first-error) ajv validator of every built-in kind into
// .cache/schemas/precompiled/<Model>.cjs (ajv standalone code), so that a fresh process validates its
// first Deployment without compiling schemas (~0.5 s of ajv codegen otherwise). The ajv configuration
// lives here (createSchemaAjv) and the run-time engine uses the same function, so both compile alike;
// any change to it changes this file's hash in the stamp and so invalidates the precompiled code.
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEcosystemSchemas, ecosystemStamp } from './ecosystem-schemas.mjs';

const selfPath = fileURLToPath(import.meta.url);
const ecosystemPath = fileURLToPath(new URL('./ecosystem-schemas.mjs', import.meta.url));
const defaultRoot = join(dirname(selfPath), '..');
const require = createRequire(import.meta.url);

/** Where the generated file lives, relative to the project root. */
export const builtinSchemasPath = join('.cache', 'schemas', 'builtin.json');

function packageDirs() {
  const clientNode = dirname(require.resolve('@kubernetes/client-node/package.json'));
  // kubernetes-models has an exports map without ./package.json; its main entry sits at the package root.
  const kubernetesModels = dirname(require.resolve('kubernetes-models'));
  return { clientNode, kubernetesModels };
}

function packageVersion(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

/**
 * Identifies the inputs: the model package versions, ajv's (the precompiled code calls its runtime) and
 * this generator's own source (which holds the ajv configuration).
 */
export function currentStamp() {
  const dirs = packageDirs();
  const self = createHash('sha256').update(readFileSync(selfPath)).update(readFileSync(ecosystemPath)).digest('hex').slice(0, 12);
  const ajv = packageVersion(dirname(require.resolve('ajv/package.json')));
  const formats = packageVersion(dirname(require.resolve('ajv-formats/package.json')));
  return `client-node@${packageVersion(dirs.clientNode)} kubernetes-models@${packageVersion(dirs.kubernetesModels)} ajv@${ajv} ajv-formats@${formats} ${ecosystemStamp()} generator@${self}`;
}

/** Reads the stamp of an existing output without parsing the whole file. */
export function readStamp(file) {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return /"stamp"\s*:\s*"([^"]*)"/.exec(buf.toString('utf8', 0, n))?.[1];
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------
// client-node models

/** name → { attrs: [{ name, baseName, type, format }], required: Set<baseName> } */
function readClientModels(modelsDir) {
  const models = new Map();
  let specVersion;
  for (const file of readdirSync(modelsDir)) {
    if (!file.endsWith('.js') || file === 'all.js' || file === 'ObjectSerializer.js') continue;
    const text = readFileSync(join(modelsDir, file), 'utf8');
    const m = /^(\w+)\.attributeTypeMap = (\[[\s\S]*?\]);$/m.exec(text);
    if (!m) continue;
    specVersion ??= /OpenAPI spec version: v?(\d+\.\d+)/.exec(text)?.[1];
    const attrs = JSON.parse(m[2]);
    const dts = readFileSync(join(modelsDir, file.replace(/\.js$/, '.d.ts')), 'utf8');
    const requiredJs = new Set();
    for (const r of dts.matchAll(/^ {4}'([^']+)': /gm)) requiredJs.add(r[1]);
    const required = new Set(attrs.filter((a) => requiredJs.has(a.name)).map((a) => a.baseName));
    models.set(m[1], { attrs, required });
  }
  if (models.size < 300) throw new Error(`only ${models.size} models found in ${modelsDir}; is @kubernetes/client-node 1.x installed?`);
  return { models, specVersion: specVersion ?? 'unknown' };
}

/**
 * The served group/version/kind of each creatable model, from the API clients: a POST to a collection
 * path (`/apis/apps/v1/namespaces/{namespace}/deployments`) with a typed body.
 */
function readServedKinds(apisDir, models) {
  const kinds = new Map();
  for (const file of readdirSync(apisDir)) {
    if (!/Api\.js$/.test(file)) continue;
    const text = readFileSync(join(apisDir, file), 'utf8');
    for (const chunk of text.split("localVarPath = '").slice(1)) {
      const path = chunk.slice(0, chunk.indexOf("'"));
      const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(namespaces\/\{namespace\}\/)?([a-z0-9]+)$/.exec(path);
      if (!m || !chunk.includes('HttpMethod.POST')) continue;
      const body = /serialize\(body, "(\w+)"/.exec(chunk)?.[1];
      if (!body || !models.has(body)) continue;
      const group = m[2] ?? '';
      const version = m[1] ?? m[3];
      const prefix = `V${version.slice(1)}`;
      const at = body.indexOf(prefix);
      if (at < 0) continue;
      const kind = body.slice(at + prefix.length);
      const key = `${group ? `${group}/` : ''}${version}/${kind}`;
      if (!kinds.has(key)) kinds.set(key, { ref: body, namespaced: Boolean(m[4]) });
    }
  }
  if (kinds.size < 50) throw new Error(`only ${kinds.size} served kinds found in ${apisDir}`);
  return kinds;
}

// ---------------------------------------------------------------------------------------------------
// kubernetes-models: enums and Quantity from the precompiled validators

const fnStart = /(?:export const validate=)?function (validate\d+)\(data,/g;

function parseValidatorFile(text) {
  const imports = new Map();
  for (const m of text.matchAll(/import\{validate as (validate\d+)\}from"([^"]+)"/g)) imports.set(m[1], m[2]);
  const enums = new Map();
  for (const m of text.matchAll(/let (schema\d+)=\{enum:(\[[^\]]*\])\}/g)) {
    try {
      enums.set(m[1], JSON.parse(m[2]));
    } catch {
      // not a plain string list: leave that enum out rather than guess
    }
  }
  const starts = [...text.matchAll(fnStart)];
  const bodies = new Map();
  let main;
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].index : text.length;
    bodies.set(m[1], text.slice(m.index, end));
    if (m[0].startsWith('export')) main = m[1];
  });
  return { imports, enums, bodies, main };
}

/** What a validator function checks: { enum } | { quantity } | { items: … } | { values: … } | undefined. */
function describe(file, fn, depth = 0) {
  if (depth > 4) return undefined;
  const imported = file.imports.get(fn);
  if (imported) return imported.endsWith('IoK8sApimachineryPkgApiResourceQuantity') ? { quantity: true } : undefined;
  const body = file.bodies.get(fn);
  if (!body) return undefined;
  const inner = body.slice(body.indexOf('{') + 1);
  const call = (pattern) => {
    const m = pattern.exec(inner);
    return m ? describe(file, m[1], depth + 1) : undefined;
  };
  const inlineEnum = () => {
    const ref = /allowedValues:(schema\d+)\.enum/.exec(inner)?.[1];
    return ref && file.enums.has(ref) ? { enum: file.enums.get(ref) } : undefined;
  };
  if (/for\(let i0=0;/.test(inner)) {
    const items = call(/(validate\d+)\(data\[i0\]/) ?? inlineEnum();
    return items ? { items } : undefined;
  }
  if (/for\(let key0 in data\)/.test(inner)) {
    const values = call(/(validate\d+)\(data\[key0\]/) ?? inlineEnum();
    return values ? { values } : undefined;
  }
  return inlineEnum() ?? call(/(validate\d+)\(data,/);
}

/** kubernetes-models definition name (IoK8sApiAppsV1Deployment) → Map<property, description>. */
export function readModelHints(kmDir) {
  const dir = join(kmDir, '_schemas');
  const hints = new Map();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.mjs')) continue;
    const parsed = parseValidatorFile(readFileSync(join(dir, file), 'utf8'));
    if (!parsed.main) continue;
    const props = new Map();
    const mainBody = parsed.bodies.get(parsed.main);
    for (const m of mainBody.matchAll(/void 0===data(?:\.([A-Za-z_$][\w$]*)|\["([^"]+)"\])\|\|(validate\d+)\(/g)) {
      const d = describe(parsed, m[3]);
      if (d) props.set(m[1] ?? m[2], d);
    }
    if (props.size > 0) hints.set(file.slice(0, -4), props);
  }
  return hints;
}

/** group/version/Kind → true for every top-level kind kubernetes-models knows (it keeps removed versions). */
function readModelKinds(kmDir) {
  const kinds = [];
  for (const groupDir of readdirSync(kmDir, { withFileTypes: true })) {
    if (!groupDir.isDirectory() || groupDir.name.startsWith('_')) continue;
    const versionDirs = groupDir.name === 'v1' ? [{ group: '', version: 'v1', path: join(kmDir, 'v1') }]
      : readdirSync(join(kmDir, groupDir.name), { withFileTypes: true }).filter((d) => d.isDirectory())
        .map((d) => ({ group: groupDir.name, version: d.name, path: join(kmDir, groupDir.name, d.name) }));
    for (const v of versionDirs) {
      for (const file of readdirSync(v.path)) {
        if (!file.endsWith('.mjs') || file === 'index.mjs') continue;
        const text = readFileSync(join(v.path, file), 'utf8');
        const m = /\.apiVersion="([^"]+)",\w+\.kind="([^"]+)"/.exec(text);
        if (m && !m[2].endsWith('List')) kinds.push({ apiVersion: m[1], kind: m[2] });
      }
    }
  }
  return kinds;
}

const modelNamePattern = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;
const kmNamePattern = /^(IoK8sApiextensionsApiserverPkgApisApiextensions|IoK8sKubeAggregatorPkgApisApiregistration|IoK8sApi[A-Z][a-z]+)(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

function kmGroupOf(prefix) {
  if (prefix.startsWith('IoK8sApiextensions')) return 'Apiextensions';
  if (prefix.startsWith('IoK8sKubeAggregator')) return 'Apiregistration';
  return prefix.slice('IoK8sApi'.length);
}

function pascalGroup(group) {
  if (group === '') return 'Core';
  const first = group.split('.')[0];
  return first[0].toUpperCase() + first.slice(1);
}

/** client-node model name → kubernetes-models definition name, where one matches unambiguously. */
function matchModelNames(models, hints, kinds) {
  const bySuffix = new Map();
  for (const km of hints.keys()) {
    const m = kmNamePattern.exec(km);
    if (!m) continue;
    const suffix = m[2] + m[3];
    if (!bySuffix.has(suffix)) bySuffix.set(suffix, []);
    bySuffix.get(suffix).push({ name: km, group: kmGroupOf(m[1]) });
  }
  // Groups that reach each model, to settle names that several groups define (V1beta1Subject…).
  const reachedBy = new Map();
  for (const [key, k] of kinds) {
    const group = pascalGroup(key.split('/').length === 3 ? key.split('/')[0] : '');
    const seen = new Set();
    const stack = [k.ref];
    while (stack.length > 0) {
      const name = stack.pop();
      if (seen.has(name) || !models.has(name)) continue;
      seen.add(name);
      if (!reachedBy.has(name)) reachedBy.set(name, new Set());
      reachedBy.get(name).add(group);
      for (const a of models.get(name).attrs) for (const t of a.type.match(/\w+/g)) if (models.has(t)) stack.push(t);
    }
  }
  const matched = new Map();
  for (const name of models.keys()) {
    const m = modelNamePattern.exec(name);
    if (!m) continue;
    let candidates = bySuffix.get(m[2] + m[3]) ?? [];
    if (m[1]) candidates = candidates.filter((c) => c.group === m[1]);
    if (candidates.length > 1) {
      const groups = reachedBy.get(name) ?? new Set();
      const reached = candidates.filter((c) => groups.has(c.group));
      candidates = reached.length > 0 ? reached : candidates.filter((c) => c.group === 'Core');
    }
    if (candidates.length === 1) matched.set(name, candidates[0].name);
  }
  return matched;
}

/**
 * The client-node model for a kubernetes-models definition name (`IoK8sApiRbacV1Subject` → `RbacV1Subject`,
 * `IoK8sApiCoreV1ObjectReference` → `V1ObjectReference`, `IoK8sApimachineryPkgApisMetaV1ObjectMeta` →
 * `V1ObjectMeta`), or undefined. client-node prefixes a model with its group only where names clash.
 */
function modelNameFor(km, models, kmToModel) {
  if (kmToModel.has(km)) return kmToModel.get(km);
  const meta = /^IoK8sApimachineryPkgApisMeta(V1\w+)$/.exec(km)?.[1];
  if (meta) return models.has(meta) ? meta : undefined;
  const m = kmNamePattern.exec(km);
  if (!m) return undefined;
  const plain = m[2] + m[3];
  return [kmGroupOf(m[1]) + plain, plain].find((n) => models.has(n));
}

// ---------------------------------------------------------------------------------------------------
// schema building

const scalar = (type, optional) => (optional ? { type: [type, 'null'] } : { type });
const quantityType = (optional) => (optional ? { type: ['string', 'number', 'null'] } : { type: ['string', 'number'] });

function withEnum(schema, values, optional) {
  return { ...schema, enum: optional ? [...values, null] : [...values] };
}

/** JSON schema for one attributeTypeMap entry. `hint` comes from kubernetes-models. */
function attrSchema(type, format, optional, hint, models) {
  const arrayOf = /^Array<(.+)>$/.exec(type);
  if (arrayOf) {
    const items = attrSchema(arrayOf[1], format, false, hint?.items, models);
    return { type: optional ? ['array', 'null'] : 'array', items };
  }
  const mapOf = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapOf) {
    const values = attrSchema(mapOf[1], format, false, hint?.values, models);
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

function definitionSchema(model, hints, models) {
  if (model.attrs.length === 0) return { type: ['object', 'null'] };
  const properties = {};
  for (const a of model.attrs) {
    properties[a.baseName] = attrSchema(a.type, a.format, !model.required.has(a.baseName), hints?.get(a.baseName), models);
  }
  const schema = { type: ['object', 'null'], properties, additionalProperties: false };
  if (model.required.size > 0) schema.required = [...model.required].sort();
  return schema;
}

function stabilityRank(version) {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!m) return -1;
  const level = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return level * 1e6 + Number(m[1]) * 1e3 + Number(m[3] ?? 0);
}

/** For each removed apiVersion/kind, the served apiVersion to move to (or '' when there is none). */
function removedKinds(served, known) {
  const servedByGroupKind = new Map();
  const servedByKind = new Map();
  for (const key of served.keys()) {
    const parts = key.split('/');
    const kind = parts.pop();
    const apiVersion = parts.join('/');
    const group = parts.length === 2 ? parts[0] : '';
    for (const [map, k] of [[servedByGroupKind, `${group}/${kind}`], [servedByKind, kind]]) {
      if (!map.has(k)) map.set(k, []);
      map.get(k).push(apiVersion);
    }
  }
  const best = (apiVersions) => [...apiVersions].sort((a, b) => stabilityRank(b.split('/').pop()) - stabilityRank(a.split('/').pop()))[0];
  const removed = {};
  for (const { apiVersion, kind } of known) {
    if (served.has(`${apiVersion}/${kind}`)) continue;
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const sameGroup = servedByGroupKind.get(`${group}/${kind}`);
    const anyGroup = servedByKind.get(kind);
    removed[`${apiVersion}/${kind}`] = sameGroup ? best(sameGroup) : anyGroup && new Set(anyGroup.map((v) => v.split('/')[0])).size === 1 ? best(anyGroup) : '';
  }
  return removed;
}

/** Builds the schema document in memory. */
export function buildBuiltinSchemas() {
  const dirs = packageDirs();
  const { models, specVersion } = readClientModels(join(dirs.clientNode, 'dist', 'gen', 'models'));
  const served = readServedKinds(join(dirs.clientNode, 'dist', 'gen', 'apis'), models);
  const hints = readModelHints(dirs.kubernetesModels);
  const matched = matchModelNames(models, hints, served);

  const definitions = {};
  let enums = 0;
  for (const name of [...models.keys()].sort()) {
    const h = hints.get(matched.get(name));
    definitions[name] = definitionSchema(models.get(name), h, models);
    if (h) for (const d of h.values()) if (d.enum || d.items?.enum || d.values?.enum) enums++;
  }
  if (enums < 100) throw new Error(`only ${enums} enums found in kubernetes-models; the precompiled validator format may have changed`);

  // Kinds that are API types without a create endpoint of their own (Scale, Eviction, ComponentStatus,
  // TokenRequest) take their apiVersion from kubernetes-models; scope is unknown for them.
  const known = readModelKinds(dirs.kubernetesModels);
  for (const { apiVersion, kind } of known) {
    const key = `${apiVersion}/${kind}`;
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const versionPascal = `V${apiVersion.split('/').pop().slice(1)}`;
    const ref = [`${versionPascal}${kind}`, `${pascalGroup(group)}${versionPascal}${kind}`].find((n) => models.has(n));
    if (!served.has(key) && ref) served.set(key, { ref });
  }
  const kinds = {};
  for (const key of [...served.keys()].sort()) kinds[key] = served.get(key);
  // Custom resources of the GitOps ecosystem (Flux, Argo CD, cert-manager…), whose schemas $ref these
  // definitions (ObjectMeta, PodTemplateSpec…): see ecosystem-schemas.mjs.
  const kmToModel = new Map([...matched].map(([model, km]) => [km, model]));
  const ecosystem = buildEcosystemSchemas({ builtinFor: (km) => modelNameFor(km, models, kmToModel), checkedFormats });
  for (const [name, schema] of Object.entries(ecosystem.definitions)) {
    if (name in definitions) throw new Error(`ecosystem definition ${name} clashes with a built-in definition`);
    definitions[name] = schema;
  }
  const groups = [...new Set([...served.keys()].map((k) => (k.split('/').length === 3 ? k.split('/')[0] : '')))].sort();
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

/**
 * Writes the schema file unless it is up to date. Returns whether it wrote and where.
 * `root` is the project root; `force` rewrites even when the stamp matches.
 */
export function generateBuiltinSchemas({ root = defaultRoot, force = false } = {}) {
  const file = join(root, builtinSchemasPath);
  if (!force && readStamp(file) === currentStamp()) return { written: false, file };
  const doc = buildBuiltinSchemas();
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc));
  renameSync(tmp, file);
  return { written: true, file, kinds: Object.keys(doc.kinds).length, definitions: Object.keys(doc.definitions).length };
}

// ---------------------------------------------------------------------------------------------------
// ajv configuration and precompiled validators

/** `$id` under which the built-in definitions are registered; CRD schemas `$ref` its ObjectMeta. */
export const builtinSchemaId = 'bosun://builtin';

/** Where the precompiled validators live, relative to the project root. */
export const precompiledPath = join('.cache', 'schemas', 'precompiled');

/**
 * Formats checked the way Kubernetes checks them. Others (uri, email, duration…) are ignored: ajv-formats'
 * readings differ from Kubernetes' (duration is ISO 8601 there, a Go duration here) and a validator that
 * rejects what the API server accepts is worse than one that misses a format.
 */
export const checkedFormats = ['date-time', 'date', 'byte', 'int32', 'int64', 'float', 'double', 'ipv4', 'ipv6', 'uuid'];

/**
 * The one ajv configuration for Kubernetes schemas: `detailed` collects all errors for reporting, the
 * default stops at the first. `source` keeps the generated code for standalone output; it does not change
 * the code. Formats come from ajv-formats, whose standalone code `require`s "ajv-formats/dist/formats".
 */
export function createSchemaAjv({ detailed = false, source = false } = {}) {
  const { Ajv } = require('ajv');
  const addFormats = require('ajv-formats');
  const ajv = new Ajv({
    strict: false,
    allErrors: detailed,
    verbose: detailed,
    logger: false,
    // Kubernetes patterns are RE2; JS without the u flag accepts more of them (e.g. `\-` outside classes).
    unicodeRegExp: false,
    useDefaults: false,
    coerceTypes: false,
    ...(source ? { code: { source: true } } : {}),
  });
  addFormats(ajv, [...checkedFormats]);
  return ajv;
}

/** The schema compiled for a built-in definition: the same at install time and at run time. */
export function builtinRefSchema(ref) {
  return { $ref: `${builtinSchemaId}#/definitions/${ref}` };
}

/** The manifest of a precompiled folder ({ stamp, refs }), or undefined when there is none. */
export function readPrecompiledManifest(root = defaultRoot) {
  try {
    return JSON.parse(readFileSync(join(root, precompiledPath, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Writes one CommonJS module per built-in definition that a kind is served as (`V1Deployment.cjs`
 * exporting the fast validator) plus manifest.json with the stamp, unless that stamp is current. CommonJS
 * because validation is synchronous and must load a module on first use without `import()`. The folder is
 * built aside and renamed into place, so readers see all of it or none of it.
 */
export function generatePrecompiledValidators({ root = defaultRoot, force = false, schemas } = {}) {
  const dir = join(root, precompiledPath);
  const stamp = currentStamp();
  if (!force && readPrecompiledManifest(root)?.stamp === stamp) return { written: false, dir };
  let doc = schemas;
  if (!doc) {
    const file = join(root, builtinSchemasPath);
    doc = readStamp(file) === stamp ? JSON.parse(readFileSync(file, 'utf8')) : buildBuiltinSchemas();
  }
  const standaloneCode = require('ajv/dist/standalone').default;
  const ajv = createSchemaAjv({ source: true });
  ajv.addSchema({ $id: builtinSchemaId, definitions: doc.definitions }, undefined, undefined, false);
  const refs = [...new Set([...Object.values(doc.kinds), ...Object.values(doc.ecosystem?.kinds ?? {})].map((k) => k.ref))].sort();
  const tmp = `${dir}.${randomUUID()}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  let bytes = 0;
  for (const ref of refs) {
    const code = `// Generated by scripts/gen-schemas.mjs (${stamp}); do not edit.\n${standaloneCode(ajv, ajv.compile(builtinRefSchema(ref)))}\n`;
    bytes += code.length;
    writeFileSync(join(tmp, `${ref}.cjs`), code);
  }
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify({ stamp, refs }));
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another install wrote it at the same moment: theirs is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (readPrecompiledManifest(root)?.stamp !== stamp) throw err;
  }
  return { written: true, dir, validators: refs.length, bytes };
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(selfPath)) {
  const force = process.argv.includes('--force');
  let started = performance.now();
  try {
    const result = generateBuiltinSchemas({ force });
    const ms = Math.round(performance.now() - started);
    if (result.written) console.log(`gen-schemas: wrote ${result.definitions} definitions for ${result.kinds} kinds to ${builtinSchemasPath} in ${ms} ms`);
    else console.log(`gen-schemas: ${builtinSchemasPath} is up to date`);
  } catch (err) {
    console.error(`gen-schemas: could not generate the built-in Kubernetes schemas: ${err instanceof Error ? err.message : err}`);
    console.error('gen-schemas: schema validation needs them; reinstall dependencies (npm ci) and report this if it persists');
    process.exit(1);
  }
  started = performance.now();
  try {
    const result = generatePrecompiledValidators({ force });
    const ms = Math.round(performance.now() - started);
    if (result.written) console.log(`gen-schemas: precompiled ${result.validators} validators (${Math.round(result.bytes / 1e6)} MB) to ${precompiledPath} in ${ms} ms`);
    else console.log(`gen-schemas: ${precompiledPath} is up to date`);
  } catch (err) {
    // Not fatal: validation compiles the schemas at run time instead, only slower on first use.
    console.error(`gen-schemas: could not precompile validators (validation will compile at run time): ${err instanceof Error ? err.message : err}`);
  }
}
