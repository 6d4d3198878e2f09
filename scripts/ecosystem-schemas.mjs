// Strict JSON schemas for the custom resources GitOps repositories are full of (Flux, Argo CD, cert-manager,
// Prometheus Operator, Gateway API…), built at install time from the `@kubernetes-models/*` packages.
//
// Those packages ship no schema objects, only validators that ajv generated from the upstream CRDs (or Go
// API types) as standalone code. That code is very regular: one function per subschema, each property
// checked by a call `validateN(data.<name>, …)`, each keyword failing with an error literal
// `{schemaPath:"#/<keyword>", keyword, params}`. This module reads it as text (never imports it: the
// newest of these packages are ESM for Node 22) and turns each function back into a JSON schema, then
// applies kubeconform's strictness (objects that list properties reject others). What it cannot read
// back (`not`, inline branches) it leaves out, so a construct it does not understand can only make
// validation more lenient, never fail a valid object.
//
// Plain JavaScript and synchronous, like gen-schemas.mjs, which merges the result into builtin.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The packages and what bosun knows about each project's API versions. `removed`: versions the packaged
 * release no longer serves, with the release that removed them (objects at these versions are errors).
 */
export const ecosystemPackages = [
  {
    id: 'flux', project: 'Flux', package: '@kubernetes-models/flux-cd', upstream: 'Flux 2.8 CRDs (source-controller 1.8, kustomize-controller 1.8, helm-controller 1.5, notification-controller 1.8, image controllers 1.1)',
    removed: [
      ...['source.toolkit.fluxcd.io/v1beta1', 'kustomize.toolkit.fluxcd.io/v1beta1', 'helm.toolkit.fluxcd.io/v2beta1', 'image.toolkit.fluxcd.io/v1beta1', 'notification.toolkit.fluxcd.io/v1beta1']
        .map((apiVersion) => ({ apiVersion, since: 'Flux 2.7' })),
      ...['source.toolkit.fluxcd.io/v1beta2', 'kustomize.toolkit.fluxcd.io/v1beta2', 'helm.toolkit.fluxcd.io/v2beta2']
        .map((apiVersion) => ({ apiVersion, since: 'Flux 2.8' })),
    ],
    hint: '`flux migrate` rewrites manifests to the served versions',
  },
  { id: 'argocd', project: 'Argo CD', package: '@kubernetes-models/argo-cd', upstream: 'Argo CD 2.14 CRDs', groups: ['argoproj.io'], kinds: ['Application', 'ApplicationSet', 'AppProject'] },
  { id: 'rollouts', project: 'Argo Rollouts', package: '@kubernetes-models/argo-rollouts', upstream: 'Argo Rollouts Go API types (the package does not record the release)', groups: ['argoproj.io'] },
  {
    id: 'certmanager', project: 'cert-manager', package: '@kubernetes-models/cert-manager', upstream: 'cert-manager 1.20 CRDs, trust-manager 0.22, approver-policy 0.25, aws-privateca-issuer 1.8',
    removed: [
      ...['cert-manager.io', 'acme.cert-manager.io'].flatMap((g) => ['v1alpha2', 'v1alpha3', 'v1beta1'].map((v) => ({ apiVersion: `${g}/${v}`, since: 'cert-manager 1.7' }))),
      { apiVersion: 'certmanager.k8s.io/v1alpha1', since: 'cert-manager 0.11', use: 'cert-manager.io/v1' },
    ],
  },
  { id: 'externalsecrets', project: 'External Secrets', package: '@kubernetes-models/external-secrets', upstream: 'External Secrets Go API types (the package does not record the release)' },
  { id: 'gatewayapi', project: 'Gateway API', package: '@kubernetes-models/gateway-api', upstream: 'Gateway API Go types, standard and experimental (the package does not record the release)' },
  { id: 'istio', project: 'Istio', package: '@kubernetes-models/istio', upstream: 'Istio 1.29 CRDs' },
  { id: 'kyverno', project: 'Kyverno', package: '@kubernetes-models/kyverno', upstream: 'Kyverno Go API types (the package does not record the release)' },
  { id: 'prometheus', project: 'Prometheus Operator', package: '@kubernetes-models/prometheus-operator', upstream: 'Prometheus Operator 0.90 CRDs' },
  { id: 'sealedsecrets', project: 'Sealed Secrets', package: '@kubernetes-models/sealed-secrets', upstream: 'Sealed Secrets Go API types (the package does not record the release)' },
];

