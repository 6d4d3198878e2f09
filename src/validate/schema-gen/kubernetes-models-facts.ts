// Where the built-in schemas come from, part 2: kubernetes-models, for the enums and Quantity fields the
// client-node type maps do not carry. Its validators are precompiled ajv code; the facts are read from
// that code as text. Also: the kinds it knows (it keeps removed versions) and which client-node model
// each of its definitions is.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientModel, ServedKind } from './client-node-models.ts';

/** What a validator function checks. */
export interface FieldHint {
  enum?: unknown[];
  quantity?: boolean;
  items?: FieldHint;
  values?: FieldHint;
}

interface ValidatorFile {
  imports: Map<string, string>;
  enums: Map<string, unknown[]>;
  bodies: Map<string, string>;
  main?: string;
}

const fnStart = /(?:export const validate=)?function (validate\d+)\(data,/g;

function parseValidatorFile(text: string): ValidatorFile {
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import\{validate as (validate\d+)\}from"([^"]+)"/g)) imports.set(m[1]!, m[2]!);
  const enums = new Map<string, unknown[]>();
  for (const m of text.matchAll(/let (schema\d+)=\{enum:(\[[^\]]*\])\}/g)) {
    try {
      enums.set(m[1]!, JSON.parse(m[2]!) as unknown[]);
    } catch {
      // not a plain string list: leave that enum out rather than guess
    }
  }
  const starts = [...text.matchAll(fnStart)];
  const bodies = new Map<string, string>();
  let main: string | undefined;
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.index : text.length;
    bodies.set(m[1]!, text.slice(m.index, end));
    if (m[0].startsWith('export')) main = m[1];
  });
  return { imports, enums, bodies, main };
}

