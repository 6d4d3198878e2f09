import type { KubeObject } from '../model/object.ts';

/** Flux's rule for names in `postBuild.substitute`. */
const varName = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
export const substituteDisabledKey = 'kustomize.toolkit.fluxcd.io/substitute';

export function invalidVariableNames(vars: Record<string, string>): string[] {
  return Object.keys(vars).filter((k) => !varName.test(k));
}

/** Flux skips objects that opt out by label or annotation. */
export function substitutionDisabled(object: KubeObject): boolean {
  return object.metadata?.labels?.[substituteDisabledKey] === 'disabled'
    || object.metadata?.annotations?.[substituteDisabledKey] === 'disabled';
}

/**
 * A `${…}` that Flux's envsubst cannot parse. kustomize-controller then fails the whole Kustomization
 * ("envsubst error: variable substitution failed: …"), so the render fails too.
 */
export class SubstitutionError extends Error {
  readonly expression: string;
  constructor(reason: string, expression: string) {
    super(`${reason} in \`${expression}\``);
    this.name = 'SubstitutionError';
    this.expression = expression;
  }
}

/**
 * Bash-style variable expansion as Flux's kustomize-controller does it after the build, with the grammar
 * of fluxcd/pkg/envsubst (a fork of drone/envsubst; parse/parse.go, parse/scan.go, funcs.go, template.go),
 * which kustomize/kustomize_varsub.go runs on each object's YAML:
 * - `${VAR}`, names of letters, digits and `_` (`${my-var}`, `${ x }` or `${}` are parse errors);
 * - `${VAR:=d}` `${VAR:-d}` `${VAR:?d}` `${VAR:+d}` `${VAR=d}`: all the same "value, else the default" (its
 *   `toDefault`); the default may hold `${…}`; `${VAR-d}` (no colon) is a parse error;
 * - `${#VAR}`, `${VAR^}` `${VAR^^}` `${VAR,}` `${VAR,,}`, `${VAR:offset[:length]}` (negative counts from the
 *   end), `${VAR#glob}` `${VAR##glob}` `${VAR%glob}` `${VAR%%glob}`, `${VAR/old/new}` `${VAR//old/new}`
 *   `${VAR/#old/new}` `${VAR/%old/new}` (`\/`, `\\` and `$$` escaped in old and new);
 * - `$$` is a literal `$` (so `$${VAR}` renders `${VAR}`); `$VAR` without braces is left alone;
 * - an unknown variable is the empty string (Flux's non-strict default: the StrictPostBuildSubstitutions
 *   feature gate is opt-in, kustomize-controller internal/features/features.go). `unset` collects the
 *   unknown ones that have no default — those strict mode fails on ("variable not set (strict mode)":
 *   the mapping of kustomize_varsub.go varSubstitution reports them missing, a default form supplies one).
 * A `${` that does not parse (no closing brace, a bad name or operator) throws SubstitutionError, as
 * Flux fails. Values have their newlines removed, as Flux does.
 */
export function substituteText(text: string, vars: Record<string, string>, unset?: Set<string>, budget: SubstitutionBudget = { chars: defaultBudgetChars }): string {
  const values = new Map(Object.entries(vars).map(([k, v]) => [k, v.replace(/\n/g, '')]));
  return new Expander(text, values, unset, budget).top();
}

/**
 * What substitution may write, in characters, shared by every object of one render (the caller passes one
 * budget per render): this runs in bosun's process, and a few `${B}` of a 1 MiB value in each of thousands
 * of objects, or one `${A//a/${B}}`, would otherwise build gigabytes from a small pull request. kube-apiserver
 * takes no object over 3 MiB anyway. Nesting is bounded too (each level is a frame of bosun's stack).
 */
export interface SubstitutionBudget {
  chars: number;
}

const defaultBudgetChars = 64 * 1024 * 1024;
const maxNesting = 200;

const identChar = /[\p{L}\p{Nd}_]/u;

class Expander {
  private i = 0;
  private start = 0;
  private readonly s: string;
  private readonly vars: Map<string, string>;
  private readonly unset: Set<string> | undefined;
  private readonly budget: SubstitutionBudget;
  private readonly limit: number;
  private depth = 0;
  constructor(s: string, vars: Map<string, string>, unset: Set<string> | undefined, budget: SubstitutionBudget) {
    this.s = s;
    this.vars = vars;
    this.unset = unset;
    this.budget = budget;
    this.limit = budget.chars;
  }

  top(): string {
    let out = '';
    const { s } = this;
    let plain = 0;
    while (this.i < s.length) {
      if (s[this.i] === '$' && s[this.i + 1] === '{') {
        this.start = this.i;
        this.i += 2;
        const value = this.func();
        this.spend(value.length);
        out += value;
      } else if (s[this.i] === '$' && s[this.i + 1] === '$') {
        out += '$';
        this.i += 2;
        plain++;
      } else {
        out += s[this.i++];
        plain++;
      }
    }
    this.spend(plain);
    return out;
  }

