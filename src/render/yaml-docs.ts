import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { isKubeObject, type KubeObject } from '../model/object.ts';
import type { RenderError } from './types.ts';
import { fastDocument, splitYamlStream } from './yaml-fast.ts';

/** One YAML document (or one item of a `kind: List`) with the line of its first key, 1-based. */
export interface SourceDoc {
  value: unknown;
  line: number;
}

/**
 * YAML 1.1, as kubectl and the Kubernetes API machinery read manifests (`on`/`yes` are booleans there);
 * duplicate keys are errors, as they are for kubectl.
 */
const parseOptions = { version: '1.1', uniqueKeys: true, prettyErrors: false } as const;

export type ParseResult = { ok: true; docs: SourceDoc[] } | { ok: false; error: RenderError };

/**
 * Parses a multi-document YAML text; empty documents are skipped; a syntax error names file and line.
 * Documents are read by the fast path where it gives what the full parse gives (yaml-fast.ts), and by the
 * `yaml` library otherwise; any problem is reported by the full parse of the whole text.
 */
export function parseYamlDocuments(text: string, file: string): ParseResult {
  // BOSUN_YAML_FAST=off: every file through the full parse (the benchmark's "before"; a way out if ever needed).
  const spans = process.env.BOSUN_YAML_FAST === 'off' ? undefined : splitYamlStream(text);
  if (!spans) return parseYamlDocumentsFull(text, file);
  const docs: SourceDoc[] = [];
  for (const span of spans) {
    const fast = fastDocument(span);
    if (fast.kind === 'empty') continue;
    if (fast.kind === 'value') {
      docs.push({ value: fast.value, line: fast.line });
      continue;
    }
    if (fast.kind === 'refused') return parseYamlDocumentsFull(text, file);
    // One document the fast path leaves alone (anchors, tags, a List…): the `yaml` library reads it.
    const one = parseYamlDocumentsFull(span.text, file);
    if (!one.ok) return parseYamlDocumentsFull(text, file);
    for (const doc of one.docs) docs.push({ value: doc.value, line: doc.line + span.line - 1 });
  }
  return { ok: true, docs };
}

/** The `yaml` library's full parse of the whole text, with positions: the reference the fast path keeps to. */
export function parseYamlDocumentsFull(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, { ...parseOptions, lineCounter }) as Document.Parsed[];
  } catch (e) {
    return { ok: false, error: { kind: 'yaml', tool: 'yaml', file, message: `invalid YAML: ${(e as Error).message}` } };
  }
  if (!Array.isArray(documents)) documents = [];
  const docs: SourceDoc[] = [];
  for (const doc of documents) {
    const problem = doc.errors[0];
    if (problem) {
      const line = problem.linePos?.[0]?.line ?? lineCounter.linePos(problem.pos[0]).line;
      return { ok: false, error: { kind: 'yaml', tool: 'yaml', file, line, message: `invalid YAML: ${firstLine(problem.message)}` } };
    }
    const contents = doc.contents;
    if (contents === null || contents === undefined) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const line = lineCounter.linePos(contents.range?.[0] ?? 0).line;
      return { ok: false, error: { kind: 'yaml', tool: 'yaml', file, line, message: `invalid YAML: ${(e as Error).message}` } };
    }
    if (value === null || value === undefined) continue;
    if (isMap(contents) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // `kind: List` is flattened item by item so every object keeps its own line.
      const items = contents.get('items', true);
      if (isListKind(value) && isSeq(items)) {
        items.items.forEach((item, i) => {
          const itemValue = ((value as { items: unknown[] }).items ?? [])[i];
          docs.push({ value: itemValue, line: lineCounter.linePos(firstKeyOffset(item)).line });
        });
        continue;
      }
    }
    docs.push({ value, line: lineCounter.linePos(firstKeyOffset(contents)).line });
  }
  return { ok: true, docs };
}

function isListKind(value: object): boolean {
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === 'string' && /List$/.test(kind) && Array.isArray((value as { items?: unknown }).items);
}

