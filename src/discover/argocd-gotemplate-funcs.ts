/**
 * The functions of ApplicationSet Go templates: text/template's builtins and the sprig functions Argo CD
 * registers (sprig.GenericFuncMap minus env, expandenv, getHostByName; plus normalize, toYaml, fromYaml,
 * fromYamlArray, tpl — applicationset/utils/template_functions.go). bosun implements the ones
 * ApplicationSet templates use in practice; any other sprig function is refused by name
 * ("sprig function X is not supported by bosun"), never silently rendered empty.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml, stringify as toYamlText } from 'yaml';
import { linearOnly } from '../util/repo-regexp.ts';

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface FuncContext {
  render(template: string, data: unknown): string;
}

type Fn = (args: unknown[], ctx: FuncContext) => unknown;

/**
 * Bounds on what one ApplicationSet template may build. Argo CD's controller has none (a template runs in
 * its own pod), but bosun evaluates pull-request templates in the worker's process, beside other jobs:
 * `{{ until 100000000 }}`, `{{ repeat 1000000000 "x" }}` or a `replace` that doubles a string a few times
 * would take the worker's memory, nested `range`s its CPU. No real Application comes near these.
 */
export const templateLimits = {
  /** Characters one templated string, or any string a function returns, may have. */
  chars: 1024 * 1024,
  /** Elements of a list a function returns (`until`, `splitList`…) or a `range` over an integer. */
  items: 100_000,
  /** Range iterations and function calls of one template string. */
  steps: 1_000_000,
};

/** Refuses a size past one of templateLimits before anything that large is built. */
export function withinLimit(what: string, size: number, limit: number, unit: string): void {
  if (size > limit) throw new TemplateError(`${what} would make ${size > 1e12 ? 'more than 10^12' : size} ${unit}, more than the ${limit} bosun evaluates in an ApplicationSet template`);
}

function checkResult(name: string, value: unknown): unknown {
  if (typeof value === 'string') withinLimit(name, value.length, templateLimits.chars, 'characters');
  else if (Array.isArray(value)) withinLimit(name, value.length, templateLimits.items, 'elements');
  return value;
}

/** Go's `%v` (print) of a template value; `top`: a missing value prints `<no value>`. */
export function goPrint(v: unknown, top: boolean): string {
  if (v === undefined) return top ? '<no value>' : '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goPrint(x, false)).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrint((v as Record<string, unknown>)[k], false)}`).join(' ')}]`;
  return String(v);
}

function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // float64 %v is %g with the shortest representation: exponent form from 1e21 and below 1e-4.
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e21 || abs < 1e-4)) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(n);
}

/** text/template truth: false, 0, nil, empty string / slice / map are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return goPrint(v, false);
}

function num(v: unknown, fn: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isNaN(n) || v.trim() === '' ? 0 : n;
  }
  if (v === undefined || v === null) return 0;
  throw new TemplateError(`${fn}: cannot convert ${goPrint(v, false)} to a number`);
}

function int(v: unknown, fn: string): number {
  return Math.trunc(num(v, fn));
}

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  throw new TemplateError(`cannot use ${goPrint(v, false)} as a list`);
}

function dictOf(v: unknown, fn: string): Record<string, unknown> {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new TemplateError(`${fn}: expects a map, got ${goPrint(v, false)}`);
}

function arity(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) throw new TemplateError(`wrong number of args for ${name}: want ${min === max ? min : `${min}-${max}`} got ${args.length}`);
}

function basicEq(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a !== typeof b && a !== undefined && b !== undefined && a !== null && b !== null) throw new TemplateError(`incompatible types for comparison: ${goPrint(a, false)} and ${goPrint(b, false)}`);
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'object') throw new TemplateError('non-comparable type in eq');
  return a === b;
}

function compare(a: unknown, b: unknown, fn: string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`${fn}: incompatible types for comparison`);
}

function deepMerge(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean): Record<string, unknown> {
  for (const [k, v] of Object.entries(src)) {
    const cur = dst[k];
    if (cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v)) deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>, overwrite);
    else if (!(k in dst) || overwrite || !isTrue(cur)) dst[k] = structuredClone(v);
  }
  return dst;
}

const toCase = (words: (s: string) => string[]) => words;
const wordsOf = (s: string): string[] => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[^A-Za-z0-9]+/).filter(Boolean);

/** Argo CD's `normalize` (SanitizeName): lower case, invalid DNS characters → '-', at most 253, trimmed of - and . */
export function sanitizeName(name: string): string {
  return name.toLowerCase().replace(/[^-a-z0-9.]/g, '-').slice(0, 253).replace(/^[-.]+|[-.]+$/g, '');
}

