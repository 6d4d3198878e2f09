// Tool output (kustomize, helm) is cut into documents as it streams in (#10 item 4): whatever the chunks —
// one byte at a time, 7 bytes, every cut into two, the whole text — the documents are those of the
// whole-text split bosun always did (`text.split(/^---[ \t]*$/m)`, blank ones dropped), and parse to the
// same objects on the same lines.
import { describe, expect, it } from 'vitest';
import { DocumentSplitter, parseYamlDocuments, splitDocuments } from '../../src/render/yaml-docs.ts';

const corpus: Record<string, string> = {
  'helm output': '---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  x: |\n    ---not a marker\n    --- indented\n',
  'first document without a marker': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
  'CRLF line ends': 'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: b\r\n',
  'end markers and a directive': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n...\n%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n...\n',
  'markers with spaces, tabs, blank documents, a last marker without a line break': '--- \t\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\n   \n---  \napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---',
  'not markers: ---x, ----, a marker after content': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: |\n    x\n---x: 1\n----\nb: c --- d\n',
  'lone CR and line separators, multi-byte text': 'apiVersion: v1\rkind: ConfigMap\rmetadata: {name: é}\r---\rapiVersion: v1\u2028kind: ConfigMap\nmetadata:\n  name: ünïcödé-名前\n---\u2029apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n',
  'nothing but markers': '---\n---\n---',
  empty: '',
};

/** The split bosun did before streaming: the reference. */
function reference(text: string): string[] {
  return text.split(/^---[ \t]*$/m).filter((chunk) => chunk.trim() !== '');
}

function streamed(pieces: string[]): string[] {
  const docs: string[] = [];
  const splitter = new DocumentSplitter((doc) => docs.push(doc));
  for (const piece of pieces) splitter.push(piece);
  splitter.end();
  return docs;
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function parsed(docs: string[]): unknown[] {
  return docs.map((doc) => parseYamlDocuments(doc, 'tool output'));
}

describe('DocumentSplitter', () => {
  for (const [name, text] of Object.entries(corpus)) {
    it(`${name}: every way of cutting the stream gives the whole-text documents`, () => {
      const want = reference(text);
      expect(splitDocuments(text)).toEqual(want);
      expect(streamed([text])).toEqual(want);
      expect(streamed(chunks(text, 1))).toEqual(want);
      expect(streamed(chunks(text, 7))).toEqual(want);
      for (let cut = 0; cut <= text.length; cut++) {
        expect(streamed([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(want);
      }
      expect(parsed(streamed(chunks(text, 1)))).toEqual(parsed(want));
    });
  }

  it('the corpus as one stream, one byte and 7 bytes at a time: same objects, lines and errors as the whole text', () => {
    const text = Object.values(corpus).join('\n---\n');
    const want = reference(text);
    expect(want.length).toBeGreaterThan(10);
    expect(streamed(chunks(text, 1))).toEqual(want);
    expect(streamed(chunks(text, 7))).toEqual(want);
    expect(parsed(streamed(chunks(text, 7)))).toEqual(parsed(want));
  });

  it('hands each document on as soon as the marker after it is read', () => {
    const docs: string[] = [];
    const splitter = new DocumentSplitter((doc) => docs.push(doc));
    splitter.push('a: 1\n--');
    expect(docs).toEqual([]);
    splitter.push('-\nb: 2\n');
    expect(docs).toEqual(['a: 1\n']);
    splitter.end();
    expect(docs).toEqual(['a: 1\n', '\nb: 2\n']);
  });

  it('a line much longer than the chunks arrives whole', () => {
    const long = `k: ${'x'.repeat(100_000)}`;
    const text = `${long}\n---\n${long}`;
    expect(streamed(chunks(text, 64))).toEqual(reference(text));
  });
});
