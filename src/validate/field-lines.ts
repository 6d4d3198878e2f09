/**
 * Points a validation finding at the line of the offending field instead of the first line of its
 * object, when the object's source file still has that field: the finding carries the object's file and
 * first line (provenance) and a JSON pointer; the file is parsed once with positions and the pointer is
 * followed as far as the source has it (a field a kustomize patch added stays on the object's line).
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { LineCounter, isMap, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import type { ValidationFinding } from '../model/validation.ts';
import { resolveInRepo } from '../util/paths.ts';

const maxBytes = 10 * 1024 * 1024;

interface ParsedFile {
  lines: LineCounter;
  /** Each document with content and its first and last line, in file order. */
  spans: Array<{ doc: Document.Parsed; start: number; end: number }>;
}

function pointerSegments(path: string): string[] {
  if (path === '' || path === '/') return [];
  return path.replace(/^\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** 1-based line of the deepest node on `segments` (a map entry counts from its key). */
export function lineOfPath(doc: Document.Parsed, lines: LineCounter, segments: readonly string[]): number | undefined {
  let node: Node | null | undefined = doc.contents as Node | null;
  let line: number | undefined = node?.range ? lines.linePos(node.range[0]).line : undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === segment);
      if (!pair) break;
      const key = pair.key as Node | null;
      if (key?.range) line = lines.linePos(key.range[0]).line;
      node = pair.value as Node | null;
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      if (item.range) line = lines.linePos(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function spansOf(docs: readonly Document.Parsed[], lines: LineCounter): ParsedFile['spans'] {
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
function docAt(parsed: ParsedFile, line: number): Document.Parsed | undefined {
  const { spans } = parsed;
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid].start <= line) lo = mid + 1;
    else hi = mid;
  }
  const span = spans[lo - 1];
  return span && line <= span.end ? span.doc : undefined;
}

export async function refineFindingLines(repoDir: string, findings: readonly ValidationFinding[]): Promise<ValidationFinding[]> {
  const files = new Map<string, Promise<ParsedFile | undefined>>();
  const load = (file: string): Promise<ParsedFile | undefined> => {
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
        const lines = new LineCounter();
        const docs = parseAllDocuments(await readFile(full, 'utf8'), { lineCounter: lines, keepSourceTokens: false });
        return Array.isArray(docs) ? { lines, spans: spansOf(docs, lines) } : undefined;
      })().catch(() => undefined);
      files.set(file, parsed);
    }
    return parsed;
  };
  return Promise.all(findings.map(async (finding) => {
    if (!finding.file || !finding.line || !finding.path) return finding;
    const parsed = await load(finding.file);
    const doc = parsed && docAt(parsed, finding.line);
    if (!parsed || !doc) return finding;
    const line = lineOfPath(doc, parsed.lines, pointerSegments(finding.path));
    return line && line >= finding.line ? { ...finding, line } : finding;
  }));
}

function staysInRepo(repoDir: string, rel: string): boolean {
  try {
    resolveInRepo(repoDir, rel);
    return true;
  } catch {
    return false;
  }
}