const fns: Record<string, Fn> = {
  // text/template builtins
  and: (a) => {
    if (a.length === 0) throw new TemplateError('wrong number of args for and: want at least 1 got 0');
    for (const v of a) if (!isTrue(v)) return v;
    return a[a.length - 1];
  },
  or: (a) => {
    if (a.length === 0) throw new TemplateError('wrong number of args for or: want at least 1 got 0');
    for (const v of a) if (isTrue(v)) return v;
    return a[a.length - 1];
  },
  not: (a) => (arity('not', a, 1), !isTrue(a[0])),
  len: (a) => {
    arity('len', a, 1);
    const v = a[0];
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new TemplateError(`len of ${goPrint(v, false)}`);
  },
  index: (a) => {
    let v = a[0];
    for (const k of a.slice(1)) {
      if (Array.isArray(v)) {
        const i = int(k, 'index');
        if (i < 0 || i >= v.length) throw new TemplateError(`error calling index: index out of range: ${i}`);
        v = v[i];
      } else if (v && typeof v === 'object') v = (v as Record<string, unknown>)[str(k)];
      else if (v === undefined || v === null) throw new TemplateError('error calling index: index of untyped nil');
      else throw new TemplateError(`error calling index: can't index item of type ${typeof v}`);
    }
    return v;
  },
  slice: (a) => {
    const v = a[0];
    const [from, to] = [a[1] === undefined ? 0 : int(a[1], 'slice'), a[2] === undefined ? undefined : int(a[2], 'slice')];
    if (typeof v === 'string' || Array.isArray(v)) return v.slice(from, to);
    throw new TemplateError('error calling slice: can\'t slice item');
  },
  print: (a) => a.map((v, i) => (i > 0 && typeof v !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + str(v)).join(''),
  println: (a) => `${a.map(str).join(' ')}\n`,
  printf: (a) => goSprintf(str(a[0]), a.slice(1)),
  eq: (a) => {
    if (a.length < 2) throw new TemplateError('missing argument for comparison');
    return a.slice(1).some((b) => basicEq(a[0], b));
  },
  ne: (a) => (arity('ne', a, 2), !basicEq(a[0], a[1])),
  lt: (a) => (arity('lt', a, 2), compare(a[0], a[1], 'lt') < 0),
  le: (a) => (arity('le', a, 2), compare(a[0], a[1], 'le') <= 0),
  gt: (a) => (arity('gt', a, 2), compare(a[0], a[1], 'gt') > 0),
  ge: (a) => (arity('ge', a, 2), compare(a[0], a[1], 'ge') >= 0),
  urlquery: (a) => encodeURIComponent(a.map(str).join('')).replace(/%20/g, '+'),
  html: (a) => a.map(str).join('').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!),
  js: (a) => a.map(str).join('').replace(/[\\'"<>&=]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`),

  // Argo CD's own
  normalize: (a) => sanitizeName(str(a[0])),
  toYaml: (a) => toYamlText(a[0] ?? null).replace(/\n$/, ''),
  fromYaml: (a) => {
    const v: unknown = parseYaml(str(a[0]));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  },
  fromYamlArray: (a) => {
    const v: unknown = parseYaml(str(a[0]));
    return Array.isArray(v) ? v : [];
  },
  tpl: (a, ctx) => ctx.render(str(a[0]), a[1]).replace(/<no value>/g, ''),

  // sprig: defaults and flow
  default: (a) => (isTrue(a[1]) ? a[1] : a[0]),
  empty: (a) => !isTrue(a[0]),
  coalesce: (a) => a.find(isTrue) ?? null,
  ternary: (a) => (isTrue(a[2]) ? a[0] : a[1]),
  fail: (a) => {
    throw new TemplateError(str(a[0]));
  },
  required: (a) => {
    if (a[1] === undefined || a[1] === null || a[1] === '') throw new TemplateError(str(a[0]));
    return a[1];
  },
  // strings
  quote: (a) => a.filter((v) => v !== undefined && v !== null).map((v) => JSON.stringify(str(v))).join(' '),
  squote: (a) => a.filter((v) => v !== undefined && v !== null).map((v) => `'${str(v)}'`).join(' '),
  upper: (a) => str(a[0]).toUpperCase(),
  lower: (a) => str(a[0]).toLowerCase(),
  title: (a) => str(a[0]).replace(/(^|[\s])(\S)/g, (_m, s: string, c: string) => s + c.toUpperCase()),
  untitle: (a) => str(a[0]).replace(/(^|[\s])(\S)/g, (_m, s: string, c: string) => s + c.toLowerCase()),
  trim: (a) => str(a[0]).trim(),
  trimAll: (a) => {
    const cut = str(a[0]);
    let s = str(a[1]);
    while (s && cut.includes(s[0])) s = s.slice(1);
    while (s && cut.includes(s[s.length - 1])) s = s.slice(0, -1);
    return s;
  },
  trimPrefix: (a) => (str(a[1]).startsWith(str(a[0])) ? str(a[1]).slice(str(a[0]).length) : str(a[1])),
  trimSuffix: (a) => (str(a[0]) && str(a[1]).endsWith(str(a[0])) ? str(a[1]).slice(0, -str(a[0]).length) : str(a[1])),
  trunc: (a) => {
    const n = int(a[0], 'trunc');
    const s = str(a[1]);
    return n >= 0 ? s.slice(0, n) : s.slice(Math.max(0, s.length + n));
  },
  substr: (a) => {
    const s = str(a[2]);
    let start = int(a[0], 'substr');
    let end = int(a[1], 'substr');
    if (start < 0) return s.slice(0, end < 0 ? undefined : end);
    if (end < 0 || end > s.length) end = s.length;
    if (start > end) start = end;
    return s.slice(start, end);
  },
  replace: (a) => str(a[2]).split(str(a[0])).join(str(a[1])),
  contains: (a) => str(a[1]).includes(str(a[0])),
  hasPrefix: (a) => str(a[1]).startsWith(str(a[0])),
  hasSuffix: (a) => str(a[1]).endsWith(str(a[0])),
  repeat: (a) => {
    const n = Math.max(0, int(a[0], 'repeat'));
    withinLimit('repeat', n * str(a[1]).length, templateLimits.chars, 'characters');
    return str(a[1]).repeat(n);
  },
  nospace: (a) => str(a[0]).replace(/\s+/g, ''),
  indent: (a) => indented(a, 'indent'),
  nindent: (a) => `\n${indented(a, 'nindent')}`,
  cat: (a) => a.filter((v) => v !== undefined && v !== null).map(str).join(' '),
  kebabcase: (a) => toCase(wordsOf)(str(a[0])).map((w) => w.toLowerCase()).join('-'),
  snakecase: (a) => wordsOf(str(a[0])).map((w) => w.toLowerCase()).join('_'),
  camelcase: (a) => wordsOf(str(a[0])).map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join(''),
  split: (a) => Object.fromEntries(str(a[1]).split(str(a[0])).map((p, i) => [`_${i}`, p])),
  splitList: (a) => str(a[1]).split(str(a[0])),
  splitn: (a) => {
    const parts = str(a[2]).split(str(a[0]));
    const n = int(a[1], 'splitn');
    const out = n > 0 && parts.length > n ? [...parts.slice(0, n - 1), parts.slice(n - 1).join(str(a[0]))] : parts;
    return Object.fromEntries(out.map((p, i) => [`_${i}`, p]));
  },
  join: (a) => list(a[1]).map(str).join(str(a[0])),
  toString: (a: unknown[]) => str(a[0]),
  toStrings: (a) => list(a[0]).map(str),
  toJson: (a) => JSON.stringify(a[0] ?? null),
  mustToJson: (a) => JSON.stringify(a[0] ?? null),
  toRawJson: (a) => JSON.stringify(a[0] ?? null),
  toPrettyJson: (a) => JSON.stringify(a[0] ?? null, null, 2),
  fromJson: (a) => {
    try {
      return JSON.parse(str(a[0])) as unknown;
    } catch {
      return {};
    }
  },
  b64enc: (a) => Buffer.from(str(a[0])).toString('base64'),
  b64dec: (a) => Buffer.from(str(a[0]), 'base64').toString('utf8'),
  sha1sum: (a) => createHash('sha1').update(str(a[0])).digest('hex'),
  sha256sum: (a) => createHash('sha256').update(str(a[0])).digest('hex'),
  regexMatch: (a) => linearOnly(str(a[0])).test(str(a[1])),
  regexFind: (a) => linearOnly(str(a[0])).exec(str(a[1]))?.[0] ?? '',
  regexFindAll: (a) => [...str(a[1]).matchAll(linearOnly(str(a[0]), 'g'))].map((m) => m[0]).slice(0, int(a[2], 'regexFindAll') < 0 ? undefined : int(a[2], 'regexFindAll')),
  regexReplaceAll: (a) => str(a[1]).replace(linearOnly(str(a[0]), 'g'), str(a[2]).replace(/\$\{?(\d+)\}?/g, '$$$1')),
  regexReplaceAllLiteral: (a) => str(a[1]).replace(linearOnly(str(a[0]), 'g'), () => str(a[2])),
  regexSplit: (a) => {
    const parts = str(a[1]).split(linearOnly(str(a[0])));
    const n = int(a[2], 'regexSplit');
    return n < 0 ? parts : parts.slice(0, n);
  },
  // numbers
  add: (a) => a.reduce<number>((s, v) => s + int(v, 'add'), 0),
  add1: (a) => int(a[0], 'add1') + 1,
  sub: (a) => int(a[0], 'sub') - int(a[1], 'sub'),
  mul: (a) => a.reduce<number>((s, v) => s * int(v, 'mul'), 1),
  div: (a) => {
    const d = int(a[1], 'div');
    if (d === 0) throw new TemplateError('error calling div: integer divide by zero');
    return Math.trunc(int(a[0], 'div') / d);
  },
  mod: (a) => int(a[0], 'mod') % int(a[1], 'mod'),
  max: (a) => Math.max(...a.map((v) => int(v, 'max'))),
  min: (a) => Math.min(...a.map((v) => int(v, 'min'))),
  int: (a) => int(a[0], 'int'),
  int64: (a) => int(a[0], 'int64'),
  float64: (a) => num(a[0], 'float64'),
  atoi: (a) => {
    const n = Number.parseInt(str(a[0]), 10);
    return Number.isNaN(n) || !/^[-+]?\d+$/.test(str(a[0]).trim()) ? 0 : n;
  },
  until: (a) => {
    const n = Math.max(0, int(a[0], 'until'));
    withinLimit('until', n, templateLimits.items, 'elements');
    return Array.from({ length: n }, (_, i) => i);
  },
  // lists
  list: (a) => [...a],
  first: (a) => list(a[0])[0] ?? null,
  last: (a) => list(a[0]).at(-1) ?? null,
  rest: (a) => list(a[0]).slice(1),
  initial: (a) => list(a[0]).slice(0, -1),
  append: (a) => [...list(a[0]), a[1]],
  prepend: (a) => [a[1], ...list(a[0])],
  concat: (a) => a.flatMap((v) => list(v)),
  reverse: (a) => [...list(a[0])].reverse(),
  uniq: (a) => list(a[0]).filter((v, i, all) => all.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) === i),
  compact: (a) => list(a[0]).filter(isTrue),
  has: (a) => list(a[1]).some((v) => JSON.stringify(v) === JSON.stringify(a[0])),
  without: (a) => list(a[0]).filter((v) => !a.slice(1).some((w) => JSON.stringify(w) === JSON.stringify(v))),
  sortAlpha: (a) => list(a[0]).map(str).sort(),
  // dicts
  dict: (a) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < a.length; i += 2) out[str(a[i])] = a[i + 1] ?? '';
    return out;
  },
  get: (a) => dictOf(a[0], 'get')[str(a[1])] ?? '',
  set: (a) => {
    dictOf(a[0], 'set')[str(a[1])] = a[2];
    return a[0];
  },
  unset: (a) => {
    delete dictOf(a[0], 'unset')[str(a[1])];
    return a[0];
  },
  hasKey: (a) => Object.hasOwn(dictOf(a[0], 'hasKey'), str(a[1])),
  keys: (a) => a.flatMap((d) => Object.keys(dictOf(d, 'keys'))),
  values: (a) => Object.values(dictOf(a[0], 'values')),
  pick: (a) => Object.fromEntries(Object.entries(dictOf(a[0], 'pick')).filter(([k]) => a.slice(1).map(str).includes(k))),
  omit: (a) => Object.fromEntries(Object.entries(dictOf(a[0], 'omit')).filter(([k]) => !a.slice(1).map(str).includes(k))),
  merge: (a) => a.slice(1).reduce<Record<string, unknown>>((d, s) => deepMerge(d, dictOf(s, 'merge'), false), dictOf(a[0], 'merge')),
  mergeOverwrite: (a) => a.slice(1).reduce<Record<string, unknown>>((d, s) => deepMerge(d, dictOf(s, 'mergeOverwrite'), true), dictOf(a[0], 'mergeOverwrite')),
  deepCopy: (a) => structuredClone(a[0]),
  dig: (a) => {
    const keys = a.slice(0, -2).map(str);
    let v: unknown = a[a.length - 1];
    for (const k of keys) {
      if (!v || typeof v !== 'object' || !(k in (v as object))) return a[a.length - 2];
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  },
  // types
  kindIs: (a) => kindOf(a[1]) === str(a[0]),
  kindOf: (a) => kindOf(a[0]),
  typeOf: (a) => kindOf(a[0]),
};

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'slice';
  if (v === null || v === undefined) return 'invalid';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