function firstKeyOffset(node: unknown): number {
  if (isMap(node) && node.items.length > 0) {
    const key = node.items[0].key as { range?: [number, number, number] } | null;
    if (key?.range) return key.range[0];
  }
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

export type ObjectsResult = { ok: true; objects: Array<{ object: KubeObject; line: number }> } | { ok: false; error: RenderError };

/** Every document must be a Kubernetes object (a mapping with apiVersion and kind). */
export function requireObjects(docs: SourceDoc[], file: string, tool: RenderError['tool'] = 'yaml'): ObjectsResult {
  const objects: Array<{ object: KubeObject; line: number }> = [];
  for (const doc of docs) {
    if (!isKubeObject(doc.value)) {
      const what = typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)
        ? 'is not a mapping'
        : (doc.value as { kind?: unknown }).kind === undefined ? 'has no "kind"' : 'has no "apiVersion"';
      return {
        ok: false,
        error: {
          kind: tool === 'yaml' ? 'yaml' : 'render',
          tool,
          file,
          line: doc.line,
          message: `document ${what}, so it is not a Kubernetes object; fix it or move non-Kubernetes YAML out of the environment's folder`,
        },
      };
    }
    objects.push({ object: doc.value, line: doc.line });
  }
  return { ok: true, objects };
}

/**
 * Tool output (kustomize, helm) separates documents with a bare `---` line; block scalars are indented, so
 * such a line cannot occur inside one. Splitting keeps each document's own text (post-build substitution
 * works on text, as Flux's does). The same splitter as tool output streams in (DocumentSplitter), fed the
 * whole text at once.
 */
export function splitDocuments(text: string): string[] {
  const docs: string[] = [];
  const splitter = new DocumentSplitter((doc) => docs.push(doc));
  splitter.push(text);
  splitter.end();
  return docs;
}

/** A line break as a multiline `^`/`$` reads one: each of these characters ends a line on its own (so `\r\n` is two). */
const lineBreak = /[\n\r\u2028\u2029]/g;
const marker = /^---[ \t]*$/;

/**
 * Cuts a stream of YAML text into documents at its `---` marker lines as it arrives, in chunks cut
 * anywhere (inside a line, a marker or a `\r\n`): each document is handed on as soon as the marker after
 * it (or the end) is read, and only the unfinished one is held. A document is the text between markers
 * exactly as `text.split(/^---[ \t]*$/m)` gives it — it starts with the line break that ended the marker
 * line, so lines counted inside it are the same as before — and blank documents are skipped. A `...`
 * end marker, a directive or content after `---` stays in its document, whose parse reads it (the fast
 * path then hands that document to the `yaml` library, yaml-fast.ts). Feed it text, not bytes: a
 * StringDecoder keeps multi-byte characters whole across chunks.
 */
export class DocumentSplitter {
  /** The current document's finished lines (each with its line break). */
  private lines: string[] = [];
  /** The text after the last line break, in the chunks it came in: a line still being read. */
  private tail: string[] = [];

  private readonly onDocument: (text: string) => void;

  constructor(onDocument: (text: string) => void) {
    this.onDocument = onDocument;
  }

  push(chunk: string): void {
    // A line longer than a chunk is kept in pieces and joined once its end arrives (linear, however long).
    lineBreak.lastIndex = 0;
    if (!lineBreak.test(chunk)) {
      if (chunk !== '') this.tail.push(chunk);
      return;
    }
    const held = this.tail.length === 0 ? '' : this.tail.join('');
    const text = held + chunk;
    let start = 0;
    lineBreak.lastIndex = held.length;
    for (let m = lineBreak.exec(text); m; m = lineBreak.exec(text)) {
      const end = m.index;
      if (text.charCodeAt(start) === 45 && marker.test(text.slice(start, end))) {
        this.emit();
        this.lines.push(text[end]);
      } else {
        this.lines.push(text.slice(start, end + 1));
      }
      start = end + 1;
    }
    this.tail = start < text.length ? [text.slice(start)] : [];
  }

  /** The end of the stream: the last document goes out. */
  end(): void {
    const last = this.tail.join('');
    this.tail = [];
    if (marker.test(last)) this.emit();
    else this.lines.push(last);
    this.emit();
  }

  private emit(): void {
    const text = this.lines.length === 1 ? this.lines[0] : this.lines.join('');
    this.lines = [];
    if (text.trim() !== '') this.onDocument(text);
  }
}
