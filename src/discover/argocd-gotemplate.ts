/**
 * Go text/template, as far as ApplicationSet templates use it (Argo CD applicationset/utils Render
 * with `goTemplate: true`): actions with trim markers, pipelines, variables, if / else if / else / with /
 * range (break, continue) / end, comments, parentheses, literals, field chains on maps, and the
 * functions Argo CD registers — text/template's builtins and sprig's (minus env, expandenv,
 * getHostByName) plus normalize, toYaml, fromYaml, fromYamlArray (argocd-gotemplate-funcs.ts).
 * `define` / `template` / `block` are refused with a clear error.
 *
 * `missingkey`: Argo CD passes `goTemplateOptions`; with `missingkey=error` a missing map key fails the
 * template (so the ApplicationSet generates nothing for that parameter set), by default it prints
 * `<no value>` as Go does. Errors name what failed and say what to change.
 */
import { callFunction, goPrint, isTrue, templateLimits, TemplateError, withinLimit, type FuncContext } from './argocd-gotemplate-funcs.ts';

export { TemplateError };

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe }
  | { t: 'if' | 'with'; pipe: Pipe; body: Node[]; else?: Node[] }
  | { t: 'range'; pipe: Pipe; body: Node[]; else?: Node[] }
  | { t: 'break' | 'continue' };

interface Pipe {
  decl?: { names: string[]; assign: boolean };
  cmds: Cmd[];
}

type Cmd = Arg[];

type Arg =
  | { t: 'field'; base: 'dot' | { var: string }; chain: string[] }
  | { t: 'lit'; value: unknown }
  | { t: 'ident'; name: string }
  | { t: 'pipe'; pipe: Pipe; chain: string[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

/** Splits a template into text and action tokens, applying `{{-` / `-}}` trimming. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) out.push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && /[ \t\r\n]/.test(src[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    if (text) out.push({ kind: 'text', text });
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError('unclosed action: a "{{" without its "}}"');
    let end = close;
    if (src[close - 1] === '-' && /[ \t\r\n]/.test(src[close - 2] ?? '')) {
      end = close - 1;
      trimNext = true;
    }
    out.push({ kind: 'action', text: src.slice(start, end).trim() });
    i = close + 2;
  }
  return out;
}

/** The `}}` that closes an action, skipping string literals and comments. */
function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const ch = src[i];
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else if (ch === '"' || ch === '`' || ch === "'") {
      i++;
      while (i < src.length && src[i] !== ch) i += src[i] === '\\' && ch !== '`' ? 2 : 1;
      i++;
    } else if (src.startsWith('}}', i)) return i;
    else i++;
  }
  return -1;
}

interface Lexeme {
  t: 'str' | 'num' | 'word' | 'field' | 'var' | 'punct';
  v: string;
  value?: unknown;
}

