/**
 * The fast path for big manifest files. The `yaml` library's full parse (CST, Composer, `toJS`) costs about
 * 0.15 ms per object, most of it in building nodes with positions nobody reads: a 40,000-object file took
 * seconds. Here the stream is cut into documents at their `---` lines (a line starting with `---` is always a
 * document marker: the YAML spec forbids it inside any scalar), each document's values come from js-yaml,
 * and only the line of each document's first key is computed (from the text). Plain scalars are resolved by
 * the `yaml` library's own YAML 1.1 tags, so `on`, `0777`, `1:20` or a timestamp mean what they meant.
 *
 * Anything where the two libraries could disagree is not taken by the fast path: a document with anchors,
 * aliases, tags, merge keys, tabs, explicit `?` keys, a `kind: List`, a null or timestamp key, a flow
 * collection or quoted value over several lines goes to the `yaml` library on its own; a file with directives, `...` markers, a byte-order mark or content on a `---`
 * line, or any document js-yaml refuses, is parsed whole by the `yaml` library as before (so every error
 * message and line is the library's own).
 */
import { FAILSAFE_SCHEMA, load, Type } from 'js-yaml';
import { Document, isScalar, type ScalarTag } from 'yaml';

/** One document of a stream: its text (without the marker line) and where it starts. */
export interface DocumentSpan {
  text: string;
  /** Offset of the document's first character in the whole text. */
  offset: number;
  /** 1-based line of the document's first character. */
  line: number;
}

/** A line the fast path does not cut on its own: directives, `...`, a marker with content after it. */
const markerLine = /^(?:---|\.\.\.|%)/gm;

/**
 * The documents of a YAML stream, or undefined when the stream has something (directives, `...` end
 * markers, a byte-order mark, content after `---`) that only a full parse reads right.
 */