  /** Charges `chars` to the render's budget; fails once it is spent. */
  private spend(chars: number): void {
    this.budget.chars -= chars;
    if (this.budget.chars < 0) this.fail(`the substituted text grows to more than ${formatMiB(this.limit)} (the budget of one render's substitutions)`);
  }

  /** Fails before a string of `chars` is built when it would not fit what is left of the budget. */
  private fits(chars: number): void {
    if (chars > this.budget.chars) this.fail(`the substituted text grows to more than ${formatMiB(this.limit)} (the budget of one render's substitutions)`);
  }

  private fail(reason: string): never {
    const end = this.s.indexOf('}', this.start);
    const shown = this.s.slice(this.start, end >= 0 && end - this.start < 80 ? end + 1 : Math.min(this.s.length, this.start + 40));
    throw new SubstitutionError(reason, shown.replace(/\n/g, '\\n'));
  }

  private value(name: string): string {
    return this.vars.get(name) ?? '';
  }

  /** A variable read without a default: noted when it has no value. */
  private required(name: string): void {
    if (!this.vars.has(name)) this.unset?.add(name);
  }

  private readIdent(): string {
    let name = '';
    while (this.i < this.s.length && identChar.test(this.s[this.i])) name += this.s[this.i++];
    return name;
  }

  private closeBrace(): void {
    if (this.s[this.i] !== '}') this.fail('bad substitution');
    this.i++;
  }

  /** After `${`: one expression, up to and including its `}`. */
  private func(): string {
    if (++this.depth > maxNesting) this.fail(`\${…} nested more than ${maxNesting} levels`);
    try {
      return this.expression();
    } finally {
      this.depth--;
    }
  }

  private expression(): string {
    const { s } = this;
    if (s[this.i] === '#') {
      this.i++;
      const name = this.readIdent();
      if (!name) this.fail('bad substitution');
      this.closeBrace();
      this.required(name);
      return String(new TextEncoder().encode(this.value(name)).length);
    }
    const name = this.readIdent();
    if (!name) this.fail('unable to parse variable name');
    const value = this.value(name);
    const c = s[this.i];
    if (c === ':' && '=-?+'.includes(s[this.i + 1] ?? '\0')) {
      this.i += 2;
      return this.defaultArgs(value);
    }
    if (c === '=') {
      this.i += 1;
      return this.defaultArgs(value);
    }
    this.required(name);
    if (c === ':') {
      this.i += 1;
      return this.substring(value);
    }
    if (c === ',' || c === '^') {
      let op = '';
      while (op.length < 2 && (s[this.i] === ',' || s[this.i] === '^')) op += s[this.i++];
      this.closeBrace();
      switch (op) {
        case ',': return value.charAt(0).toLowerCase() + value.slice(1);
        case ',,': return value.toLowerCase();
        case '^': return value.charAt(0).toUpperCase() + value.slice(1);
        case '^^': return value.toUpperCase();
        default: return value;
      }
    }
    if (c === '#' || c === '%') {
      const op = s[this.i + 1] === c ? c + c : c;
      this.i += op.length;
      const pattern = this.param((ch) => ch !== '}', false);
      this.closeBrace();
      return trim(value, pattern, op);
    }
    if (c === '/') return this.replace(value);
    if (c !== '}') this.fail('missing closing brace');
    this.i++;
    return value;
  }

  /** `toDefault`: the value, else the arguments up to the closing brace joined. */
  private defaultArgs(value: string): string {
    let dflt = '';
    while (this.s[this.i] !== '}') {
      const part = this.param((ch) => ch !== '}', false);
      this.fits(dflt.length + part.length);
      dflt += part;
    }
    this.i++;
    return value !== '' ? value : dflt;
  }

  private substring(value: string): string {
    const offset = this.param((ch) => ch !== ':' && ch !== '}', false);
    if (this.s[this.i] === '}') {
      this.i++;
      return substr(value, offset);
    }
    if (this.s[this.i] !== ':') this.fail('bad substitution');
    while (this.s[this.i] === ':') this.i++;
    const length = this.param((ch) => ch !== '}', false);
    this.closeBrace();
    return substr(value, offset, length);
  }