/** Projects GitOps repositories use that no package on the registry describes: named, not validated. */
export const ecosystemGaps = [
  { project: 'Flagger', groups: ['flagger.app'], why: 'no package on the npm registry ships its CRDs or models' },
];

function packageDir(name) {
  // These packages have exports maps without ./package.json; find the folder through node_modules.
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`${name} is not installed; run npm ci`);
}

function packageVersion(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

/** `@kubernetes-models/flux-cd@3.0.1 …`: part of the schema stamp, so a package update regenerates. */
export function ecosystemStamp() {
  return ecosystemPackages.map((p) => {
    try {
      return `${p.package}@${packageVersion(packageDir(p.package))}`;
    } catch {
      return `${p.package}@missing`;
    }
  }).join(' ');
}

// ---------------------------------------------------------------------------------------------------
// Reading ajv standalone code back into schemas

/** The JavaScript array literal starting at `text[start]` ('['), as a value; undefined when not JSON. */
function arrayLiteralAt(text, start) {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) {
      try {
        return JSON.parse(text.slice(start, i + 1));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function stringLiteral(quoted) {
  try {
    return JSON.parse(quoted);
  } catch {
    return undefined;
  }
}

const fnHeader = /function (validate\d+)\(data,\{instancePath="",parentData,parentDataProperty,rootData=data\}=\{\}\)\{/g;
const quotedString = '"(?:[^"\\\\]|\\\\.)*"';

/** Functions, imports, enum tables and the exported validator of one generated module. */
function parseModule(text) {
  const imports = new Map();
  for (const m of text.matchAll(/import\{validate as (validate\d+)\}from"([^"]+)"/g)) imports.set(m[1], m[2]);
  // CommonJS builds: `_Name=require("…/_schemas/Name")` and calls `(0,_Name.validate)(data…` are not read;
  // the ESM build of each package is used instead.
  const enums = new Map();
  for (const m of text.matchAll(/(schema\d+)=\{enum:\[/g)) enums.set(`${m[1]}.enum`, arrayLiteralAt(text, m.index + m[0].length - 1));
  for (const m of text.matchAll(/(schema\d+_enum)=\[/g)) enums.set(m[1], arrayLiteralAt(text, m.index + m[0].length - 1));
  const starts = [...text.matchAll(fnHeader)];
  const bodies = new Map();
  starts.forEach((m, i) => bodies.set(m[1], text.slice(m.index + m[0].length, i + 1 < starts.length ? starts[i + 1].index : text.length)));
  const main = /export const validate=(?:function )?(validate\d+)/.exec(text)?.[1];
  return { imports, enums, bodies, main };
}

/** Go's RE2 syntax JavaScript cannot compile (`(?i)`…) is dropped, as crd-schema.ts does for CRDs. */
function isJsPattern(p) {
  if (typeof p !== 'string') return false;
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

const limitKeywords = ['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties'];
const comparisonKeyword = { '>=': 'minimum', '>': 'exclusiveMinimum', '<=': 'maximum', '<': 'exclusiveMaximum' };

/**
 * One generated function as a schema node. Child schemas are `{ $fn: key }` placeholders, resolved when
 * the definitions are emitted. Unreadable keywords are left out (more lenient, never stricter).
 */
function readFunction(body, module, keyOf, checkedFormats) {
  const node = {};
  const errorLiteral = (keyword, params) => new RegExp(`schemaPath:"#/${keyword}",keyword:"${keyword}",params:\\{${params}\\}`, 'g');
  const type = errorLiteral('type', 'type:"(\\w+)"').exec(body)?.[1];
  if (type) node.type = type;
  const required = [...body.matchAll(errorLiteral('required', `missingProperty:(${quotedString})`))].map((m) => stringLiteral(m[1])).filter((r) => r !== undefined);
  if (required.length) node.required = [...new Set(required)];
  const enumRef = errorLiteral('enum', 'allowedValues:(schema\\d+(?:\\.enum|_enum))').exec(body)?.[1];
  const values = enumRef && module.enums.get(enumRef);
  if (Array.isArray(values)) node.enum = values;
  const pattern = errorLiteral('pattern', `pattern:(${quotedString})`).exec(body)?.[1];
  if (pattern && isJsPattern(stringLiteral(pattern))) node.pattern = stringLiteral(pattern);
  const format = errorLiteral('format', 'format:"([^"]+)"').exec(body)?.[1];
  if (format && checkedFormats.includes(format)) node.format = format;
  for (const keyword of limitKeywords) {
    const limit = errorLiteral(keyword, 'limit:(\\d+)').exec(body)?.[1];
    if (limit !== undefined) node[keyword] = Number(limit);
  }
  for (const m of body.matchAll(/keyword:"(?:minimum|maximum|exclusiveMinimum|exclusiveMaximum)",params:\{comparison:"([<>=]+)",limit:([-\w.+]+)\}/g)) {
    const n = Number(m[2]);
    if (comparisonKeyword[m[1]] && Number.isFinite(n)) node[comparisonKeyword[m[1]]] = n;
  }

  const properties = {};
  for (const m of body.matchAll(/(validate\d+)\(data\.([A-Za-z_$][\w$]*),/g)) properties[m[2]] = { $fn: keyOf(m[1]) };
  if (Object.keys(properties).length) node.properties = properties;
  const items = /(validate\d+)\(data\[i0\],/.exec(body)?.[1];
  if (items) node.items = { $fn: keyOf(items) };
  const values2 = /for\(let key0 in data\)(validate\d+)\(data\[key0\],/.exec(body)?.[1];
  if (values2) node.additionalProperties = { $fn: keyOf(values2) };
  else if (/for\(let key0 in data\)/.test(body)) node.additionalProperties = true;

  const direct = [...body.matchAll(/(validate\d+)\(data,/g)].map((m) => m[1]);
  const combinator = /schemaPath:"#\/(anyOf|oneOf|allOf)"/.exec(body)?.[1];
  if (combinator) {
    // oneOf is read as anyOf: "exactly one" only adds failures, and bosun prefers missing one to a false one.
    if (direct.length > 1) node.anyOf = direct.map((fn) => ({ $fn: keyOf(fn) }));
  } else if (direct.length === 1 && !/schemaPath:"#\/not"/.test(body)) {
    node.ref = { $fn: keyOf(direct[0]) };
  }
  return node;
}

/**
 * Names of kubernetes-models definitions that map onto bosun's built-in definitions or plain schemas.
 * `builtinFor(kmName)` answers for the built-in API types (from gen-schemas' model matching).
 */
function importedSchema(name, builtinFor) {
  switch (name) {
    case 'IoK8sApimachineryPkgUtilIntstrIntOrString': return { type: ['integer', 'string'] };
    case 'IoK8sApimachineryPkgApiResourceQuantity': return { type: ['string', 'number'] };
    case 'IoK8sApimachineryPkgApisMetaV1Time':
    case 'IoK8sApimachineryPkgApisMetaV1MicroTime': return { type: 'string', format: 'date-time' };
    case 'IoK8sApimachineryPkgApisMetaV1Duration': return { type: 'string' };
    case 'IoK8sApimachineryPkgRuntimeRawExtension':
    case 'IoK8sApiextensionsApiserverPkgApisApiextensionsV1JSON':
    case 'IoK8sApimachineryPkgApisMetaV1FieldsV1': return {};
    default: {
      const ref = builtinFor(name);
      return ref ? { $ref: `#/definitions/${ref}` } : undefined;
    }
  }
}

function resolveImport(fromFile, spec, nodeModules) {
  const base = spec.startsWith('.') ? join(dirname(fromFile), spec) : join(nodeModules, spec);
  for (const candidate of [base, `${base}.mjs`, `${base}.js`]) if (existsSync(candidate) && !candidate.endsWith('/')) return candidate;
  return undefined;
}

/**
 * Reads generated modules on demand and keeps every function as a node keyed `file#validateN`.
 * `builtinFor(kmName)` maps kubernetes-models definition names onto the built-in definitions.
 */
function createReader({ builtinFor, nodeModules, checkedFormats }) {
  const modules = new Map();
  const nodes = new Map();
  const loadModule = (file) => {
    let m = modules.get(file);
    if (!m) {
      m = parseModule(readFileSync(file, 'utf8'));
      modules.set(file, m);
    }
    return m;
  };
  /** Key of a module's exported validator, or of a plain schema for imports that map onto built-ins. */
  const exportKey = (file) => {
    const name = file.split('/').pop().replace(/\.m?js$/, '');
    const mapped = importedSchema(name, builtinFor);
    if (mapped) {
      const key = `builtin:${JSON.stringify(mapped)}`;
      if (!nodes.has(key)) nodes.set(key, mapped);
      return key;
    }
    const m = loadModule(file);
    return m.main ? visit(file, m.main) : undefined;
  };
  const visit = (file, fn) => {
    const key = `${file}#${fn}`;
    if (nodes.has(key)) return key;
    const m = loadModule(file);
    nodes.set(key, {});
    const keyOf = (callee) => {
      if (m.bodies.has(callee)) return visit(file, callee);
      const spec = m.imports.get(callee);
      const target = spec && resolveImport(file, spec, nodeModules);
      const k = target && exportKey(target);
      if (k) return k;
      // An import bosun cannot read: anything goes there.
      if (!nodes.has('any')) nodes.set('any', {});
      return 'any';
    };
    const body = m.bodies.get(fn);
    nodes.set(key, body === undefined ? {} : readFunction(body, m, keyOf, checkedFormats));
    return key;
  };
  return { exportKey, nodes };
}

// ---------------------------------------------------------------------------------------------------
// From nodes to definitions

function isObjectNode(n) {
  return n.type === 'object' || n.properties !== undefined;
}

/**
 * Emits definitions for `roots` (key → definition name). Nodes used once are inlined; shared, recursive
 * or large ones become `#/definitions/<prefix>N`. Every non-root node accepts null (the API server drops
 * nulls of CRD fields before validation), and objects that list properties reject unknown ones.
 */
function emitDefinitions(nodes, roots, prefix, { openDescription = false } = {}) {
  const uses = new Map();
  const count = (key, seen) => {
    uses.set(key, (uses.get(key) ?? 0) + 1);
    if (uses.get(key) > 1 || seen.has(key)) return;
    seen.add(key);
    walkRefs(nodes.get(key), (k) => count(k, seen));
  };
  const seen = new Set();
  for (const key of roots.keys()) count(key, seen);

  const names = new Map(roots);
  let n = 0;
  const definitions = {};
  const onStack = new Set();
  const emit = (key, inline) => {
    const node = nodes.get(key);
    if (key.startsWith('builtin:') || key === 'any') return structuredClone(node);
    // Small leaves (a string with a pattern) are cheaper inline than behind a name.
    let leaf = true;
    walkRefs(node, () => { leaf = false; });
    const shared = !(leaf && JSON.stringify(node).length < 300) && ((uses.get(key) ?? 0) > 1 || onStack.has(key));
    if (!inline && (shared || names.has(key))) {
      if (!names.has(key)) names.set(key, `${prefix}${++n}`);
      const name = names.get(key);
      if (!(name in definitions) && !onStack.has(key)) {
        definitions[name] = {};
        definitions[name] = build(key, node);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return build(key, node);
  };
  const build = (key, node) => {
    onStack.add(key);
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v).map(([p, ref]) => [p, emit(ref.$fn, false)]));
      else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = emit(v.$fn, false);
      else if (k === 'anyOf') out.anyOf = v.map((ref) => emit(ref.$fn, false));
      else if (k !== 'ref') out[k] = Array.isArray(v) ? [...v] : v;
    }
    onStack.delete(key);
    if (node.ref) {
      const target = emit(node.ref.$fn, false);
      // A bare reference (the generators' way of naming a type) is the type itself.
      if (Object.keys(out).length === 0) return target;
      return { allOf: [target], ...out };
    }
    if (isObjectNode(node) && node.properties && out.additionalProperties === undefined) {
      // The generated validators lost every property called `description` (the generator strips
      // descriptions, properties of that name included): let it through wherever an object is closed.
      if (openDescription && !out.properties.description) out.properties.description = { type: 'string' };
      out.additionalProperties = false;
    }
    return out;
  };
  for (const key of roots.keys()) emit(key, false);
  nullable(definitions, new Set(roots.values()));
  return definitions;
}

/**
 * Go structs embed others (`json:",inline"`): the generators express that as a reference plus the struct's
 * own properties. A closed object needs all of them in one place, so the embedded properties are copied
 * in; an embedded type without listed properties leaves the object open.
 */
function flattenEmbedded(nodes) {
  const done = new Set();
  const flatten = (key) => {
    const node = nodes.get(key);
    if (!node || done.has(key)) return node;
    done.add(key);
    if (!node.ref || !(node.properties || node.type === 'object')) return node;
    let targetKey = node.ref.$fn;
    let target = flatten(targetKey);
    const seen = new Set([key]);
    while (target && target.ref && !target.properties && !seen.has(targetKey)) {
      seen.add(targetKey);
      targetKey = target.ref.$fn;
      target = flatten(targetKey);
    }
    delete node.ref;
    if (target?.properties) {
      node.properties = { ...target.properties, ...node.properties };
      const required = [...new Set([...(target.required ?? []), ...(node.required ?? [])])];
      if (required.length) node.required = required;
    } else {
      node.additionalProperties ??= true;
    }
    return node;
  };
  for (const key of nodes.keys()) flatten(key);
}

function walkRefs(node, fn) {
  if (!node) return;
  if (node.properties) for (const r of Object.values(node.properties)) fn(r.$fn);
  if (node.items) fn(node.items.$fn);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') fn(node.additionalProperties.$fn);
  if (node.anyOf) for (const r of node.anyOf) fn(r.$fn);
  if (node.ref) fn(node.ref.$fn);
}

/** Lets every schema below the roots accept null, as the API server does for custom resources. */
function nullable(definitions, rootNames) {
  const visit = (s, isRoot) => {
    if (!s || typeof s !== 'object') return;
    if (!isRoot && typeof s.type === 'string') s.type = [s.type, 'null'];
    else if (!isRoot && Array.isArray(s.type) && !s.type.includes('null')) s.type = [...s.type, 'null'];
    if (!isRoot && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
    if (s.properties) for (const v of Object.values(s.properties)) visit(v, false);
    if (s.items) visit(s.items, false);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') visit(s.additionalProperties, false);
    for (const k of ['anyOf', 'allOf']) if (s[k]) for (const v of s[k]) visit(v, false);
  };
  for (const [name, s] of Object.entries(definitions)) visit(s, rootNames.has(name));
}

// ---------------------------------------------------------------------------------------------------
// Kinds

/** Whether any model type of a package declares a property called `description` (its .d.ts files say so). */
function declaresDescription(dir) {
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== '_schemas' && e.name !== 'node_modules') stack.push(join(d, e.name));
      } else if (e.name.endsWith('.d.ts') && /"description"\??:/.test(readFileSync(join(d, e.name), 'utf8'))) {
        return true;
      }
    }
  }
  return false;
}

/** Top-level kinds of a package: `<group>/<version>/<Kind>.{mjs,js}` model files name their schema. */
function packageKinds(dir) {
  const kinds = [];
  for (const group of readdirSync(dir, { withFileTypes: true })) {
    if (!group.isDirectory() || !group.name.includes('.') || group.name.startsWith('_')) continue;
    for (const version of readdirSync(join(dir, group.name), { withFileTypes: true })) {
      if (!version.isDirectory()) continue;
      const vdir = join(dir, group.name, version.name);
      const files = readdirSync(vdir);
      for (const file of files) {
        const isMjs = file.endsWith('.mjs');
        if (!isMjs && !(file.endsWith('.js') && !files.includes(file.replace(/\.js$/, '.mjs')))) continue;
        const text = readFileSync(join(vdir, file), 'utf8');
        const apiVersion = /\.apiVersion="([^"]+)"/.exec(text)?.[1];
        const kind = /\.kind="([^"]+)"/.exec(text)?.[1];
        const schema = /import\{validate\}from"(\.\.\/\.\.\/_schemas\/[^"]+)"/.exec(text)?.[1];
        if (apiVersion && kind && schema && !kind.endsWith('List')) kinds.push({ apiVersion, kind, schemaFile: join(vdir, schema) });
      }
    }
  }
  return kinds.sort((a, b) => `${a.apiVersion}/${a.kind}`.localeCompare(`${b.apiVersion}/${b.kind}`));
}

/**
 * Builds the ecosystem part of builtin.json. `builtinFor(kubernetesModelsName)` returns the built-in
 * definition name for a kubernetes-models definition name (`IoK8sApiCoreV1PodTemplateSpec` →
 * `V1PodTemplateSpec`), if any; `checkedFormats` are the formats the engine checks.
 */
export function buildEcosystemSchemas({ builtinFor, checkedFormats }) {
  const projects = [];
  const kinds = {};
  const removed = {};
  const definitions = {};
  for (const p of ecosystemPackages) {
    const dir = packageDir(p.package);
    const version = packageVersion(dir);
    const nodeModules = dirname(p.package.startsWith('@') ? dirname(dir) : dir);
    const reader = createReader({ builtinFor, nodeModules, checkedFormats });
    const removedVersions = new Map((p.removed ?? []).map((r) => [r.apiVersion, r]));
    const roots = new Map();
    const kindRoots = [];
    for (const k of packageKinds(dir)) {
      const group = k.apiVersion.split('/')[0];
      if (p.groups && !p.groups.includes(group)) continue;
      if (p.kinds && !p.kinds.includes(k.kind)) continue;
      const key = `${k.apiVersion}/${k.kind}`;
      if (kinds[key]) continue;
      const r = removedVersions.get(k.apiVersion);
      if (r) {
        removed[key] = { since: r.since, ...(r.use ? { use: r.use } : {}), project: p.id };
        continue;
      }
      const root = reader.exportKey(k.schemaFile);
      if (!root) continue;
      // Controllers write status; manifests in git do not, and the API server ignores it on apply of a
      // custom resource with a status subresource. Left open, it saves a third of the generated code.
      const rootNode = reader.nodes.get(root);
      if (rootNode?.properties?.status) {
        reader.nodes.set('any', {});
        rootNode.properties.status = { $fn: 'any' };
      }
      const name = `Eco${p.id}_${k.apiVersion.replace(/[^A-Za-z0-9]/g, '_')}_${k.kind}`;
      roots.set(root, name);
      kindRoots.push({ key, name, apiVersion: k.apiVersion, kind: k.kind });
    }
    flattenEmbedded(reader.nodes);
    const defs = emitDefinitions(reader.nodes, roots, `Eco${p.id}_t`, { openDescription: declaresDescription(dir) });
    for (const { key, name, apiVersion, kind } of kindRoots) {
      const root = defs[name];
      if (!root) continue;
      // Pin what this kind is, and check metadata as Kubernetes ObjectMeta, as the API server does.
      defs[name] = {
        ...root,
        type: 'object',
        properties: { ...root.properties, apiVersion: { type: 'string', enum: [apiVersion] }, kind: { type: 'string', enum: [kind] }, metadata: { $ref: '#/definitions/V1ObjectMeta' } },
        additionalProperties: false,
      };
      kinds[key] = { ref: name, project: p.id };
    }
    Object.assign(definitions, defs);
    const groups = [...new Set(kindRoots.map((k) => k.apiVersion.split('/')[0]))].sort();
    projects.push({ id: p.id, project: p.project, package: p.package, version, upstream: p.upstream, groups, kinds: kindRoots.length, ...(p.hint ? { hint: p.hint } : {}) });
  }
  return { projects, gaps: ecosystemGaps, kinds, removed, definitions };
}