function lexAction(text: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw new TemplateError('unterminated quoted string');
      out.push({ t: 'str', v: text.slice(i, j + 1), value: JSON.parse(text.slice(i, j + 1).replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) });
      i = j + 1;
    } else if (ch === '`') {
      const j = text.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw string');
      out.push({ t: 'str', v: text.slice(i, j + 1), value: text.slice(i + 1, j) });
      i = j + 1;
    } else if (ch === "'") {
      const m = /^'(\\.|[^'\\])'/.exec(text.slice(i));
      if (!m) throw new TemplateError('malformed character constant');
      out.push({ t: 'num', v: m[0], value: (JSON.parse(`"${m[1]}"`) as string).codePointAt(0) });
      i += m[0].length;
    } else if (ch === '(' || ch === ')' || ch === '|' || ch === ',') {
      out.push({ t: 'punct', v: ch });
      i++;
    } else if (text.startsWith(':=', i)) {
      out.push({ t: 'punct', v: ':=' });
      i += 2;
    } else if (ch === '=') {
      out.push({ t: 'punct', v: '=' });
      i++;
    } else if (/[-+0-9]/.test(ch) && /^[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?)/.test(text.slice(i))) {
      const m = /^[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?)/.exec(text.slice(i))!;
      const clean = m[0].replace(/_/g, '');
      const value = /^[-+]?0[xob]/i.test(clean) ? Number(clean.replace(/^([-+]?)0o/i, '$10o')) : Number(clean);
      out.push({ t: 'num', v: m[0], value: /[.eE]/.test(clean) && !/^[-+]?0x/i.test(clean) ? { float: value } : value });
      i += m[0].length;
    } else if (ch === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(text.slice(i))!;
      out.push({ t: 'var', v: m[0] });
      i += m[0].length;
    } else if (ch === '.') {
      const m = /^(\.[A-Za-z0-9_]*)+/.exec(text.slice(i))!;
      out.push({ t: 'field', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else {
      throw new TemplateError(`unexpected "${ch}" in action`);
    }
  }
  return out;
}

class ActionParser {
  private i = 0;
  private readonly lx: Lexeme[];
  constructor(lx: Lexeme[]) {
    this.lx = lx;
  }

  done(): boolean {
    return this.i >= this.lx.length;
  }

  pipeline(stop?: string): Pipe {
    const pipe: Pipe = { cmds: [] };
    // `$x := …`, `$i, $v := …` (range), `$x = …`
    const save = this.i;
    const names: string[] = [];
    while (this.lx[this.i]?.t === 'var') {
      names.push(this.lx[this.i].v);
      this.i++;
      if (this.lx[this.i]?.v === ',') this.i++;
      else break;
    }
    const op = this.lx[this.i];
    if (names.length > 0 && op?.t === 'punct' && (op.v === ':=' || op.v === '=')) {
      pipe.decl = { names, assign: op.v === '=' };
      this.i++;
    } else this.i = save;
    for (;;) {
      const cmd: Cmd = [];
      while (!this.done() && this.lx[this.i].v !== '|' && this.lx[this.i].v !== stop) cmd.push(this.operand());
      if (cmd.length === 0) throw new TemplateError('missing value for command');
      pipe.cmds.push(cmd);
      if (this.lx[this.i]?.v === '|') {
        this.i++;
        continue;
      }
      return pipe;
    }
  }

  private operand(): Arg {
    const lx = this.lx[this.i++];
    switch (lx.t) {
      case 'str':
      case 'num':
        return { t: 'lit', value: lx.value };
      case 'field':
        return { t: 'field', base: 'dot', chain: lx.v === '.' ? [] : lx.v.slice(1).split('.') };
      case 'var': {
        const next = this.lx[this.i];
        let chain: string[] = [];
        if (next?.t === 'field' && next.v !== '.') {
          chain = next.v.slice(1).split('.');
          this.i++;
        }
        return { t: 'field', base: { var: lx.v }, chain };
      }
      case 'word':
        if (lx.v === 'true' || lx.v === 'false') return { t: 'lit', value: lx.v === 'true' };
        if (lx.v === 'nil') return { t: 'lit', value: null };
        return { t: 'ident', name: lx.v };
      case 'punct':
        if (lx.v === '(') {
          const pipe = this.pipeline(')');
          if (this.lx[this.i]?.v !== ')') throw new TemplateError('unclosed left paren');
          this.i++;
          let chain: string[] = [];
          const next = this.lx[this.i];
          if (next?.t === 'field' && next.v !== '.') {
            chain = next.v.slice(1).split('.');
            this.i++;
          }
          return { t: 'pipe', pipe, chain };
        }
        throw new TemplateError(`unexpected "${lx.v}" in operand`);
    }
  }
}

function parsePipe(text: string): Pipe {
  const p = new ActionParser(lexAction(text));
  const pipe = p.pipeline();
  if (!p.done()) throw new TemplateError(`unexpected token in "${text}"`);
  return pipe;
}

function parseTemplate(src: string): Node[] {
  const tokens = tokenize(src);
  let pos = 0;
  const parseList = (ends: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos++];
      if (tok.kind === 'text') {
        nodes.push({ t: 'text', text: tok.text });
        continue;
      }
      const text = tok.text;
      if (text.startsWith('/*')) continue; // a comment
      const word = /^[a-z]+\b/.exec(text)?.[0] ?? '';
      if (word === 'end' || word === 'else') {
        if (!ends.includes(word)) throw new TemplateError(`unexpected {{${word}}}`);
        pos--;
        return { nodes, end: word };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(parseControl(word, text.slice(word.length)));
        continue;
      }
      if (word === 'break' || word === 'continue') {
        nodes.push({ t: word });
        continue;
      }
      if (word === 'define' || word === 'template' || word === 'block') {
        throw new TemplateError(`{{${word}}} is not supported by bosun in ApplicationSet templates`);
      }
      nodes.push({ t: 'action', pipe: parsePipe(text) });
    }
    if (ends.length > 0) throw new TemplateError(`unexpected end of template: {{${ends[0]}}} missing`);
    return { nodes, end: '' };
  };
  // `{{if}}…{{else if …}}…{{end}}`: the nested if shares the outer `end`.
  function parseControl(word: 'if' | 'with' | 'range', pipeText: string): Node {
    const node = { t: word, pipe: parsePipe(pipeText), body: [] as Node[] } as Extract<Node, { t: 'if' | 'with' | 'range' }>;
    const body = parseList(['end', 'else']);
    node.body = body.nodes;
    const closing = tokens[pos++];
    if (!closing) throw new TemplateError(`{{${word}}} without {{end}}`);
    if (body.end === 'end') return node;
    const rest = closing.text.slice(4).trim();
    const nested = /^(if|with)\b/.exec(rest)?.[1] as 'if' | 'with' | undefined;
    if (nested) {
      node.else = [parseControl(nested, rest.slice(nested.length))];
      return node;
    }
    const elseBody = parseList(['end']);
    node.else = elseBody.nodes;
    pos++;
    return node;
  }
  return parseList([]).nodes;
}

