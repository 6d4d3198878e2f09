import { readdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { resolveInRepo } from '../util/paths.ts';
import { isKustomizationFile } from './kustomize-model/names.ts';

/**
 * The secret values a render's inputs hold, so a tool error that quotes its input can be masked by
 * structure rather than by key name: kustomize prints the node it choked on ("node contents:"), the
 * literal it could not split, the patch it could not apply — and a Secret's `data` is as likely as any
 * other field to be that node.
 *
 * Collected: every `data` value of a `kind: Secret` (the base64 text and what it decodes to) and every
 * `stringData` value (and its base64), whatever shape the field has; a `secretGenerator`'s `literals`
 * values and the contents of the `files`, `envs` and `env` it reads. A document that does not parse —
 * the very case in which a tool quotes it — is scanned line by line for the `data:` / `stringData:`
 * blocks of a document that says `kind: Secret`.
 *
 * Synchronous and bounded (files, bytes, values): it only runs when a tool has already failed.
 */
export interface SecretSources {
  /** Repo folders whose YAML/JSON files (recursively) are read: the environment's and every kustomization's. */
  dirs?: readonly string[];
  /** Repo files read whatever their name: resources outside those folders. */
  files?: readonly string[];
}

/** Shorter values are not masked: "1", "yes" and "on" would blank out half of any message. */
export const minSecretLength = 4;

const limits = { files: 2_000, fileBytes: 10 * 1024 * 1024, totalBytes: 64 * 1024 * 1024, values: 20_000 };
const manifestName = /\.(ya?ml|json)$/i;
/** Cheap pre-filter: a file without this cannot hold a Secret manifest. */
const mentionsSecret = /\bkind["']?\s*:\s*["']?Secret\b/;

/** Every secret value found in the sources, longest first (so a value is masked before any value it contains). */
export function collectSecretValues(root: string, sources: SecretSources): string[] {
  const found = new SecretSet();
  const budget = { files: limits.files, bytes: limits.totalBytes };
  const seen = new Set<string>();
  const queue: string[] = [...(sources.files ?? [])];
  for (const dir of sources.dirs ?? []) listManifests(root, dir, queue, budget);
  for (let i = 0; i < queue.length && found.size < limits.values; i++) {
    const file = posix.normalize(queue[i]);
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readRepoFile(root, file, budget);
    if (text === undefined) continue;
    if (isKustomizationFile(posix.basename(file))) secretsOfKustomization(root, file, text, found, budget);
    if (mentionsSecret.test(text)) secretsOfManifests(text, found);
  }
  return found.values();
}

/** Values a plain text of YAML documents holds as Secret data (the same rules as files; for inline patches). */
export function secretsInManifestText(text: string): string[] {
  const found = new SecretSet();
  secretsOfManifests(text, found);
  return found.values();
}

class SecretSet {
  private readonly set = new Set<string>();

  get size(): number {
    return this.set.size;
  }

  /** A value and, for multi-line values, each of its lines (tools re-indent them when they quote). */
  add(value: unknown): void {
    if (value === null || value === undefined || typeof value === 'object') return;
    const text = String(value);
    // A chart template's expression is not the secret, and it is what a helm error is about.
    if (text.includes('{{')) return;
    for (const part of [text.trim(), ...(text.includes('\n') ? text.split(/\r?\n/).map((l) => l.trim()) : [])]) {
      if (part.length >= minSecretLength && this.set.size < limits.values) this.set.add(part);
    }
  }

  /** A plain value, and its base64 form: a generated Secret carries it encoded. */
  addPlain(value: unknown): void {
    if (value === null || value === undefined || typeof value === 'object') return;
    const text = String(value);
    this.add(text);
    if (text.trim().length >= minSecretLength) this.add(Buffer.from(text, 'utf8').toString('base64'));
  }

  /** A `data` value: the base64 text, and what it decodes to when that is text. */
  addEncoded(value: unknown): void {
    if (value === null || value === undefined || typeof value === 'object') return;
    const text = String(value);
    this.add(text);
    const decoded = decodeText(text);
    if (decoded !== undefined) this.add(decoded);
  }

  values(): string[] {
    return [...this.set].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  }
}

function decodeText(base64: string): string | undefined {
  const clean = base64.replace(/\s+/g, '');
  if (clean === '' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(clean)) return undefined;
  const text = Buffer.from(clean, 'base64').toString('utf8');
  // Binary data (a keystore) is not what a tool prints legibly, and U+FFFD means it was not UTF-8.
  return text.includes('\uFFFD') || hasControlCharacters(text) ? undefined : text;
}

function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return true;
  }
  return false;
}

