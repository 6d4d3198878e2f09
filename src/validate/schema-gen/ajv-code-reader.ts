// Reads ajv standalone code back into schemas. The `@kubernetes-models/*` packages ship no schema objects,
// only validators that ajv generated from the upstream CRDs (or Go API types). That code is very regular:
// one function per subschema, each property checked by a call `validateN(data.<name>, …)`, each keyword
// failing with an error literal `{schemaPath:"#/<keyword>", keyword, params}`. The modules are read as
// text (never imported: the newest of these packages are ESM for Node 22). What cannot be read back
// (`not`, inline branches) is left out, so a construct not understood can only make validation more
// lenient, never fail a valid object.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JsonSchema } from './types.ts';

/** A placeholder for a child schema: the key of another node, resolved when definitions are emitted. */
export interface FnRef {
  $fn: string;
}

/** One generated function as a schema node, children as placeholders (or, for mapped imports, a plain schema). */
export interface ReadNode {
  [keyword: string]: unknown;
  type?: string | string[];
  required?: string[];
  enum?: unknown[];
  properties?: Record<string, FnRef>;
  items?: FnRef;
  additionalProperties?: FnRef | boolean;
  anyOf?: FnRef[];
  ref?: FnRef;
}

interface GeneratedModule {
  imports: Map<string, string>;
  enums: Map<string, unknown>;
  bodies: Map<string, string>;
  main?: string;
}

