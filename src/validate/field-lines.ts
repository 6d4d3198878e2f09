/**
 * Points a validation finding at the line of the offending field instead of the first line of its
 * object, when the object's source file still has that field: the finding carries the object's file and
 * first line (provenance) and a JSON pointer; the file is parsed once with positions and the pointer is
 * followed as far as the source has it. Through kustomize, a field that a patch set is found in the patch
 * (the last patch that has it): the finding then names the patch file (or the kustomization holding an
 * inline patch) and the field's line there. List items are matched by their merge key (`name`,
 * `mountPath`, …) where the rendered item has one, since a patch may have merged a list in another order.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import type { PatchSource, RenderedObject } from '../model/object.ts';
import { splitYamlStream, type DocumentSpan } from '../render/yaml-fast.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { resolveInRepo } from '../util/paths.ts';
import { objectLabel } from './validator.ts';

const maxBytes = 10 * 1024 * 1024;

/** Line of an offset: a LineCounter, or one that counts from a document's first line in its file. */
type Positions = Pick<LineCounter, 'linePos'>;

interface ParsedFile {
  lines: Positions;
  /** Each document with content and its first and last line, in file order. */
  spans: Array<{ doc: Document.Parsed; start: number; end: number }>;
}

/**
 * A file whose documents are parsed with positions only when a finding needs one of them: a file of
 * 40,000 documents with one finding parses one document. Each document keeps its own lines.
 */
interface LazyFile {
  documents: DocumentSpan[];
  parsed: Map<number, ParsedFile>;
}

/** Strategic-merge keys of the built-in list fields, most common first (containers, volumes, mounts, ports). */
const mergeKeys = ['name', 'mountPath', 'containerPort', 'port', 'devicePath', 'ip', 'topologyKey'];

function pointerSegments(path: string): string[] {
  if (path === '' || path === '/') return [];
  return path.replace(/^\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface Reached {
  /** 1-based line of the deepest node found. */
  line?: number;
  /** Whether every segment was found. */
  complete: boolean;
}

/**
 * Follows `segments` from `node` (a document's contents, or a value inside one). `rendered` is the object's
 * value at the same place: where its list item has a merge key, the source item with the same key is
 * taken instead of the same index.
 */
function follow(node: Node | null | undefined, lines: Positions, segments: readonly string[], rendered?: unknown): Reached {
  let line: number | undefined = node?.range ? lines.linePos(node.range[0]).line : undefined;
  let value = rendered;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === segment);
      if (!pair) return { line, complete: false };
      const key = pair.key as Node | null;
      if (key?.range) line = lines.linePos(key.range[0]).line;
      node = pair.value as Node | null;
      value = isRecord(value) ? value[segment] : undefined;
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      const renderedItem = Array.isArray(value) ? value[Number(segment)] : undefined;
      const item = itemFor(node.items as Array<Node | null>, Number(segment), renderedItem);
      if (!item) return { line, complete: false };
      if (item.range) line = lines.linePos(item.range[0]).line;
      node = item;
      value = renderedItem;
    } else {
      return { line, complete: false };
    }
  }
  return { line, complete: true };
}

function itemFor(items: Array<Node | null>, index: number, rendered: unknown): Node | undefined {
  if (isRecord(rendered)) {
    const key = mergeKeys.find((k) => isScalarValue(rendered[k]));
    if (key !== undefined) {
      const wanted = String(rendered[key]);
      const has = (item: Node | null | undefined): item is Node => isMap(item) && String(scalarValue(item.get(key, true))) === wanted;
      // The same index first: a list that repeats a key (two `env` entries of one name) keeps its order.
      return has(items[index]) ? items[index] : items.find(has);
    }
  }
  return items[index] ?? undefined;
}

/** 1-based line of the deepest node on `segments` (a map entry counts from its key). */
export function lineOfPath(doc: Document.Parsed, lines: Positions, segments: readonly string[]): number | undefined {
  return follow(doc.contents as Node | null, lines, segments).line;
}

