import type { TextSplitter } from './process.ts';

const space = /^[ \t\n\r]*$/;

/**
 * Cuts jsonnet's output — one JSON value, which bosun reads as one object or an array of objects — as it
 * streams in (#10 item 4): when the value is an array, each element's text is handed on as soon as the
 * `,` or `]` after it is read, and only the unfinished element is held; any other value is held whole and
 * handed on at the end (a single object cannot be read in parts; the output's byte cap bounds it). Chunks
 * may be cut anywhere, inside a string or an escape. Only the array's own structure is read here —
 * strings, escapes and nesting, to find its top-level commas; each element is parsed by the caller
 * (JSON.parse), which reports whatever is wrong inside it. What is wrong with the array itself (text
 * after it, a `}` closing it, no end) is `problem`, and nothing more is handed on.
 */
export class JsonValueSplitter implements TextSplitter {
  /** Whether the value is an array (undefined until its first character is read). */
  isArray: boolean | undefined;
  /** What is wrong with the output's structure, in JSON.parse's manner; set once, at the first fault. */
  problem: string | undefined;

  private readonly emit: (text: string) => void;
  /** The element (or, for a value that is not an array, the value) read so far, in the pieces it came in. */
  private held: string[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** A `,` was read at the array's level: the element after it must not be blank. */
  private afterComma = false;
  private closed = false;
  /** Characters read before the current chunk, for positions in problems. */
  private offset = 0;

  constructor(emit: (text: string) => void) {
    this.emit = emit;
  }

  push(chunk: string): void {
    if (this.problem !== undefined || chunk === '') return;
    let start = 0;
    if (this.isArray === undefined) {
      const first = chunk.search(/[^ \t\n\r]/);
      if (first < 0) {
        this.offset += chunk.length;
        return;
      }
      this.isArray = chunk[first] === '[';
      if (this.isArray) {
        this.depth = 1;
        start = first + 1;
      }
    }
    if (!this.isArray) {
      this.held.push(chunk);
      this.offset += chunk.length;
      return;
    }
    if (this.closed) {
      this.trailing(chunk, 0);
      this.offset += chunk.length;
      return;
    }
    for (let i = start; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92) this.escaped = true; // \
        else if (c === 34) this.inString = false; // "
        continue;
      }
      if (c === 34) {
        this.inString = true;
      } else if (c === 91 || c === 123) { // [ {
        this.depth++;
      } else if (c === 93 || c === 125) { // ] }
        this.depth--;
        if (this.depth > 0) continue;
        if (c === 125) {
          this.fault(`Unexpected token '}' at position ${this.offset + i}`);
          return;
        }
        this.element(chunk.slice(start, i), true);
        this.closed = true;
        this.trailing(chunk, i + 1);
        break;
      } else if (c === 44 && this.depth === 1) { // ,
        this.element(chunk.slice(start, i), false);
        this.afterComma = true;
        start = i + 1;
      }
    }
    if (!this.closed && start < chunk.length) this.held.push(chunk.slice(start));
    this.offset += chunk.length;
  }

  end(): void {
    if (this.problem !== undefined) return;
    if (this.isArray === undefined) {
      this.fault('Unexpected end of JSON input');
      return;
    }
    if (!this.isArray) {
      const text = this.held.join('');
      this.held = [];
      this.emit(text);
      return;
    }
    if (!this.closed) this.fault('Unexpected end of JSON input');
  }

  /** One element of the array ends here; `last`: at its `]` (`[]` has none; `[1,]` has a blank one, which JSON.parse refuses). */
  private element(tail: string, last: boolean): void {
    this.held.push(tail);
    const text = this.held.length === 1 ? this.held[0] : this.held.join('');
    this.held = [];
    if (last && !this.afterComma && space.test(text)) return;
    this.emit(text);
  }

  private trailing(chunk: string, from: number): void {
    const rest = chunk.slice(from);
    const at = rest.search(/[^ \t\n\r]/);
    if (at >= 0) this.fault(`Unexpected non-whitespace character after JSON at position ${this.offset + from + at}`);
  }

  private fault(message: string): void {
    this.problem ??= message;
    this.held = [];
  }
}
