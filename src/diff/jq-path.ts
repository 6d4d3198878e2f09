/**
 * The part of jq that Argo CD users write in `ignoreDifferences.jqPathExpressions`: path expressions
 * that Argo CD wraps in `del(...)` (util/argo/normalizers/diff_normalizer.go). Supported:
 *
 * - fields: `.spec.replicas`, `."quoted.key"`, `.["key"]`, `.metadata.annotations["a/b"]`;
 * - arrays: `[]` (every element), `[2]` (one index), with an optional `?`;
 * - pipes and `select(...)` with `==`, `!=`, `and`, `or`, `not`, parentheses, string/number/boolean/null
 *   literals and `startswith("…")`, `endswith("…")`, `contains("…")` on a path:
 *   `.spec.template.spec.containers[] | select(.name == "x") | .image`.
 *
 * Anything else (functions such as `to_entries` or `test` — a regular expression from a pull request could
 * hang the worker, and jq's 1 s timeout has no JavaScript equivalent —, recursion `..`, slices, variables) is refused with a
 * `JqUnsupported` error naming what was not understood, so the caller can say the rule is not honoured
 * instead of silently hiding nothing — or everything. Pure; no recursion that input depth reaches beyond
 * the expression's own nesting.
 */

export class JqUnsupported extends Error {
  override name = 'JqUnsupported';
}

type Segment = { key: string } | { index: number } | { each: true };
/** A path over the document: field names and array indices. */
export type JsonPath = Array<string | number>;

type Step = { kind: 'path'; segments: Segment[] } | { kind: 'select'; cond: Cond };
type Value = { kind: 'path'; segments: Segment[]; fn?: { name: string; arg: string } } | { kind: 'literal'; value: unknown };
type Cond =
  | { kind: 'or' | 'and'; left: Cond; right: Cond }
  | { kind: 'not'; of: Cond }
  | { kind: 'cmp'; op: '==' | '!='; left: Value; right: Value }
  | { kind: 'truthy'; value: Value };

export interface JqPathProgram {
  source: string;
  steps: Step[];
}

const functions = new Set(['startswith', 'endswith', 'contains']);

/** Parses one expression; throws JqUnsupported for anything outside the subset. */
export function parseJqPath(source: string): JqPathProgram {
  const p = new Parser(source);
  const steps = p.pipeline();
  p.expectEnd();
  return { source, steps };
}

/** Every concrete path in `doc` the expression selects (del() would remove these). */
export function selectPaths(program: JqPathProgram, doc: unknown): JsonPath[] {
  let current: Array<{ path: JsonPath; value: unknown }> = [{ path: [], value: doc }];
  for (const step of program.steps) {
    if (step.kind === 'path') current = current.flatMap((c) => walk(c, step.segments));
    else current = current.filter((c) => holds(step.cond, c.value));
  }
  return current.filter((c) => c.value !== undefined && c.path.length > 0).map((c) => c.path);
}

/** `del(expr)` on a copy of `doc`: removes every selected path, later array elements first. */
export function deletePaths(doc: unknown, paths: readonly JsonPath[]): void {
  const sorted = [...paths].sort(comparePaths).reverse();
  for (const path of sorted) {
    let node: unknown = doc;
    for (const key of path.slice(0, -1)) {
      node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
    }
    const last = path[path.length - 1];
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else if (node !== null && typeof node === 'object' && typeof last === 'string') delete (node as Record<string, unknown>)[last];
  }
}

function comparePaths(a: JsonPath, b: JsonPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (typeof a[i] === 'number' && typeof b[i] === 'number') return (a[i] as number) - (b[i] as number);
    return String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return a.length - b.length;
}

function walk(start: { path: JsonPath; value: unknown }, segments: readonly Segment[]): Array<{ path: JsonPath; value: unknown }> {
  let current = [start];
  for (const s of segments) {
    const next: Array<{ path: JsonPath; value: unknown }> = [];
    for (const c of current) {
      if ('each' in s) {
        if (Array.isArray(c.value)) c.value.forEach((v, i) => next.push({ path: [...c.path, i], value: v }));
        else if (isRecord(c.value)) for (const [k, v] of Object.entries(c.value)) next.push({ path: [...c.path, k], value: v });
      } else if ('index' in s) {
        if (Array.isArray(c.value)) {
          const i = s.index < 0 ? c.value.length + s.index : s.index;
          if (i >= 0 && i < c.value.length) next.push({ path: [...c.path, i], value: c.value[i] });
        }
      } else if (isRecord(c.value)) {
        next.push({ path: [...c.path, s.key], value: c.value[s.key] });
      } else if (c.value === undefined || c.value === null) {
        next.push({ path: [...c.path, s.key], value: undefined });
      }
    }
    current = next;
  }
  return current;
}

function valuesOf(v: Value, item: unknown): unknown[] {
  if (v.kind === 'literal') return [v.value];
  const found = walk({ path: [], value: item }, v.segments).map((c) => (c.value === undefined ? null : c.value));
  if (!v.fn) return found;
  const { name, arg } = v.fn;
  return found.map((x) => {
    if (typeof x !== 'string') return false;
    if (name === 'startswith') return x.startsWith(arg);
    if (name === 'endswith') return x.endsWith(arg);
    return x.includes(arg);
  });
}

