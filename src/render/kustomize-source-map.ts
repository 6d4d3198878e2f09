import { posix } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, Scalar, type Node } from 'yaml';
import type { Environment } from '../model/environment.ts';
import { groupOf, type KubeObject, type PatchSource } from '../model/object.ts';
import { readManifest } from './files.ts';
import { looksInlinePatch } from './kustomize-model/index.ts';

/**
 * What kustomize's origin annotation does not say: which patches changed an object (so a finding on a
 * field a patch set points into the patch) and which generator entry made a ConfigMap or Secret. Read
 * from the kustomization files bosun already walked and checked (kustomize-tree.ts), best effort: a file
 * that cannot be read or parsed here is kustomize's to report, and only costs a line number.
 */
export interface KustomizeSourceMap {
  /** Every patch document, in the order kustomize applies them (bases before overlays, the GitOps object's last). */
  patches: PatchDocument[];
  /** Generator entries per kustomization file. */
  generators: Map<string, GeneratorEntry[]>;
}

interface PatchDocument {
  source: PatchSource;
  value: unknown;
  target?: Record<string, unknown>;
}

interface GeneratorEntry {
  /** `ConfigMapGenerator` or `SecretGenerator`, as kustomize's origin names the generator. */
  kind: string;
  name: string;
  line: number;
}

const generatorFields = [['configMapGenerator', 'ConfigMapGenerator'], ['secretGenerator', 'SecretGenerator']] as const;

/** `kustomizations` root first, as the tree walk lists them. */
export async function readKustomizeSourceMap(root: string, kustomizations: readonly string[], env: Environment): Promise<KustomizeSourceMap> {
  const map: KustomizeSourceMap = { patches: [], generators: new Map() };
  // A base is built before the overlay that lists it: the walk's order reversed puts each kustomization
  // after everything it references.
  for (const file of [...new Set(kustomizations)].reverse()) await readKustomization(root, file, map);
  // Flux `spec.patches` / Argo CD `kustomize.patches` go into bosun's overlay: applied last, written in the GitOps object.
  const where = env.definedIn;
  if (where) {
    for (const p of env.kustomize?.patches ?? []) {
      if ('patch' in p) addInline(map, where.file, where.line ?? 1, p.patch, undefined, p.target);
      else await addFile(root, map, posix.normalize(posix.join(env.path, p.path)), p.target);
    }
  }
  return map;
}

async function readKustomization(root: string, file: string, map: KustomizeSourceMap): Promise<void> {
  const text = await readManifest(root, file).catch(() => undefined);
  if (text === undefined) return;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version: '1.1' });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return;
  const top = doc.contents;
  const dir = posix.dirname(file);
  const lineOf = (node: unknown): number => lines.linePos((node as Node | null)?.range?.[0] ?? 0).line;
  const items = (key: string): unknown[] => {
    const seq = top.get(key, true);
    return isSeq(seq) ? seq.items : [];
  };

  for (const key of ['patches', 'patchesJson6902']) {
    for (const item of items(key)) {
      if (!isMap(item)) continue;
      const target = plainRecord(item.get('target'));
      const path = item.get('path');
      const inline = item.get('patch', true);
      if (typeof path === 'string' && path !== '') await addFile(root, map, posix.normalize(posix.join(dir, path)), target);
      else if (isScalar(inline) && typeof inline.value === 'string') addInline(map, file, lineOf(item), inline.value, blockStart(inline, lineOf), target);
    }
  }
  for (const item of items('patchesStrategicMerge')) {
    if (!isScalar(item) || typeof item.value !== 'string') continue;
    if (looksInlinePatch(item.value)) addInline(map, file, lineOf(item), item.value, blockStart(item, lineOf));
    else await addFile(root, map, posix.normalize(posix.join(dir, item.value)));
  }
  for (const [key, kind] of generatorFields) {
    for (const item of items(key)) {
      const name = isMap(item) ? item.get('name') : undefined;
      if (typeof name !== 'string' || name === '') continue;
      const list = map.generators.get(file) ?? [];
      list.push({ kind, name, line: lineOf(item) });
      map.generators.set(file, list);
    }
  }
}