function describe(file: ValidatorFile, fn: string, depth = 0): FieldHint | undefined {
  if (depth > 4) return undefined;
  const imported = file.imports.get(fn);
  if (imported) return imported.endsWith('IoK8sApimachineryPkgApiResourceQuantity') ? { quantity: true } : undefined;
  const body = file.bodies.get(fn);
  if (!body) return undefined;
  const inner = body.slice(body.indexOf('{') + 1);
  const call = (pattern: RegExp): FieldHint | undefined => {
    const m = pattern.exec(inner);
    return m ? describe(file, m[1]!, depth + 1) : undefined;
  };
  const inlineEnum = (): FieldHint | undefined => {
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

/** kubernetes-models definition name (IoK8sApiAppsV1Deployment) → Map<property, hint>. */
export function readModelHints(kmDir: string): Map<string, Map<string, FieldHint>> {
  const dir = join(kmDir, '_schemas');
  const hints = new Map<string, Map<string, FieldHint>>();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.mjs')) continue;
    const parsed = parseValidatorFile(readFileSync(join(dir, file), 'utf8'));
    if (!parsed.main) continue;
    const props = new Map<string, FieldHint>();
    const mainBody = parsed.bodies.get(parsed.main)!;
    for (const m of mainBody.matchAll(/void 0===data(?:\.([A-Za-z_$][\w$]*)|\["([^"]+)"\])\|\|(validate\d+)\(/g)) {
      const d = describe(parsed, m[3]!);
      if (d) props.set((m[1] ?? m[2])!, d);
    }
    if (props.size > 0) hints.set(file.slice(0, -4), props);
  }
  return hints;
}

/** Every top-level apiVersion/kind kubernetes-models knows (it keeps removed versions). */
export function readModelKinds(kmDir: string): { apiVersion: string; kind: string }[] {
  const kinds: { apiVersion: string; kind: string }[] = [];
  for (const groupDir of readdirSync(kmDir, { withFileTypes: true })) {
    if (!groupDir.isDirectory() || groupDir.name.startsWith('_')) continue;
    const versionDirs = groupDir.name === 'v1' ? [{ path: join(kmDir, 'v1') }]
      : readdirSync(join(kmDir, groupDir.name), { withFileTypes: true }).filter((d) => d.isDirectory())
        .map((d) => ({ path: join(kmDir, groupDir.name, d.name) }));
    for (const v of versionDirs) {
      for (const file of readdirSync(v.path)) {
        if (!file.endsWith('.mjs') || file === 'index.mjs') continue;
        const text = readFileSync(join(v.path, file), 'utf8');
        const m = /\.apiVersion="([^"]+)",\w+\.kind="([^"]+)"/.exec(text);
        if (m && !m[2]!.endsWith('List')) kinds.push({ apiVersion: m[1]!, kind: m[2]! });
      }
    }
  }
  return kinds;
}

const modelNamePattern = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;
const kmNamePattern = /^(IoK8sApiextensionsApiserverPkgApisApiextensions|IoK8sKubeAggregatorPkgApisApiregistration|IoK8sApi[A-Z][a-z]+)(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

function kmGroupOf(prefix: string): string {
  if (prefix.startsWith('IoK8sApiextensions')) return 'Apiextensions';
  if (prefix.startsWith('IoK8sKubeAggregator')) return 'Apiregistration';
  return prefix.slice('IoK8sApi'.length);
}

/** `apps.k8s.io` → `Apps`; the core group is `Core`. */
export function pascalGroup(group: string): string {
  if (group === '') return 'Core';
  const first = group.split('.')[0]!;
  return first[0]!.toUpperCase() + first.slice(1);
}

/** client-node model name → kubernetes-models definition name, where one matches unambiguously. */
export function matchModelNames(models: Map<string, ClientModel>, hints: Map<string, unknown>, kinds: Map<string, ServedKind>): Map<string, string> {
  const bySuffix = new Map<string, { name: string; group: string }[]>();
  for (const km of hints.keys()) {
    const m = kmNamePattern.exec(km);
    if (!m) continue;
    const suffix = m[2]! + m[3]!;
    if (!bySuffix.has(suffix)) bySuffix.set(suffix, []);
    bySuffix.get(suffix)!.push({ name: km, group: kmGroupOf(m[1]!) });
  }
  // Groups that reach each model, to settle names that several groups define (V1beta1Subject…).
  const reachedBy = new Map<string, Set<string>>();
  for (const [key, k] of kinds) {
    const group = pascalGroup(key.split('/').length === 3 ? key.split('/')[0]! : '');
    const seen = new Set<string>();
    const stack = [k.ref];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name) || !models.has(name)) continue;
      seen.add(name);
      if (!reachedBy.has(name)) reachedBy.set(name, new Set());
      reachedBy.get(name)!.add(group);
      for (const a of models.get(name)!.attrs) for (const t of a.type.match(/\w+/g) ?? []) if (models.has(t)) stack.push(t);
    }
  }
  const matched = new Map<string, string>();
  for (const name of models.keys()) {
    const m = modelNamePattern.exec(name);
    if (!m) continue;
    let candidates = bySuffix.get(m[2]! + m[3]!) ?? [];
    if (m[1]) candidates = candidates.filter((c) => c.group === m[1]);
    if (candidates.length > 1) {
      const groups = reachedBy.get(name) ?? new Set<string>();
      const reached = candidates.filter((c) => groups.has(c.group));
      candidates = reached.length > 0 ? reached : candidates.filter((c) => c.group === 'Core');
    }
    if (candidates.length === 1) matched.set(name, candidates[0]!.name);
  }
  return matched;
}

/**
 * The client-node model for a kubernetes-models definition name (`IoK8sApiRbacV1Subject` → `RbacV1Subject`,
 * `IoK8sApiCoreV1ObjectReference` → `V1ObjectReference`, `IoK8sApimachineryPkgApisMetaV1ObjectMeta` →
 * `V1ObjectMeta`), or undefined. client-node prefixes a model with its group only where names clash.
 */
export function modelNameFor(km: string, models: Map<string, ClientModel>, kmToModel: Map<string, string>): string | undefined {
  if (kmToModel.has(km)) return kmToModel.get(km);
  const meta = /^IoK8sApimachineryPkgApisMeta(V1\w+)$/.exec(km)?.[1];
  if (meta) return models.has(meta) ? meta : undefined;
  const m = kmNamePattern.exec(km);
  if (!m) return undefined;
  const plain = m[2]! + m[3]!;
  return [kmGroupOf(m[1]!) + plain, plain].find((n) => models.has(n));
}