/**
 * A JSON 6902 patch (a list of operations): the last `add`/`replace`/`copy`/`move` whose path is the
 * finding's path or leads to it, followed into its value for the rest of the path.
 */
function followOperations(ops: Node, lines: Positions, segments: readonly string[], rendered: unknown): Reached {
  if (!isSeq(ops)) return { complete: false };
  for (const op of [...ops.items].reverse()) {
    if (!isMap(op)) continue;
    const kind = scalarValue(op.get('op', true));
    const path = scalarValue(op.get('path', true));
    if (typeof path !== 'string' || !['add', 'replace', 'copy', 'move'].includes(String(kind))) continue;
    const opSegments = pointerSegments(path);
    if (opSegments.length > segments.length || opSegments.some((s, i) => s !== segments[i])) continue;
    const rest = segments.slice(opSegments.length);
    const value = op.get('value', true) as Node | null | undefined;
    if (value === undefined || value === null) {
      const at = op.range ? lines.linePos(op.range[0]).line : undefined;
      return { line: at, complete: rest.length === 0 };
    }
    const reached = follow(value, lines, rest, valueAt(rendered, segments.slice(0, opSegments.length)));
    const keyLine = op.items.find((p) => scalarValue(p.key as Node) === 'value')?.key as Node | undefined;
    return { line: rest.length === 0 && keyLine?.range ? lines.linePos(keyLine.range[0]).line : reached.line, complete: reached.complete };
  }
  return { complete: false };
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (Array.isArray(value)) value = value[Number(segment)];
    else if (isRecord(value)) value = value[segment];
    else return undefined;
  }
  return value;
}

function spansOf(docs: readonly Document.Parsed[], lines: Positions): ParsedFile['spans'] {
  const spans: ParsedFile['spans'] = [];
  for (const doc of docs) {
    const range = (doc.contents as Node | null)?.range;
    if (range) spans.push({ doc, start: lines.linePos(range[0]).line, end: lines.linePos(range[2]).line });
  }
  return spans;
}

/**
 * The document of `file` that starts at (or contains) `line`: a binary search, since a file of 20,000
 * documents with a finding in each would otherwise be searched 20,000 times over.
 */
function docAt(file: ParsedFile | LazyFile, line: number): { doc: Document.Parsed; lines: Positions } | undefined {
  let parsed: ParsedFile;
  if ('documents' in file) {
    const index = lastAtOrBefore(file.documents, (d) => d.line, line);
    if (index < 0) return undefined;
    let one = file.parsed.get(index);
    if (!one) {
      const document = file.documents[index];
      one = parseText(document.text, document.line - 1);
      file.parsed.set(index, one);
    }
    parsed = one;
  } else {
    parsed = file;
  }
  const span = parsed.spans[lastAtOrBefore(parsed.spans, (s) => s.start, line)];
  return span && line <= span.end ? { doc: span.doc, lines: parsed.lines } : undefined;
}

/** Index of the last item whose `at` is at most `line` (items in order), -1 when there is none. */
function lastAtOrBefore<T>(items: readonly T[], at: (item: T) => number, line: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(items[mid]) <= line) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The whole text parsed with positions; `lineOffset` when the text is one document of a bigger file. */
function parseText(text: string, lineOffset = 0): ParsedFile {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, keepSourceTokens: false });
  const lines: Positions = lineOffset === 0 ? counter : { linePos: (offset) => {
    const pos = counter.linePos(offset);
    return { line: pos.line + lineOffset, col: pos.col };
  } };
  return { lines, spans: Array.isArray(docs) ? spansOf(docs, lines) : [] };
}

/** A file read document by document where its stream can be cut at its `---` lines, else whole. */
function parseFile(text: string): ParsedFile | LazyFile {
  if (process.env.BOSUN_YAML_FAST === 'off') return parseText(text);
  const documents = splitYamlStream(text);
  return documents ? { documents, parsed: new Map() } : parseText(text);
}