/** Sprig functions Argo CD registers that bosun does not implement: named in the error, not "undefined". */
const otherSprig = new Set(('abbrev abbrevboth adler32sum ago all any b32dec b32enc bcrypt biggest buildCustomCert camelcase chunk ' +
  'date dateInZone dateModify date_in_zone date_modify decryptAES derivePassword duration durationRound encryptAES floor ceil round ' +
  'genCA genCAWithKey genPrivateKey genSelfSignedCert genSelfSignedCertWithKey genSignedCert genSignedCertWithKey getHostByName ' +
  'htmlDate htmlDateInZone htpasswd initials isAbs base dir clean ext osBase osClean osDir osExt osIsAbs mustAppend mustChunk mustCompact ' +
  'mustDateModify mustDeepCopy mustFirst mustFromJson mustHas mustInitial mustLast mustMerge mustMergeOverwrite mustPrepend mustPush ' +
  'mustRegexFind mustRegexFindAll mustRegexMatch mustRegexReplaceAll mustRegexReplaceAllLiteral mustRegexSplit mustRest mustReverse ' +
  'mustSlice mustToDate mustToPrettyJson mustToRawJson mustUniq mustWithout now pluck plural push quote randAlpha randAlphaNum ' +
  'randAscii randBytes randInt randNumeric semver semverCompare seq sha512sum shuffle snakecase sortAlpha swapcase toDate toDecimal ' +
  'typeIs typeIsLike unixEpoch urlJoin urlParse uuidv4 wrap wrapWith addf add1f subf mulf divf maxf minf').split(/\s+/));

