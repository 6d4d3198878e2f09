// jsonnet's output is cut into values as it streams in (#10 item 4): whatever the chunks — one character at
// a time, 7 characters, every cut into two, the whole text — an array's elements parse to the items of
// JSON.parse of the whole text, any other value to that value, and output JSON.parse refuses is refused
// (by the splitter or by the parse of an element) with nothing taken as an object that JSON.parse would
// not give.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JsonValueSplitter } from '../../src/render/json-values.ts';

const corpus: Record<string, string> = {
  'jsonnet array output': JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'x,y]}' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }], null, 3) + '\n',
  'one object': '{\n   "apiVersion": "v1",\n   "kind": "Namespace",\n   "metadata": {"name": "n"}\n}\n',
  'strings with brackets, commas, escaped quotes and backslashes': '[{"a": "],[{\\"\\\\", "b": ["\\\\", "\\"]"]}, {"c": "\\u005d,"}, "x\\\\"]',
  'nested arrays and scalars as elements': '[[1, [2, 3]], {"a": [{}]}, null, true, 1.5e3, "s"]',
  'multi-byte text': '[{"name": "ünïcödé 名前 🚀"}, {"name": "\\ud83d\\ude80,"}]\n',
  'empty array': '[\n]\n',
  'whitespace around': ' \n\t[ 1 , 2 ]\r\n ',
  'a scalar': '"just a string"\n',
};

const refused = ['', '   \n', '[1, 2', '[1, 2}', '[1,]', '[,1]', '[1] 2', '[1]]', '{"a": 1', '{"a": 1} x', '[1, {"a" 2}]', '[1, "open]'];

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The values the splitter hands on, parsed, or the first refusal (the splitter's problem or JSON.parse's). */
function streamed(pieces: string[]): { values: unknown[] } | { refused: string } {
  const texts: string[] = [];
  const splitter = new JsonValueSplitter((text) => texts.push(text));
  for (const piece of pieces) splitter.push(piece);
  splitter.end();
  try {
    const values = texts.map((t) => JSON.parse(t) as unknown);
    if (splitter.problem !== undefined) return { refused: splitter.problem };
    return { values };
  } catch (e) {
    return { refused: (e as Error).message };
  }
}

function reference(text: string): { values: unknown[] } | { refused: true } {
  try {
    const value = JSON.parse(text) as unknown;
    return { values: Array.isArray(value) ? value : [value] };
  } catch {
    return { refused: true };
  }
}

describe('JsonValueSplitter', () => {
  for (const [name, text] of Object.entries(corpus)) {
    it(`${name}: every way of cutting the stream gives JSON.parse's values`, () => {
      const want = reference(text);
      expect(want).toHaveProperty('values');
      expect(streamed([text])).toEqual(want);
      expect(streamed(chunks(text, 1))).toEqual(want);
      expect(streamed(chunks(text, 7))).toEqual(want);
      for (let cut = 0; cut <= text.length; cut++) {
        expect(streamed([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(want);
      }
    });
  }

  it('what JSON.parse refuses is refused, however it is cut', () => {
    for (const text of refused) {
      expect(reference(text), text).toEqual({ refused: true });
      for (const pieces of [[text], chunks(text, 1), chunks(text, 3)]) {
        expect(streamed(pieces), JSON.stringify(pieces)).toHaveProperty('refused');
      }
    }
    expect(streamed(['[1] 2'])).toEqual({ refused: 'Unexpected non-whitespace character after JSON at position 4' });
    expect(streamed(['[1', ', 2'])).toEqual({ refused: 'Unexpected end of JSON input' });
  });

  it('an array is handed on element by element as it arrives, not at its end', () => {
    const texts: string[] = [];
    const splitter = new JsonValueSplitter((text) => texts.push(text));
    splitter.push('[{"a": 1}, {"b"');
    expect(texts.map((t) => JSON.parse(t) as unknown)).toEqual([{ a: 1 }]);
    splitter.push(': 2}');
    expect(texts).toHaveLength(1);
    splitter.push(',');
    expect(texts.map((t) => JSON.parse(t) as unknown)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(splitter.isArray).toBe(true);
  });

  it('real jsonnet output (Debian\'s jsonnet, 3-space indent) gives the same values', () => {
    const code = '[{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-%d" % i }, data: { s: "é],{\\"\\\\" + i } } for i in std.range(0, 200)]';
    const out = execFileSync('jsonnet', ['-e', code], { encoding: 'utf8' });
    expect(streamed(chunks(out, 1))).toEqual(reference(out));
    expect(streamed(chunks(out, 13))).toEqual(reference(out));
  });
});