/**
 * Each finding on the line of its field. `objects` are the rendered objects the findings are about: they
 * carry the patches that apply to each object and the values that pick list items by merge key.
 */
export async function refineFindingLines(repoDir: string, findings: readonly ValidationFinding[], objects: readonly RenderedObject[] = []): Promise<ValidationFinding[]> {
  const files = new Map<string, Promise<ParsedFile | LazyFile | undefined>>();
  const load = (file: string): Promise<ParsedFile | LazyFile | undefined> => {
    let parsed = files.get(file);
    if (!parsed) {
      parsed = (async () => {
        const full = resolve(repoDir, file);
        const rel = relative(repoDir, full);
        if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
        // Nor through a symlink that leaves the checkout: the file is from a pull request's head.
        if (!staysInRepo(repoDir, rel)) return undefined;
        const info = await stat(full).catch(() => undefined);
        if (!info?.isFile() || info.size > maxBytes) return undefined;
        return parseFile(await readFile(full, 'utf8'));
      })().catch(() => undefined);
      files.set(file, parsed);
    }
    return parsed;
  };
  const inlineTexts = new Map<string, ParsedFile>();
  const inPatch = async (patch: PatchSource, segments: readonly string[], rendered: unknown): Promise<number | undefined> => {
    let found: { doc: Document.Parsed; lines: Positions } | undefined;
    if (patch.inline) {
      let parsed = inlineTexts.get(patch.inline.text);
      if (!parsed) inlineTexts.set(patch.inline.text, parsed = parseText(patch.inline.text));
      const doc = parsed.spans[patch.inline.doc]?.doc;
      found = doc && { doc, lines: parsed.lines };
    } else {
      const parsed = await load(patch.file);
      found = parsed && docAt(parsed, patch.line);
    }
    if (!found) return undefined;
    const contents = found.doc.contents as Node | null;
    const reached = isSeq(contents) ? followOperations(contents, found.lines, segments, rendered) : follow(contents, found.lines, segments, rendered);
    if (!reached.complete || reached.line === undefined) return undefined;
    if (!patch.inline) return reached.line;
    return patch.inline.firstLine === undefined ? patch.line : patch.inline.firstLine + reached.line - 1;
  };

  const byFinding = new Map<string, RenderedObject>();
  for (const o of objects) {
    if (!o.source || !isRecord(o.object)) continue;
    const key = findingKey(o.source.file, o.source.line, objectLabel(o.object));
    if (!byFinding.has(key)) byFinding.set(key, o);
  }

  return Promise.all(findings.map(async (finding) => {
    if (!finding.file || !finding.path) return finding;
    const segments = pointerSegments(finding.path);
    const object = byFinding.get(findingKey(finding.file, finding.line, finding.object));
    const rendered = object?.object;
    const parsed = finding.line ? await load(finding.file) : undefined;
    const found = parsed && finding.line ? docAt(parsed, finding.line) : undefined;
    const inSource = found ? follow(found.doc.contents as Node | null, found.lines, segments, rendered) : undefined;
    // The last patch that sets the field: its value is what was rendered. A map or list the source has too
    // stays with the source (a patch that merges into a container does not make the container its own).
    const renderedValue = valueAt(rendered, segments);
    const leaf = !isRecord(renderedValue) && !Array.isArray(renderedValue);
    if (leaf || !inSource?.complete) {
      for (const patch of [...(object?.source?.patches ?? [])].reverse()) {
        const line = await inPatch(patch, segments, rendered);
        if (line !== undefined) return { ...finding, file: patch.file, line };
      }
    }
    const line = inSource?.line;
    return line && finding.line && line >= finding.line ? { ...finding, line } : finding;
  }));
}

function findingKey(file: string, line: number | undefined, label: string): string {
  return `${file}\0${line ?? ''}\0${label}`;
}

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

function isScalarValue(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function staysInRepo(repoDir: string, rel: string): boolean {
  try {
    resolveInRepo(repoDir, rel);
    return true;
  } catch {
    return false;
  }
}