async function addFile(root: string, map: KustomizeSourceMap, file: string, target?: Record<string, unknown>): Promise<void> {
  const text = await readManifest(root, file).catch(() => undefined);
  if (text === undefined) return;
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, version: '1.1' });
  if (!Array.isArray(docs)) return;
  for (const doc of docs) {
    if (doc.errors.length > 0 || !doc.contents) continue;
    const value = safeJs(() => doc.toJS({ maxAliasCount: 100 }));
    if (value === undefined || value === null) continue;
    map.patches.push({ source: { file, line: lines.linePos(firstKeyOffset(doc.contents)).line }, value, target });
  }
}

function addInline(map: KustomizeSourceMap, file: string, line: number, text: string, firstLine: number | undefined, target?: Record<string, unknown>): void {
  const docs = parseAllDocuments(text, { version: '1.1' });
  if (!Array.isArray(docs)) return;
  // Counted as field-lines.ts counts them when it reads the text again: documents with content.
  let index = -1;
  for (const doc of docs) {
    if (!doc.contents) continue;
    index++;
    if (doc.errors.length > 0) continue;
    const value = safeJs(() => doc.toJS({ maxAliasCount: 100 }));
    if (value === undefined || value === null) continue;
    map.patches.push({ source: { file, line, inline: { text, doc: index, ...(firstLine ? { firstLine } : {}) } }, value, target });
  }
}

/** The file line of a `|` block's first text line: the block maps onto the file line for line. */
function blockStart(node: Scalar, lineOf: (node: unknown) => number): number | undefined {
  return node.type === Scalar.BLOCK_LITERAL ? lineOf(node) + 1 : undefined;
}

/** What a patch can be matched on: the object as built, and the source document it was built from. */
export interface PatchSubject {
  built: KubeObject;
  source?: KubeObject;
}

/** The patches that (may) apply to an object, in application order; shared objects, not copies. */
export function patchesFor(map: KustomizeSourceMap, subject: PatchSubject): PatchSource[] {
  const found: PatchSource[] = [];
  for (const p of map.patches) {
    if (p.target ? targetMayMatch(p.target, subject) : strategicMergeMatches(p.value, subject)) found.push(p.source);
  }
  return found;
}

/** The generator entry that made `built` (its name is the entry's, maybe prefixed, plus the hash suffix). */
export function generatorEntry(map: KustomizeSourceMap, file: string, generator: string | undefined, built: KubeObject): { name: string; line: number } | undefined {
  const name = built.metadata?.name ?? '';
  const entries = (map.generators.get(file) ?? []).filter((g) => (generator === undefined || g.kind === generator) && name.includes(g.name));
  const longest = Math.max(0, ...entries.map((g) => g.name.length));
  return entries.find((g) => g.name.length === longest);
}

/** Names an object went by: its source document's name and its built name (prefixes and suffixes added). */
function namesOf(subject: PatchSubject): string[] {
  return [subject.source?.metadata?.name, subject.built.metadata?.name].filter((n): n is string => typeof n === 'string' && n !== '');
}

/**
 * A strategic merge patch without a target names its object by kind and name, at whatever name the object
 * had where the patch is listed: the source name, the built name, or one in between (a base's prefix).
 */
function strategicMergeMatches(value: unknown, subject: PatchSubject): boolean {
  if (!isRecord(value) || value.kind !== subject.built.kind) return false;
  const name = isRecord(value.metadata) ? value.metadata.name : undefined;
  if (typeof name !== 'string' || name === '') return false;
  const [sourceName, builtName] = [subject.source?.metadata?.name ?? '', subject.built.metadata?.name ?? ''];
  return name === sourceName || name === builtName || (builtName.includes(name) && name.includes(sourceName));
}

/**
 * Whether a patch `target` may select the object. Kustomize matches with anchored Go regular expressions;
 * evaluating pull-request regexes with a backtracking engine could hang, so only literal names and the
 * `.`/`.*`/`.+` wildcards are evaluated (linearly) and anything else counts as a match: a patch wrongly
 * thought to apply costs nothing, as the field lookup only uses it where it holds the field.
 */
