/**
 * A fast parser for the block-style YAML subset kustomization files are nearly always written in:
 * nested block mappings and sequences, plain or simply quoted one-line scalars, comments. Anything
 * else (flow collections, block scalars, anchors, tags, multi-line scalars, several documents) returns
 * undefined and the caller uses the full `yaml` parser. It exists because parsing hundreds of small
 * kustomizations with the full parser dominated input analysis of large monorepos; results equal
 * `yaml.parse` for every document it accepts (tested side by side).
 */
export function parseSimpleYaml(text: string): unknown {
  const tokens = tokenize(text);
  if (tokens === undefined) return undefined;
  if (tokens.length === 0) return null;
  const parser = new BlockParser(tokens);
  const value = parser.block(tokens[0].indent);
  return parser.done() ? value : undefined;
}

interface Token {
  indent: number;
  /** A `key:` (with an optional inline value) or a `-` sequence entry (with an optional inline scalar). */
  kind: 'key' | 'item';
  key?: string;
  /** Raw inline value; undefined when the value is a nested block (or null). */
  raw?: string;
}

const plainKey = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
const keyLine = /^([A-Za-z0-9_][A-Za-z0-9_./-]*|"[^"\\]*"|'[^']*'):(?:[ ]+(.*))?$/;
const unsafeStart = /^[[{&*!|>%@`,?:#]|^-(?:\s|$)/;

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n].endsWith('\r') ? lines[n].slice(0, -1) : lines[n];
    if (n === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.includes('\t')) return undefined;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (trimmed === '---' && tokens.length === 0) continue;
    if (/^(?:---|\.\.\.)(?:\s|$)/.test(line) || line.startsWith('%')) return undefined;
    let indent = line.length - line.trimStart().length;
    let rest = stripComment(trimmed);
    if (rest === undefined) return undefined;
    // `- key: value` opens a mapping inside a sequence entry; the key sits at the column after "- ".
    while (rest.startsWith('- ') || rest === '-') {
      tokens.push({ indent, kind: 'item' });
      if (rest === '-') {
        rest = '';
        break;
      }
      const after = rest.slice(2);
      const spaces = after.length - after.trimStart().length;
      indent += 2 + spaces;
      rest = after.trimStart();
      if (rest.startsWith('- ') || rest === '-') return undefined; // nested sequences on one line: rare, leave to the full parser
    }
    if (rest === '') continue;
    const match = keyLine.exec(rest);
    if (match) {
      const key = unquote(match[1]);
      if (key === undefined) return undefined;
      const raw = match[2] === undefined || match[2] === '' ? undefined : match[2];
      if (raw !== undefined && !isSafeScalar(raw)) return undefined;
      tokens.push({ indent, kind: 'key', key, ...(raw === undefined ? {} : { raw }) });
    } else {
      const last = tokens[tokens.length - 1];
      // Only a scalar directly after "- " on the same line is allowed; a bare line is a multi-line scalar.
      if (!last || last.kind !== 'item' || last.raw !== undefined || !lines[n].trimStart().startsWith('-') || !isSafeScalar(rest)) return undefined;
      last.raw = rest;
    }
  }
  return tokens;
}

/** The line without a trailing ` # comment`; undefined when quoting makes that ambiguous. */
function stripComment(text: string): string | undefined {
  if (!text.includes('#')) return text;
  if (/["']/.test(text)) return undefined;
  const at = text.search(/\s#/);
  return at < 0 ? text : text.slice(0, at).trimEnd();
}

function isSafeScalar(raw: string): boolean {
  if (raw.startsWith('"')) return /^"[^"\\]*"$/.test(raw);
  if (raw.startsWith("'")) return /^'[^']*'$/.test(raw);
  return !unsafeStart.test(raw) && !raw.includes(': ') && !raw.endsWith(':') && !raw.includes(' #');
}

function unquote(raw: string): string | undefined {
  if (raw.startsWith('"') || raw.startsWith("'")) return raw.slice(1, -1);
  return plainKey.test(raw) ? raw : undefined;
}

/** YAML 1.2 core schema resolution of a plain scalar; exotic forms (hex, octal, .inf) are not accepted. */
function scalar(raw: string): { value: unknown } | undefined {
  if (raw.startsWith('"') || raw.startsWith("'")) return { value: raw.slice(1, -1) };
  if (/^(?:~|null|Null|NULL)$/.test(raw)) return { value: null };
  if (/^(?:true|True|TRUE)$/.test(raw)) return { value: true };
  if (/^(?:false|False|FALSE)$/.test(raw)) return { value: false };
  if (/^[-+]?[0-9]+$/.test(raw)) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? { value: n } : undefined;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(raw)) return { value: Number(raw) };
  if (/^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$/.test(raw) || /^0[ox]/.test(raw)) return undefined;
  return { value: raw };
}

class BlockParser {
  private readonly tokens: Token[];
  private pos = 0;
  private failed = false;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  done(): boolean {
    return !this.failed && this.pos === this.tokens.length;
  }

  block(indent: number): unknown {
    const t = this.tokens[this.pos];
    if (!t || t.indent !== indent) return this.fail();
    return t.kind === 'item' ? this.sequence(indent) : this.mapping(indent);
  }

  private fail(): undefined {
    this.failed = true;
    return undefined;
  }

  private mapping(indent: number): unknown {
    const out: Record<string, unknown> = {};
    while (!this.failed) {
      const t = this.tokens[this.pos];
      if (!t || t.indent < indent) break;
      if (t.indent > indent || t.kind !== 'key' || t.key === undefined) return this.fail();
      if (Object.prototype.hasOwnProperty.call(out, t.key) || t.key === '__proto__') return this.fail();
      this.pos++;
      out[t.key] = this.valueAfter(t, indent, true);
    }
    return out;
  }

  private sequence(indent: number): unknown {
    const out: unknown[] = [];
    while (!this.failed) {
      const t = this.tokens[this.pos];
      // A key at the same indentation ends a sequence that was a mapping value written at the key's indentation.
      if (!t || t.indent < indent || (t.indent === indent && t.kind !== 'item')) break;
      if (t.indent > indent) return this.fail();
      this.pos++;
      out.push(this.valueAfter(t, indent, false));
    }
    return out;
  }

  /** The value of a key or sequence entry: inline scalar, nested block, or null. */
  private valueAfter(t: Token, indent: number, isKey: boolean): unknown {
    if (t.raw !== undefined) {
      const resolved = scalar(t.raw);
      return resolved ? resolved.value : this.fail();
    }
    const next = this.tokens[this.pos];
    if (next && next.indent > indent) return this.block(next.indent);
    // YAML lets a mapping's sequence value start at the key's own indentation.
    if (isKey && next && next.indent === indent && next.kind === 'item') return this.sequence(indent);
    return null;
  }
}