class Break {}
class Continue {}

export interface GoTemplateOptions {
  /** `missingkey=error` (Argo CD `goTemplateOptions`). */
  missingKeyError: boolean;
}

const missing = Symbol('missing');

/** Work done so far by one templated string, `tpl` calls included (templateLimits). */
interface Budget {
  steps: number;
}

class Exec {
  private readonly vars: Array<Map<string, unknown>> = [];
  private readonly opts: GoTemplateOptions;
  private readonly root: unknown;
  private readonly funcs: FuncContext;
  private readonly budget: Budget;
  private chars = 0;
  constructor(root: unknown, opts: GoTemplateOptions, budget: Budget = { steps: 0 }) {
    this.root = root;
    this.opts = opts;
    this.budget = budget;
    this.funcs = { render: (tpl, data) => execute(tpl, data, opts, budget) };
    this.vars.push(new Map([['$', root]]));
  }

  private emit(out: string[], text: string): void {
    this.chars += text.length;
    withinLimit('the template', this.chars, templateLimits.chars, 'characters');
    out.push(text);
  }

  private step(): void {
    if (++this.budget.steps > templateLimits.steps) {
      throw new TemplateError(`the template takes more than ${templateLimits.steps} steps (range iterations and function calls), more than bosun evaluates in an ApplicationSet template`);
    }
  }

  run(nodes: Node[], dot: unknown, out: string[]): void {
    for (const node of nodes) {
      switch (node.t) {
        case 'text':
          this.emit(out, node.text);
          break;
        case 'action': {
          const value = this.pipe(node.pipe, dot);
          if (!node.pipe.decl) this.emit(out, goPrint(value === missing ? undefined : value, true));
          break;
        }
        case 'if':
        case 'with': {
          this.vars.push(new Map());
          try {
            const value = this.pipe(node.pipe, dot);
            const truth = value !== missing && isTrue(value);
            if (truth) this.run(node.body, node.t === 'with' ? value : dot, out);
            else if (node.else) this.run(node.else, dot, out);
          } finally {
            this.vars.pop();
          }
          break;
        }
        case 'range':
          this.range(node, dot, out);
          break;
        case 'break':
          throw new Break();
        case 'continue':
          throw new Continue();
      }
    }
  }

