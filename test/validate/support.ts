import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';

/** Parses a multi-document YAML text the way a renderer would: one object per document, with its line. */
export function rendered(file: string, text: string): RenderedObject[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  const out: RenderedObject[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    const object = doc.toJS() as KubeObject | null;
    if (!object) continue;
    const start = doc.contents?.range?.[0] ?? 0;
    out.push({ object, source: { file, line: lines.linePos(start).line } });
  }
  return out;
}
