// The ecosystem part of builtin.json: the kinds of each `@kubernetes-models/*` package, their schemas read
// back from the packages' validators (ajv-code-reader.ts), with kubeconform's strictness (objects that list
// properties reject others) and the API server's leniency for custom resources (null anywhere below the
// root). Schemas `$ref` the built-in definitions (ObjectMeta, PodTemplateSpec…) where the types are those.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createReader, type BuiltinFor, type FnRef, type ReadNode } from './ajv-code-reader.ts';
import { ecosystemGaps, ecosystemPackages } from './ecosystem-packages.ts';
import { packageDir, packageVersion } from './packages.ts';
import type { EcosystemProject, EcosystemSchemas, JsonSchema } from './types.ts';

function isObjectNode(n: ReadNode): boolean {
  return n.type === 'object' || n.properties !== undefined;
}

function walkRefs(node: ReadNode | undefined, fn: (key: string) => void): void {
  if (!node) return;
  if (node.properties) for (const r of Object.values(node.properties)) fn(r.$fn);
  if (node.items) fn(node.items.$fn);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') fn(node.additionalProperties.$fn);
  if (node.anyOf) for (const r of node.anyOf) fn(r.$fn);
  if (node.ref) fn(node.ref.$fn);
}

/**
 * Emits definitions for `roots` (key → definition name). Nodes used once are inlined; shared, recursive
 * or large ones become `#/definitions/<prefix>N`. Every non-root node accepts null (the API server drops
 * nulls of CRD fields before validation), and objects that list properties reject unknown ones.
 */
function emitDefinitions(nodes: Map<string, ReadNode>, roots: Map<string, string>, prefix: string, { openDescription = false } = {}): Record<string, JsonSchema> {
  const uses = new Map<string, number>();
  const count = (key: string, seen: Set<string>): void => {
    uses.set(key, (uses.get(key) ?? 0) + 1);
    if (uses.get(key)! > 1 || seen.has(key)) return;
    seen.add(key);
    walkRefs(nodes.get(key), (k) => count(k, seen));
  };
  const seen = new Set<string>();
  for (const key of roots.keys()) count(key, seen);

  const names = new Map(roots);
  let n = 0;
  const definitions: Record<string, JsonSchema> = {};
  const onStack = new Set<string>();
  const emit = (key: string, inline: boolean): JsonSchema => {
    const node = nodes.get(key)!;
    if (key.startsWith('builtin:') || key === 'any') return structuredClone(node);
    // Small leaves (a string with a pattern) are cheaper inline than behind a name.
    let leaf = true;
    walkRefs(node, () => { leaf = false; });
    const shared = !(leaf && JSON.stringify(node).length < 300) && ((uses.get(key) ?? 0) > 1 || onStack.has(key));
    if (!inline && (shared || names.has(key))) {
      if (!names.has(key)) names.set(key, `${prefix}${++n}`);
      const name = names.get(key)!;
      if (!(name in definitions) && !onStack.has(key)) {
        definitions[name] = {};
        definitions[name] = build(key, node);
      }
      return { $ref: `#/definitions/${name}` };
    }
    return build(key, node);
  };
  const build = (key: string, node: ReadNode): JsonSchema => {
    onStack.add(key);
    const out: JsonSchema & { properties?: Record<string, JsonSchema> } = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, FnRef>).map(([p, ref]) => [p, emit(ref.$fn, false)]));
      else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = emit((v as FnRef).$fn, false);
      else if (k === 'anyOf') out.anyOf = (v as FnRef[]).map((ref) => emit(ref.$fn, false));
      else if (k !== 'ref') out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
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
      if (openDescription && !out.properties!.description) out.properties!.description = { type: 'string' };
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
function flattenEmbedded(nodes: Map<string, ReadNode>): void {
  const done = new Set<string>();
  const flatten = (key: string): ReadNode | undefined => {
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

interface SchemaNode {
  type?: unknown;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  allOf?: SchemaNode[];
}

/** Lets every schema below the roots accept null, as the API server does for custom resources. */
function nullable(definitions: Record<string, JsonSchema>, rootNames: Set<string>): void {
  const visit = (s: SchemaNode | undefined, isRoot: boolean): void => {
    if (!s || typeof s !== 'object') return;
    if (!isRoot && typeof s.type === 'string') s.type = [s.type, 'null'];
    else if (!isRoot && Array.isArray(s.type) && !s.type.includes('null')) s.type = [...(s.type as unknown[]), 'null'];
    if (!isRoot && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
    if (s.properties) for (const v of Object.values(s.properties)) visit(v, false);
    if (s.items) visit(s.items, false);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') visit(s.additionalProperties, false);
    for (const k of ['anyOf', 'allOf'] as const) if (s[k]) for (const v of s[k]) visit(v, false);
  };
  for (const [name, s] of Object.entries(definitions)) visit(s as SchemaNode, rootNames.has(name));
}

/** Whether any model type of a package declares a property called `description` (its .d.ts files say so). */
function declaresDescription(dir: string): boolean {
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
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
function packageKinds(dir: string): { apiVersion: string; kind: string; schemaFile: string }[] {
  const kinds: { apiVersion: string; kind: string; schemaFile: string }[] = [];
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
export function buildEcosystemSchemas({ builtinFor, checkedFormats }: { builtinFor: BuiltinFor; checkedFormats: readonly string[] }): EcosystemSchemas & { definitions: Record<string, JsonSchema> } {
  const projects: EcosystemProject[] = [];
  const kinds: EcosystemSchemas['kinds'] = {};
  const removed: EcosystemSchemas['removed'] = {};
  const definitions: Record<string, JsonSchema> = {};
  for (const p of ecosystemPackages) {
    const dir = packageDir(p.package);
    const version = packageVersion(dir);
    const nodeModules = dirname(p.package.startsWith('@') ? dirname(dir) : dir);
    const reader = createReader({ builtinFor, nodeModules, checkedFormats });
    const removedVersions = new Map((p.removed ?? []).map((r) => [r.apiVersion, r]));
    const roots = new Map<string, string>();
    const kindRoots: { key: string; name: string; apiVersion: string; kind: string }[] = [];
    for (const k of packageKinds(dir)) {
      const group = k.apiVersion.split('/')[0]!;
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
      const root = defs[name] as (JsonSchema & { properties?: Record<string, unknown> }) | undefined;
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
    const groups = [...new Set(kindRoots.map((k) => k.apiVersion.split('/')[0]!))].sort();
    projects.push({ id: p.id, project: p.project, package: p.package, version, upstream: p.upstream, groups, kinds: kindRoots.length, ...(p.hint ? { hint: p.hint } : {}) });
  }
  return { projects, gaps: ecosystemGaps, kinds, removed, definitions };
}