  private range(node: Extract<Node, { t: 'range' }>, dot: unknown, out: string[]): void {
    this.vars.push(new Map());
    try {
      const decl = node.pipe.decl;
      const value = this.pipe({ cmds: node.pipe.cmds }, dot);
      let entries: Array<[unknown, unknown]> = [];
      if (Array.isArray(value)) entries = value.map((v, i) => [i, v]);
      else if (value && typeof value === 'object') entries = Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]);
      else if (typeof value === 'number' && Number.isInteger(value)) {
        withinLimit('range', value, templateLimits.items, 'iterations');
        entries = Array.from({ length: Math.max(0, value) }, (_, i) => [i, i]);
      }
      else if (value !== null && value !== undefined && value !== missing) throw new TemplateError(`range can't iterate over ${goPrint(value, false)}`);
      if (entries.length === 0) {
        if (node.else) this.run(node.else, dot, out);
        return;
      }
      for (const [k, v] of entries) {
        this.step();
        const scope = this.vars[this.vars.length - 1];
        if (decl) {
          if (decl.names.length === 1) scope.set(decl.names[0], v);
          else {
            scope.set(decl.names[0], k);
            scope.set(decl.names[1], v);
          }
        }
        try {
          this.run(node.body, v, out);
        } catch (e) {
          if (e instanceof Break) break;
          if (e instanceof Continue) continue;
          throw e;
        }
      }
    } finally {
      this.vars.pop();
    }
  }

  private lookupVar(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].has(name)) return this.vars[i].get(name);
    throw new TemplateError(`undefined variable: ${name}`);
  }

  private pipe(pipe: Pipe, dot: unknown): unknown {
    let value: unknown = missing;
    let first = true;
    for (const cmd of pipe.cmds) {
      value = this.command(cmd, dot, first ? undefined : [value]);
      first = false;
    }
    if (pipe.decl) {
      const v = value === missing ? undefined : value;
      if (pipe.decl.assign) {
        const name = pipe.decl.names[0];
        const scope = [...this.vars].reverse().find((s) => s.has(name));
        if (!scope) throw new TemplateError(`undefined variable: ${name}`);
        scope.set(name, v);
      } else this.vars[this.vars.length - 1].set(pipe.decl.names[0], v);
    }
    return value;
  }

  private command(cmd: Cmd, dot: unknown, piped: unknown[] | undefined): unknown {
    const [head, ...rest] = cmd;
    if (head.t === 'ident') {
      this.step();
      const args = rest.map((a) => this.arg(a, dot));
      if (piped) args.push(...piped);
      return callFunction(head.name, args.map((a) => (a === missing ? undefined : a)), this.funcs);
    }
    if (rest.length > 0 || piped) {
      // A field chain with arguments would be a method call; maps have no methods.
      if (head.t === 'field' && (rest.length > 0 || piped)) throw new TemplateError(`can't give argument to non-function ${describe(head)}`);
      throw new TemplateError('can\'t give argument to non-function');
    }
    return this.arg(head, dot);
  }

  private arg(a: Arg, dot: unknown): unknown {
    switch (a.t) {
      case 'lit':
        return a.value !== null && typeof a.value === 'object' && 'float' in (a.value as object) ? (a.value as { float: number }).float : a.value;
      case 'ident':
        this.step();
        return callFunction(a.name, [], this.funcs);
      case 'pipe':
        return this.chain(this.pipe(a.pipe, dot), a.chain, '(…)');
      case 'field': {
        const base = a.base === 'dot' ? dot : this.lookupVar(a.base.var);
        return this.chain(base, a.chain, a.base === 'dot' ? '' : a.base.var);
      }
    }
  }

  private chain(base: unknown, chain: string[], label: string): unknown {
    let value = base;
    let path = label;
    for (const key of chain) {
      path += `.${key}`;
      if (value === missing || value === undefined || value === null) {
        if (value === missing && this.opts.missingKeyError) throw new TemplateError(`map has no entry for key "${key}" (at ${path})`);
        // Go: nil pointer evaluating interface {}.key
        if (value === missing || value === undefined) return missing;
        throw new TemplateError(`nil pointer evaluating ${path}`);
      }
      if (typeof value !== 'object' || Array.isArray(value)) throw new TemplateError(`can't evaluate field ${key} in type ${goType(value)}`);
      const record = value as Record<string, unknown>;
      if (!Object.hasOwn(record, key)) {
        if (this.opts.missingKeyError) throw new TemplateError(`map has no entry for key "${key}"`);
        value = missing;
      } else value = record[key];
    }
    return value;
  }
}

function describe(a: Extract<Arg, { t: 'field' }>): string {
  return `${a.base === 'dot' ? '' : a.base.var}.${a.chain.join('.')}`;
}

function goType(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'interface {}';
}

const cache = new Map<string, Node[]>();

/** Renders `template` with `data` as Go's text/template would; throws TemplateError with Go-like messages. */
export function renderGoTemplate(template: string, data: unknown, opts: GoTemplateOptions): string {
  return execute(template, data, opts, { steps: 0 });
}

function execute(template: string, data: unknown, opts: GoTemplateOptions, budget: Budget): string {
  if (!template.includes('{{')) return template;
  let nodes = cache.get(template);
  if (!nodes) {
    nodes = parseTemplate(template);
    if (cache.size > 10_000) cache.clear();
    cache.set(template, nodes);
  }
  const out: string[] = [];
  new Exec(data, opts, budget).run(nodes, data, out);
  return out.join('');
}