/** The JavaScript array literal starting at `text[start]` ('['), as a value; undefined when not JSON. */
function arrayLiteralAt(text: string, start: number): unknown {
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

function stringLiteral(quoted: string): string | undefined {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}

const fnHeader = /function (validate\d+)\(data,\{instancePath="",parentData,parentDataProperty,rootData=data\}=\{\}\)\{/g;
const quotedString = '"(?:[^"\\\\]|\\\\.)*"';

/** Functions, imports, enum tables and the exported validator of one generated module. */
function parseModule(text: string): GeneratedModule {
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import\{validate as (validate\d+)\}from"([^"]+)"/g)) imports.set(m[1]!, m[2]!);
  // CommonJS builds: `_Name=require("…/_schemas/Name")` and calls `(0,_Name.validate)(data…` are not read;
  // the ESM build of each package is used instead.
  const enums = new Map<string, unknown>();
  for (const m of text.matchAll(/(schema\d+)=\{enum:\[/g)) enums.set(`${m[1]}.enum`, arrayLiteralAt(text, m.index + m[0].length - 1));
  for (const m of text.matchAll(/(schema\d+_enum)=\[/g)) enums.set(m[1]!, arrayLiteralAt(text, m.index + m[0].length - 1));
  const starts = [...text.matchAll(fnHeader)];
  const bodies = new Map<string, string>();
  starts.forEach((m, i) => bodies.set(m[1]!, text.slice(m.index + m[0].length, i + 1 < starts.length ? starts[i + 1]!.index : text.length)));
  const main = /export const validate=(?:function )?(validate\d+)/.exec(text)?.[1];
  return { imports, enums, bodies, main };
}

/** Go's RE2 syntax JavaScript cannot compile (`(?i)`…) is dropped, as crd-schema.ts does for CRDs. */
function isJsPattern(p: unknown): p is string {
  if (typeof p !== 'string') return false;
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

const limitKeywords = ['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties'];
const comparisonKeyword: Record<string, string> = { '>=': 'minimum', '>': 'exclusiveMinimum', '<=': 'maximum', '<': 'exclusiveMaximum' };

/** One generated function as a schema node. Unreadable keywords are left out (more lenient, never stricter). */
function readFunction(body: string, module: GeneratedModule, keyOf: (fn: string) => string, checkedFormats: readonly string[]): ReadNode {
  const node: ReadNode = {};
  const errorLiteral = (keyword: string, params: string): RegExp => new RegExp(`schemaPath:"#/${keyword}",keyword:"${keyword}",params:\\{${params}\\}`, 'g');
  const type = errorLiteral('type', 'type:"(\\w+)"').exec(body)?.[1];
  if (type) node.type = type;
  const required = [...body.matchAll(errorLiteral('required', `missingProperty:(${quotedString})`))].map((m) => stringLiteral(m[1]!)).filter((r): r is string => r !== undefined);
  if (required.length) node.required = [...new Set(required)];
  const enumRef = errorLiteral('enum', 'allowedValues:(schema\\d+(?:\\.enum|_enum))').exec(body)?.[1];
  const values = enumRef && module.enums.get(enumRef);
  if (Array.isArray(values)) node.enum = values;
  const pattern = errorLiteral('pattern', `pattern:(${quotedString})`).exec(body)?.[1];
  const patternValue = pattern === undefined ? undefined : stringLiteral(pattern);
  if (isJsPattern(patternValue)) node.pattern = patternValue;
  const format = errorLiteral('format', 'format:"([^"]+)"').exec(body)?.[1];
  if (format && checkedFormats.includes(format)) node.format = format;
  for (const keyword of limitKeywords) {
    const limit = errorLiteral(keyword, 'limit:(\\d+)').exec(body)?.[1];
    if (limit !== undefined) node[keyword] = Number(limit);
  }
  for (const m of body.matchAll(/keyword:"(?:minimum|maximum|exclusiveMinimum|exclusiveMaximum)",params:\{comparison:"([<>=]+)",limit:([-\w.+]+)\}/g)) {
    const n = Number(m[2]);
    const keyword = comparisonKeyword[m[1]!];
    if (keyword && Number.isFinite(n)) node[keyword] = n;
  }

  const properties: Record<string, FnRef> = {};
  for (const m of body.matchAll(/(validate\d+)\(data\.([A-Za-z_$][\w$]*),/g)) properties[m[2]!] = { $fn: keyOf(m[1]!) };
  if (Object.keys(properties).length) node.properties = properties;
  const items = /(validate\d+)\(data\[i0\],/.exec(body)?.[1];
  if (items) node.items = { $fn: keyOf(items) };
  const values2 = /for\(let key0 in data\)(validate\d+)\(data\[key0\],/.exec(body)?.[1];
  if (values2) node.additionalProperties = { $fn: keyOf(values2) };
  else if (/for\(let key0 in data\)/.test(body)) node.additionalProperties = true;

  const direct = [...body.matchAll(/(validate\d+)\(data,/g)].map((m) => m[1]!);
  const combinator = /schemaPath:"#\/(anyOf|oneOf|allOf)"/.exec(body)?.[1];
  if (combinator) {
    // oneOf is read as anyOf: "exactly one" only adds failures, and bosun prefers missing one to a false one.
    if (direct.length > 1) node.anyOf = direct.map((fn) => ({ $fn: keyOf(fn) }));
  } else if (direct.length === 1 && !/schemaPath:"#\/not"/.test(body)) {
    node.ref = { $fn: keyOf(direct[0]!) };
  }
  return node;
}

/** kubernetes-models definition name → bosun's built-in definition name, if it is a built-in API type. */
export type BuiltinFor = (kubernetesModelsName: string) => string | undefined;

/** Names of kubernetes-models definitions that map onto bosun's built-in definitions or plain schemas. */
function importedSchema(name: string, builtinFor: BuiltinFor): JsonSchema | undefined {
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

function resolveImport(fromFile: string, spec: string, nodeModules: string): string | undefined {
  const base = spec.startsWith('.') ? join(dirname(fromFile), spec) : join(nodeModules, spec);
  for (const candidate of [base, `${base}.mjs`, `${base}.js`]) if (existsSync(candidate) && !candidate.endsWith('/')) return candidate;
  return undefined;
}

export interface CodeReader {
  /** Key of a module's exported validator, or of a plain schema for imports that map onto built-ins. */
  exportKey(file: string): string | undefined;
  /** Every function read so far as a node, keyed `file#validateN` (plus `builtin:…` and `any`). */
  nodes: Map<string, ReadNode>;
}

/** Reads generated modules on demand and keeps every function as a node keyed `file#validateN`. */
export function createReader({ builtinFor, nodeModules, checkedFormats }: { builtinFor: BuiltinFor; nodeModules: string; checkedFormats: readonly string[] }): CodeReader {
  const modules = new Map<string, GeneratedModule>();
  const nodes = new Map<string, ReadNode>();
  const loadModule = (file: string): GeneratedModule => {
    let m = modules.get(file);
    if (!m) {
      m = parseModule(readFileSync(file, 'utf8'));
      modules.set(file, m);
    }
    return m;
  };
  const exportKey = (file: string): string | undefined => {
    const name = file.split('/').pop()!.replace(/\.m?js$/, '');
    const mapped = importedSchema(name, builtinFor);
    if (mapped) {
      const key = `builtin:${JSON.stringify(mapped)}`;
      if (!nodes.has(key)) nodes.set(key, mapped as ReadNode);
      return key;
    }
    const m = loadModule(file);
    return m.main ? visit(file, m.main) : undefined;
  };
  const visit = (file: string, fn: string): string => {
    const key = `${file}#${fn}`;
    if (nodes.has(key)) return key;
    const m = loadModule(file);
    nodes.set(key, {});
    const keyOf = (callee: string): string => {
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