export function splitYamlStream(text: string): DocumentSpan[] | undefined {
  if (text.includes('\uFEFF')) return undefined;
  const spans: DocumentSpan[] = [];
  let cursor = 0;
  let cursorLine = 1;
  const lineOf = (pos: number): number => {
    cursorLine += countLines(text, cursor, pos);
    cursor = pos;
    return cursorLine;
  };
  let start = 0;
  markerLine.lastIndex = 0;
  for (let m = markerLine.exec(text); m; m = markerLine.exec(text)) {
    // `%` starting a line (a directive), `...` (an end marker): the file to the full parse. One that is part
    // of a value (`...foo`, a root scalar's line) is handed over too: rare, and always right.
    if (m[0] !== '---') return undefined;
    const eol = text.indexOf('\n', m.index);
    // `---foo` is a plain scalar and `--- {…}` content on the marker line: both to the full parse.
    if (!/^(?:[ \t]+(?:#.*)?)?\r?$/.test(text.slice(m.index + 3, eol < 0 ? text.length : eol))) return undefined;
    spans.push({ text: text.slice(start, m.index), offset: start, line: lineOf(start) });
    start = eol < 0 ? text.length : eol + 1;
  }
  spans.push({ text: text.slice(start), offset: start, line: lineOf(start) });
  return spans;
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Anchors, aliases and tags (at the start of a node), merge keys, explicit keys, tabs, a carriage return
 * that ends no line and a flow collection as a key (js-yaml joins it into a string its own way): the fast
 * path leaves these documents to the `yaml` library. It errs on the safe side (a cron schedule such as
 * `"0 * * * *"` is sent over too).
 */
const needsFullParse = /(?:^|[\s[{,])(?:[&*!]|\?(?=\s|$))|<<|\t|\r(?!\n)|[\]}] *:/m;

const SPACE = 32;
const CR = 13;
const HASH = 35;

/**
 * Whether a flow collection (`[`, `{`) or a quoted scalar goes on past the end of its line, outside block
 * scalars. js-yaml reads the continuation lines of these at any indentation; the `yaml` library refuses
 * those not indented under their parent, so such documents go to it. A quote or bracket counts where a
 * node can start (after `:`, `-`, `?`, `,`, `[`, `{` or at the start of a line): one in the middle of a
 * plain value (`it's`, `${VAR}`) is text. A comment glued to a closing quote or bracket (`"x"#c`: the library
 * refuses it, js-yaml does not) sends the document over too. Errs on the safe side.
 */
export function spansLines(text: string): boolean {
  const n = text.length;
  // Inside a block scalar: -1 no, -2 its first content line is still to come, else its content's indentation.
  let block = -1;
  let headerIndent = 0;
  for (let pos = 0; pos < n;) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let i = pos;
    while (i < eol && text.charCodeAt(i) === SPACE) i++;
    const indent = i - pos;
    const blank = i === eol || (text.charCodeAt(i) === CR && i + 1 === eol);
    if (block !== -1 && !blank) {
      if (block === -2) block = indent > headerIndent ? indent : -1;
      else if (indent < block) block = -1;
    }
    if (block !== -1 || blank) {
      pos = eol + 1;
      continue;
    }
    let depth = 0;
    let quote = 0;
    // The last character that is not a space, 0 at the start of the line.
    let prev = 0;
    for (; i < eol; i++) {
      const c = text.charCodeAt(i);
      if (quote === 34) {
        if (c === 92) i++;
        else if (c === 34) {
          quote = 0;
          if (text.charCodeAt(i + 1) === HASH) return true;
        }
        continue;
      }
      if (quote === 39) {
        if (c === 39) {
          if (text.charCodeAt(i + 1) === 39) i++;
          else {
            quote = 0;
            if (text.charCodeAt(i + 1) === HASH) return true;
          }
        }
        continue;
      }
      if (c === SPACE || c === CR) continue;
      const nodeStart = prev === 0 || prev === 58 || prev === 45 || prev === 63 || prev === 44 || prev === 91 || prev === 123;
      if (c === HASH && (i === pos || text.charCodeAt(i - 1) === SPACE)) break; // a comment
      if (nodeStart && (c === 34 || c === 39)) quote = c;
      else if (nodeStart && (c === 91 || c === 123)) depth++;
      else if (depth > 0 && (c === 93 || c === 125)) {
        depth--;
        if (text.charCodeAt(i + 1) === HASH) return true;
      }
      else if (nodeStart && depth === 0 && (c === 124 || c === 62)) {
        // A block scalar header: an explicit indentation indicator is left to the full parse.
        const header = /^[|>]([-+]?)([0-9]?)[-+]?[ \r]*(?:#.*)?$/.exec(text.slice(i, eol));
        if (!header || header[2] !== '') return true;
        block = -2;
        headerIndent = indent;
        break;
      }
      prev = c;
    }
    if (depth > 0 || quote !== 0) return true;
    pos = eol + 1;
  }
  return false;
}

/** YAML 1.1 plain-scalar tags of the `yaml` library (null, bool, int, float, sexagesimal, timestamp), in its order. */
const scalarTags = (new Document(null, { version: '1.1' }).schema.tags as ScalarTag[]).filter((t) => t.default === true && t.test);
/** A plain scalar no tag can match (every test starts with one of these characters or matches the empty string). */
const mayBeTyped = /^(?:[~nNyYtTfFoO.+\-0-9]|$)/;
const resolveOptions = { intAsBigInt: false };
let pendingTag: ScalarTag | undefined;

const yaml11Scalars = new Type('tag:bosun/yaml-1.1-scalar', {
  kind: 'scalar',
  resolve(data: string): boolean {
    pendingTag = undefined;
    if (!mayBeTyped.test(data)) return false;
    for (const tag of scalarTags) {
      if (tag.test!.test(data)) {
        pendingTag = tag;
        return true;
      }
    }
    return false;
  },
  construct(data: string): unknown {
    const resolved: unknown = pendingTag!.resolve(data, (message) => {
      throw new Error(message);
    }, resolveOptions as never);
    // null and the booleans come as Scalar nodes (as the composer takes them), the rest as values.
    return isScalar(resolved) ? resolved.value : resolved;
  },
});

const schema = FAILSAFE_SCHEMA.extend({ implicit: [yaml11Scalars] });

export type FastDocument =
  | { kind: 'value'; value: unknown; line: number }
  | { kind: 'empty' }
  /** This document to the `yaml` library, on its own. */
  | { kind: 'full' }
  /** The whole file to the `yaml` library (js-yaml refused this document). */
  | { kind: 'refused' };

/** The value of one document and the line of its first key (of its first content otherwise). */
export function fastDocument(span: DocumentSpan): FastDocument {
  const first = firstContent(span.text);
  if (first < 0) return { kind: 'empty' };
  if (needsFullParse.test(span.text) || spansLines(span.text)) return { kind: 'full' };
  let value: unknown;
  try {
    value = load(span.text, { schema });
  } catch {
    return { kind: 'refused' };
  }
  if (value === null || value === undefined) return { kind: 'empty' };
  if (isRecord(value)) {
    // `kind: List` is flattened item by item with each item's line: the full parse has them.
    if (isListKind(value)) return { kind: 'full' };
    if (hasOddKey(value)) return { kind: 'full' };
  } else if (Array.isArray(value) && hasOddKey(value)) {
    return { kind: 'full' };
  }
  let at = first;
  if (isRecord(value) && span.text[first] === '{') {
    const key = firstInFlow(span.text, first + 1);
    if (key >= 0 && span.text[key] !== '}') at = key;
  }
  return { kind: 'value', value, line: span.line + countLines(span.text, 0, at) };
}

/** Offset of the first character that is neither blank nor in a comment; -1 when there is none. */
function firstContent(text: string): number {
  const re = /[^\s#]|#/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] !== '#') return m.index;
    const eol = text.indexOf('\n', m.index);
    if (eol < 0) return -1;
    re.lastIndex = eol + 1;
  }
  return -1;
}

/** The first token after `{` (its first key, or `}`), skipping blanks, line breaks and comments. */
function firstInFlow(text: string, from: number): number {
  const rest = firstContent(text.slice(from));
  return rest < 0 ? -1 : from + rest;
}

function isListKind(value: Record<string, unknown>): boolean {
  return typeof value.kind === 'string' && /List$/.test(value.kind) && Array.isArray(value.items);
}

/**
 * Keys js-yaml writes differently from the `yaml` library: a null key (`~:` or `:`) is `"null"` there and
 * `""` here, a timestamp key is a Date's string there. Such documents go to the full parse.
 */
function hasOddKey(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null && hasOddKey(item)) return true;
    return false;
  }
  if (!isRecord(value)) return false;
  for (const key in value) {
    if (key === 'null' || key === '' || key === 'Invalid Date' || key.includes('[object ') || (key.length > 24 && / GMT[+-]\d{4}/.test(key))) return true;
    const v = value[key];
    if (typeof v === 'object' && v !== null && hasOddKey(v)) return true;
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