function targetMayMatch(target: Record<string, unknown>, subject: PatchSubject): boolean {
  const { built } = subject;
  const apiVersion = built.apiVersion ?? '';
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  const checks: Array<[unknown, string[]]> = [
    [target.group, [groupOf(apiVersion)]],
    [target.version, [version]],
    [target.kind, [built.kind]],
    [target.name, namesOf(subject)],
    [target.namespace, [subject.source?.metadata?.namespace ?? '', built.metadata?.namespace ?? '']],
  ];
  for (const [pattern, values] of checks) {
    if (typeof pattern !== 'string' || pattern === '') continue;
    if (!values.some((v) => patternMayMatch(pattern, v))) return false;
  }
  if (typeof target.labelSelector === 'string' && !selectorMayMatch(target.labelSelector, built.metadata?.labels)) return false;
  if (typeof target.annotationSelector === 'string' && !selectorMayMatch(target.annotationSelector, built.metadata?.annotations)) return false;
  return true;
}

type Token = { kind: 'char'; char: string } | { kind: 'any' } | { kind: 'many'; min: 0 | 1 };

/** Whether an anchored regex may match `value`; true for syntax this does not evaluate. */
export function patternMayMatch(pattern: string, value: string): boolean {
  if (pattern.length > 1024 || !/^[\w.*+|\\-]*$/.test(pattern)) return true;
  return pattern.split('|').some((alternative) => {
    const tokens = tokenize(alternative);
    return tokens === undefined || wildcardMatch(tokens, value);
  });
}

function tokenize(pattern: string): Token[] | undefined {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[++i];
      if (next === undefined || /\w/.test(next)) return undefined; // \d, \w…: not evaluated
      tokens.push({ kind: 'char', char: next });
    } else if (c === '.' && (pattern[i + 1] === '*' || pattern[i + 1] === '+')) {
      tokens.push({ kind: 'many', min: pattern[++i] === '*' ? 0 : 1 });
    } else if (c === '.') {
      tokens.push({ kind: 'any' });
    } else if (c === '*' || c === '+') {
      return undefined; // a quantified literal: not evaluated
    } else {
      tokens.push({ kind: 'char', char: c });
    }
  }
  return tokens;
}

/** Wildcard matching by dynamic programming: time tokens × length, whatever the pattern. */
function wildcardMatch(tokens: readonly Token[], value: string): boolean {
  let reach = new Array<boolean>(value.length + 1).fill(false);
  reach[0] = true;
  for (const token of tokens) {
    const next = new Array<boolean>(value.length + 1).fill(false);
    if (token.kind === 'many') {
      let seen = false;
      for (let j = 0; j <= value.length; j++) {
        // `.*` continues from any earlier reachable position; `.+` from a strictly earlier one.
        if (token.min === 0 && reach[j]) seen = true;
        next[j] = seen;
        if (token.min === 1 && reach[j]) seen = true;
      }
    } else {
      for (let j = 0; j < value.length; j++) {
        if (reach[j] && (token.kind === 'any' || value[j] === token.char)) next[j + 1] = true;
      }
    }
    reach = next;
  }
  return reach[value.length];
}

/**
 * A label selector (`app=web,tier in (a, b),!canary`), evaluated permissively: only positive terms
 * (`k=v`, `k==v`, `k`, `k in (…)`) can rule an object out, as labels added later in the build cannot.
 */
function selectorMayMatch(selector: string, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  if (selector.length > 4096) return true; // nobody writes one this long: not worth evaluating
  for (const raw of selector.split(/,(?![^(]*\))/)) {
    const term = raw.trim();
    if (term === '') continue;
    let m = /^([\w./-]+)\s*==?\s*([\w.-]*)$/.exec(term);
    if (m) {
      if (have[m[1]] !== m[2]) return false;
      continue;
    }
    m = /^([\w./-]+)\s+in\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      if (!m[2].split(',').map((v) => v.trim()).includes(have[m[1]] ?? '\0')) return false;
      continue;
    }
    m = /^([\w./-]+)$/.exec(term);
    if (m && !(m[1] in have)) return false;
  }
  return true;
}

function firstKeyOffset(node: unknown): number {
  if (isMap(node) && node.items.length > 0) {
    const key = node.items[0].key as Node | null;
    if (key?.range) return key.range[0];
  }
  return (node as Node | null)?.range?.[0] ?? 0;
}

function safeJs(fn: () => unknown): unknown {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function plainRecord(value: unknown): Record<string, unknown> | undefined {
  if (isMap(value)) return plainRecord(safeJs(() => value.toJSON()));
  return isRecord(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