function indented(a: unknown[], name: string): string {
  const n = Math.max(0, int(a[0], name));
  const lines = str(a[1]).split('\n');
  withinLimit(name, n * lines.length + str(a[1]).length, templateLimits.chars, 'characters');
  return lines.map((l: string) => ' '.repeat(n) + l).join('\n');
}

export function callFunction(name: string, args: unknown[], ctx: FuncContext): unknown {
  const fn = Object.hasOwn(fns, name) ? fns[name] : undefined;
  if (fn) {
    try {
      return checkResult(name, fn(args, ctx));
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      throw new TemplateError(`error calling ${name}: ${(e as Error).message}`);
    }
  }
  if (name === 'env' || name === 'expandenv') throw new TemplateError(`function "${name}" not defined (Argo CD removes it from ApplicationSet templates)`);
  if (otherSprig.has(name)) throw new TemplateError(`sprig function "${name}" is not supported by bosun's ApplicationSet template rendering (README: Argo CD → ApplicationSets lists the supported ones)`);
  throw new TemplateError(`function "${name}" not defined`);
}

/** The names bosun implements, for the docs. */
export const supportedFunctions = Object.keys(fns).sort();

/** Go's fmt.Sprintf for the verbs templates use: %s %v %d %q %t %f %x %%. */
function goSprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([svdqtfxX%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const v = args[i++];
    let out: string;
    switch (verb) {
      case 'd':
        out = typeof v === 'number' ? String(Math.trunc(v)) : `%!d(${goPrint(v, false)})`;
        break;
      case 'q':
        out = JSON.stringify(str(v));
        break;
      case 'f':
        out = num(v, 'printf').toFixed(prec === undefined ? 6 : Number(prec));
        break;
      case 'x':
      case 'X':
        out = typeof v === 'number' ? v.toString(16) : Buffer.from(str(v)).toString('hex');
        if (verb === 'X') out = out.toUpperCase();
        break;
      default:
        out = goPrint(v, false);
    }
    if (width) {
      const w = Number(width);
      out = flags.includes('-') ? out.padEnd(w) : out.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ');
    }
    return out;
  });
}