function listManifests(root: string, dir: string, out: string[], budget: { files: number }): void {
  const stack = [posix.normalize(dir)];
  const visited = new Set<string>();
  while (stack.length > 0 && out.length < budget.files) {
    const current = stack.pop()!;
    if (visited.has(current)) continue;
    visited.add(current);
    let names: string[];
    try {
      names = readdirSync(resolveInRepo(root, current)).sort();
    } catch {
      continue; // missing, unreadable, or outside the repository: nothing to learn from it
    }
    for (const name of names) {
      if (name === '.git') continue;
      const path = current === '.' ? name : posix.join(current, name);
      let isDir: boolean;
      try {
        isDir = statSync(resolveInRepo(root, path)).isDirectory();
      } catch {
        continue;
      }
      if (isDir) stack.push(path);
      else if (manifestName.test(name) || isKustomizationFile(name)) out.push(path);
    }
  }
}

function readRepoFile(root: string, file: string, budget: { bytes: number }): string | undefined {
  try {
    const abs = resolveInRepo(root, file);
    const info = statSync(abs);
    if (!info.isFile() || info.size > limits.fileBytes || info.size > budget.bytes) return undefined;
    budget.bytes -= info.size;
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

/** Splits a YAML stream into documents by their `---` lines, keeping each document's own text. */
function documentTexts(text: string): string[] {
  return text.split(/^---[^\n]*$/m);
}

function secretsOfManifests(text: string, found: SecretSet): void {
  for (const chunk of documentTexts(text)) {
    if (!mentionsSecret.test(chunk)) continue;
    let value: unknown;
    try {
      const doc = parseDocument(chunk, { version: '1.1', uniqueKeys: false, prettyErrors: false });
      if (doc.errors.length > 0) throw new Error('unparsable');
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      // The document a tool rejected: read its Secret blocks by indentation instead.
      secretsByLines(chunk, found);
      continue;
    }
    secretsOfValue(value, found);
  }
}

/** A parsed document: a Secret, or a `List` of objects some of which are Secrets. */
function secretsOfValue(value: unknown, found: SecretSet): void {
  if (!isRecord(value)) return;
  if (Array.isArray(value.items)) for (const item of value.items) secretsOfValue(item, found);
  if (value.kind !== 'Secret') return;
  eachLeaf(value.data, (leaf) => found.addEncoded(leaf));
  eachLeaf(value.stringData, (leaf) => found.addPlain(leaf));
}

/** Every scalar under a field, whatever its shape: a malformed `data` list is still secret. */
function eachLeaf(value: unknown, fn: (leaf: unknown) => void): void {
  const stack = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (Array.isArray(next)) for (const item of next) stack.push(item);
    else if (isRecord(next)) for (const child of Object.values(next)) stack.push(child);
    else fn(next);
  }
}

/**
 * The values of `data:` / `stringData:` blocks in a document that does not parse: `key: value` lines
 * indented below the field (quotes removed), list items, flow maps on the field's own line, and block
 * scalars (`key: |`) line by line.
 */
function secretsByLines(chunk: string, found: SecretSet): void {
  let block: { indent: number; encoded: boolean } | undefined;
  let scalar: { indent: number } | undefined;
  const take = (raw: string, encoded: boolean): void => {
    const value = unquote(raw);
    if (encoded) found.addEncoded(value);
    else found.addPlain(value);
  };
  for (const line of chunk.split(/\r?\n/)) {
    const trimmed = line.trim();
    const indent = line.length - line.trimStart().length;
    if (scalar) {
      if (trimmed === '' || indent > scalar.indent) {
        if (trimmed !== '') found.add(trimmed);
        continue;
      }
      scalar = undefined;
    }
    if (block) {
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      if (indent > block.indent) {
        const item = /^-\s+(.*)$/.exec(trimmed);
        const pair = /^("[^"]*"|'[^']*'|[^\s:][^:]*?)\s*:(?:\s+(.*))?$/.exec(item ? item[1] : trimmed);
        const rest = pair ? (pair[2] ?? '').trim() : item ? item[1].trim() : trimmed;
        if (/^[|>][-+0-9]*$/.test(rest)) scalar = { indent };
        else if (rest !== '') take(rest, block.encoded);
        continue;
      }
      block = undefined;
    }
    const field = /^(\s*)["']?(data|stringData)["']?\s*:\s*(.*)$/.exec(line);
    if (!field) continue;
    const encoded = field[2] === 'data';
    const rest = field[3].replace(/\s+#.*$/, '').trim();
    // `{` alone opens a JSON object whose entries follow on their own, more indented lines.
    if (rest === '' || rest === '{' || rest === '[') block = { indent: field[1].length, encoded };
    else if (rest.startsWith('{')) {
      for (const entry of rest.replace(/^\{|\}$/g, '').split(',')) {
        const colon = entry.indexOf(':');
        if (colon >= 0) take(entry.slice(colon + 1).trim(), encoded);
      }
    } else take(rest, encoded);
  }
}

function unquote(raw: string): string {
  const text = raw.replace(/\s+#.*$/, '').trim().replace(/,$/, '');
  if (text.length >= 2 && ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith('\'') && text.endsWith('\'')))) return text.slice(1, -1);
  return text;
}

/**
 * A kustomization's `secretGenerator`s (literal values, the files and env files they read) and its
 * inline patches (YAML text inside the kustomization, which may hold a whole Secret).
 */
function secretsOfKustomization(root: string, file: string, text: string, found: SecretSet, budget: { bytes: number }): void {
  const dir = posix.dirname(file);
  let doc;
  try {
    doc = parseDocument(text, { version: '1.1', uniqueKeys: false, prettyErrors: false });
    // Inline patches and generator configs: multi-line strings anywhere in the kustomization.
    visit(doc, {
      Scalar(_, node) {
        if (typeof node.value === 'string' && node.value.includes('\n') && mentionsSecret.test(node.value)) secretsOfManifests(node.value, found);
      },
    });
  } catch {
    return; // too broken (or too deep) to walk: the Secret manifests in the tree are still read
  }
  const generators = doc.get('secretGenerator', true);
  if (!isSeq(generators)) return;
  const strings = (node: unknown): string[] => {
    if (isScalar(node)) return typeof node.value === 'string' ? [node.value] : [];
    return isSeq(node) ? node.items.flatMap((item) => (isScalar(item) && typeof item.value === 'string' ? [item.value] : [])) : [];
  };
  for (const generator of generators.items) {
    if (!isMap(generator)) continue;
    for (const literal of strings(generator.get('literals', true))) {
      const eq = literal.indexOf('=');
      found.addPlain(unquote(eq >= 0 ? literal.slice(eq + 1) : literal));
    }
    for (const entry of strings(generator.get('files', true))) {
      // `key=path` names the data key; the path is what is read.
      const eq = entry.indexOf('=');
      const contents = readRepoFile(root, posix.join(dir, eq >= 0 ? entry.slice(eq + 1) : entry), budget);
      if (contents !== undefined) found.addPlain(contents);
    }
    for (const envFile of [...strings(generator.get('envs', true)), ...strings(generator.get('env', true))]) {
      const contents = readRepoFile(root, posix.join(dir, envFile), budget);
      if (contents === undefined) continue;
      for (const line of contents.split(/\r?\n/)) {
        const eq = line.indexOf('=');
        if (eq > 0 && !line.trimStart().startsWith('#')) found.addPlain(unquote(line.slice(eq + 1)));
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