  private replace(value: string): string {
    const { s } = this;
    this.i++;
    let op = '/';
    if (s[this.i] === '/' || s[this.i] === '#' || s[this.i] === '%') op += s[this.i++];
    const old = s[this.i] === '/' ? '' : this.param((ch) => ch !== '/', true);
    if (s[this.i] !== '/') this.fail('bad substitution');
    while (s[this.i] === '/') this.i++;
    if (s[this.i] === '}') {
      this.i++;
      // One argument: `/` and `//` delete the match; `/#` and `/%` leave the value as it is.
      if (op === '/') return goReplace(value, old, '', 1);
      if (op === '//') return goReplace(value, old, '', -1);
      return value;
    }
    const neu = this.param((ch) => ch !== '}', true);
    this.closeBrace();
    if (neu.length > old.length) this.fits(value.length + (old === '' ? value.length + 1 : value.split(old).length - 1) * (neu.length - old.length));
    switch (op) {
      case '/': return goReplace(value, old, neu, 1);
      case '//': return goReplace(value, old, neu, -1);
      case '/#': return value.startsWith(old) ? goReplace(value, old, neu, 1) : value;
      default: return value.endsWith(old) ? value.slice(0, value.length - old.length) + neu : value;
    }
  }

  /**
   * One argument token (parseParam): a nested `${…}`, or text up to a character `accept` refuses or a `${`.
   * With `escapes`, `$$`, `\/` and `\\` keep the second character whatever it is.
   */
  private param(accept: (ch: string) => boolean, escapes: boolean): string {
    const { s } = this;
    if (s[this.i] === '$' && s[this.i + 1] === '{') {
      this.i += 2;
      return this.func();
    }
    let text = '';
    while (this.i < s.length) {
      const ch = s[this.i];
      if (ch === '$' && s[this.i + 1] === '{') break;
      if (escapes && ((ch === '$' && s[this.i + 1] === '$') || (ch === '\\' && (s[this.i + 1] === '/' || s[this.i + 1] === '\\')))) {
        text += s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (!accept(ch)) break;
      text += ch;
      this.i++;
    }
    if (text === '') this.fail('unable to parse substitution within function');
    return text;
  }
}

function formatMiB(chars: number): string {
  return `${Math.round((chars / (1024 * 1024)) * 10) / 10} MiB`;
}

/** Go's strconv.Atoi: an optional sign and decimal digits, nothing else. */
function atoi(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/** fluxcd/pkg/envsubst toSubstr: a position that does not parse returns the value; negatives count from the end. */
function substr(value: string, offset: string, length?: string): string {
  let pos = atoi(offset);
  if (pos === undefined) return value;
  if (pos < 0) pos = Math.max(0, value.length + pos);
  if (length === undefined) return pos < value.length ? value.slice(pos) : '';
  const len = atoi(length);
  if (len === undefined) return value;
  if (len < 0) {
    const end = value.length + len;
    return end < pos ? '' : value.slice(pos, end);
  }
  return pos < value.length ? value.slice(pos, pos + len) : '';
}

/** Go's strings.Replace (n < 0: every match); an empty `old` matches before every character and at the end. */
function goReplace(value: string, old: string, neu: string, n: number): string {
  if (old === '') {
    const chars = [...value];
    let out = '';
    let done = 0;
    for (let k = 0; k <= chars.length; k++) {
      if (n < 0 || done < n) {
        out += neu;
        done++;
      }
      if (k < chars.length) out += chars[k];
    }
    return out;
  }
  if (n < 0) return value.split(old).join(neu);
  const at = value.indexOf(old);
  return at < 0 ? value : value.slice(0, at) + neu + value.slice(at + old.length);
}

/** `#`/`##` (prefix) and `%`/`%%` (suffix, by reversing value and pattern as envsubst does) with Go path.Match globs. */
function trim(value: string, pattern: string, op: string): string {
  const reverse = (t: string) => [...t].reverse().join('');
  const suffix = op.startsWith('%');
  const subject = suffix ? reverse(value) : value;
  const re = globRegExp(suffix ? reverse(pattern) : pattern);
  if (!re) return value;
  let cut: string | undefined;
  for (let k = 0; k < subject.length; k++) {
    const candidate = subject.slice(0, subject.length - k);
    if (!re.test(candidate)) continue;
    cut = candidate;
    if (op.length === 2) break; // longest: the first match from the longest candidate
  }
  const out = cut ? subject.slice(cut.length) : subject;
  return suffix ? reverse(out) : out;
}

/** Go's path.Match as a regular expression (`*`, `?` never match `/`; `[…]` classes, `^` negating); undefined for a bad pattern. */
function globRegExp(pattern: string): RegExp | undefined {
  let re = '';
  for (let k = 0; k < pattern.length; k++) {
    const ch = pattern[k];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\') {
      if (k + 1 >= pattern.length) return undefined;
      re += escapeRe(pattern[++k]);
    } else if (ch === '[') {
      const end = pattern.indexOf(']', k + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(k + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      k = end;
    } else re += escapeRe(ch);
  }
  try {
    return new RegExp(`^${re}$`, 's');
  } catch {
    return undefined;
  }
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
