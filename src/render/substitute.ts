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
 * Bash-style variable expansion as Flux's kustomize-controller does it after the build (drone/envsubst):
 * `${VAR}`; `${VAR:=default}`, `${VAR=default}`, `${VAR:-default}` (an unset or empty variable takes the
 * default, which may itself contain `${...}`); `${#VAR}`; case changes `^ ^^ , ,,`; `${VAR:offset[:length]}`.
 * `$$` is a literal `$` (so `$${VAR}` renders `${VAR}`); `$VAR` without braces is left alone; an unknown
 * variable without default becomes the empty string. Values have their newlines removed, as Flux does.
 */
export function substituteText(text: string, vars: Record<string, string>): string {
  const values = new Map(Object.entries(vars).map(([k, v]) => [k, v.replace(/\n/g, '')]));
  return expand(text, values);
}

function expand(text: string, vars: Map<string, string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      i++;
      continue;
    }
    const end = matchingBrace(text, i + 2);
    if (end < 0) {
      out += text.slice(i);
      break;
    }
    out += evaluate(text.slice(i + 2, end), vars) ?? text.slice(i, end + 1);
    i = end + 1;
  }
  return out;
}

/** Index of the `}` closing an expression that starts at `from`, honouring nested `${...}`. */
function matchingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** undefined = an expression form we do not model; the caller leaves the text as written. */
function evaluate(expr: string, vars: Map<string, string>): string | undefined {
  if (expr.startsWith('#')) {
    const name = expr.slice(1);
    return /^[\w-]+$/.test(name) ? String((vars.get(name) ?? '').length) : undefined;
  }
  // drone/envsubst accepts '-' inside names, which is why `${VAR-default}` is a variable called "VAR-default".
  const m = /^([\w-]+)(.*)$/s.exec(expr);
  if (!m) return undefined;
  const [, name, rest] = m;
  const value = vars.get(name) ?? '';
  if (rest === '') return value;
  const dflt = /^(:=|:-|=)(.*)$/s.exec(rest);
  if (dflt) return value !== '' ? value : expand(dflt[2], vars);
  switch (rest) {
    case '^^': return value.toUpperCase();
    case ',,': return value.toLowerCase();
    case '^': return value.charAt(0).toUpperCase() + value.slice(1);
    case ',': return value.charAt(0).toLowerCase() + value.slice(1);
  }
  const sub = /^:(\d+)(?::(\d+))?$/.exec(rest);
  if (sub) {
    const start = Number(sub[1]);
    return sub[2] === undefined ? value.slice(start) : value.slice(start, start + Number(sub[2]));
  }
  return undefined;
}