function holds(cond: Cond, item: unknown): boolean {
  switch (cond.kind) {
    case 'or':
      return holds(cond.left, item) || holds(cond.right, item);
    case 'and':
      return holds(cond.left, item) && holds(cond.right, item);
    case 'not':
      return !holds(cond.of, item);
    case 'truthy':
      return valuesOf(cond.value, item).some((x) => x !== false && x !== null);
    case 'cmp': {
      const left = valuesOf(cond.left, item);
      const right = valuesOf(cond.right, item);
      return left.some((l) => right.some((r) => (JSON.stringify(l) === JSON.stringify(r)) === (cond.op === '==')));
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Parser {
  private pos = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  pipeline(): Step[] {
    const steps: Step[] = [this.step()];
    while (this.eat('|')) steps.push(this.step());
    return steps;
  }

  expectEnd(): void {
    this.space();
    if (this.pos < this.text.length) this.fail(`unexpected "${this.text.slice(this.pos, this.pos + 12)}"`);
  }

  private step(): Step {
    this.space();
    if (this.peekWord('select')) {
      this.pos += 'select'.length;
      this.expect('(');
      const cond = this.or();
      this.expect(')');
      return { kind: 'select', cond };
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
    if (word) this.fail(`"${word}" is not supported: only paths and select(...) are`);
    return { kind: 'path', segments: this.path() };
  }

  private path(): Segment[] {
    this.space();
    if (this.text[this.pos] !== '.') this.fail('a path must start with "."');
    const segments: Segment[] = [];
    let first = true;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === '.' && this.text[this.pos + 1] === '.') this.fail('recursive descent ".." is not supported');
      if (ch === '.') {
        this.pos++;
        const next = this.text[this.pos];
        if (next === '"') segments.push({ key: this.string() });
        else if (next !== undefined && /[A-Za-z_]/.test(next)) segments.push({ key: this.ident() });
        else if (next === '[') continue;
        else if (!first) this.fail('expected a field name after "."');
        first = false;
      } else if (ch === '[') {
        this.pos++;
        this.space();
        if (this.eat(']')) segments.push({ each: true });
        else if (this.text[this.pos] === '"') {
          segments.push({ key: this.string() });
          this.expect(']');
        } else {
          const m = /^-?\d+/.exec(this.text.slice(this.pos));
          if (!m) this.fail('only [], [<number>] and ["<key>"] are supported inside brackets');
          this.pos += m![0].length;
          this.space();
          if (this.text[this.pos] === ':') this.fail('array slices are not supported');
          this.expect(']');
          segments.push({ index: Number(m![0]) });
        }
        first = false;
      } else if (ch === '?') {
        this.pos++;
      } else {
        break;
      }
    }
    return segments;
  }

  private or(): Cond {
    let left = this.and();
    while (this.eatWord('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Cond {
    let left = this.unary();
    while (this.eatWord('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Cond {
    this.space();
    let cond: Cond;
    if (this.eat('(')) {
      cond = this.or();
      this.expect(')');
    } else {
      const left = this.value();
      this.space();
      const op = this.text.startsWith('==', this.pos) ? '==' : this.text.startsWith('!=', this.pos) ? '!=' : undefined;
      if (op) {
        this.pos += 2;
        cond = { kind: 'cmp', op, left, right: this.value() };
      } else {
        if (/^(<|>)/.test(this.text.slice(this.pos))) this.fail('only == and != comparisons are supported');
        cond = { kind: 'truthy', value: left };
      }
    }
    // `… | not`
    const save = this.pos;
    if (this.eat('|') && this.eatWord('not')) return { kind: 'not', of: cond };
    this.pos = save;
    return cond;
  }

  private value(): Value {
    this.space();
    const ch = this.text[this.pos];
    if (ch === '"') return { kind: 'literal', value: this.string() };
    const number = /^-?\d+(\.\d+)?/.exec(this.text.slice(this.pos));
    if (number) {
      this.pos += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.eatWord(word)) return { kind: 'literal', value };
    }
    if (ch !== '.') this.fail(`expected a path or a literal at "${this.text.slice(this.pos, this.pos + 12)}"`);
    const segments = this.path();
    const save = this.pos;
    if (this.eat('|')) {
      this.space();
      const name = /^[a-z_]+/.exec(this.text.slice(this.pos))?.[0];
      if (name && functions.has(name)) {
        this.pos += name.length;
        this.expect('(');
        this.space();
        const arg = this.string();
        this.expect(')');
        return { kind: 'path', segments, fn: { name, arg } };
      }
      if (name && name !== 'not') this.fail(`function "${name}" is not supported (only startswith, endswith and contains)`);
    }
    this.pos = save;
    return { kind: 'path', segments };
  }

  private ident(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))!;
    this.pos += m[0].length;
    return m[0];
  }

  private string(): string {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(this.text.slice(this.pos));
    if (!m) this.fail('unterminated string');
    this.pos += m![0].length;
    try {
      return JSON.parse(m![0]) as string;
    } catch {
      return this.fail('string interpolation and unknown escapes are not supported');
    }
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private eat(token: string): boolean {
    this.space();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private peekWord(word: string): boolean {
    return this.text.startsWith(word, this.pos) && !/[A-Za-z0-9_]/.test(this.text[this.pos + word.length] ?? '');
  }

  private eatWord(word: string): boolean {
    this.space();
    if (!this.peekWord(word)) return false;
    this.pos += word.length;
    return true;
  }

  private expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected "${token}"`);
  }

  private fail(message: string): never {
    throw new JqUnsupported(`${message} (at character ${this.pos + 1} of \`${this.text}\`)`);
  }
}
