/**
 * Helm values as helm-controller composes them (internal/chartutil/values.go): `valuesFrom` references
 * merged in order, then `spec.values` last, with fluxcd/pkg's transform.MergeMaps (maps merge key by key,
 * anything else replaces); a reference with a `targetPath` sets one value at that path with Helm's
 * `--set` parser (strvals.ParseInto, or ParseIntoString for a quoted value).
 */

export type Values = Record<string, unknown>;

function isMap(v: unknown): v is Values {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** transform.MergeMaps: `b` over `a`, maps merged recursively. Neither input is changed. */
export function mergeMaps(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const existing = out[k];
    out[k] = isMap(v) && isMap(existing) ? mergeMaps(existing, v) : v;
  }
  return out;
}

export class TargetPathError extends Error {}

/**
 * helm-controller's ReplacePathValue: `path=value` through strvals. A value in single or double quotes is
 * set as a string with the quotes removed; otherwise it is typed as `--set` types it (true/false, null,
 * integers without a leading zero) and `{a,b}` is a list. A bare comma separates assignments in strvals,
 * so a value holding one is refused here (helm-controller would read it as more keys).
 */
export function setTargetPath(values: Values, path: string, raw: string): void {
  const quoted = (raw.startsWith("'") && raw.endsWith("'")) || (raw.startsWith('"') && raw.endsWith('"'));
  let value: unknown;
  if (quoted) value = raw.replace(/^['"]+|['"]+$/g, '');
  else if (/^\{.*\}$/s.test(raw)) value = splitUnescaped(raw.slice(1, -1)).map(typed);
  else {
    if (splitUnescaped(raw).length > 1) throw new TargetPathError(`the value for targetPath "${path}" contains a comma, which Helm's --set parser (used by helm-controller for targetPath) reads as the start of another assignment; quote the value`);
    value = typed(raw.replace(/\\,/g, ','));
  }
  const segments = parsePath(path);
  let node: unknown = values;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    const nextIsIndex = !last && typeof segments[i + 1] === 'number';
    if (typeof seg === 'number') {
      if (!Array.isArray(node)) throw new TargetPathError(`targetPath "${path}": index [${seg}] on something that is not a list`);
      if (seg > 65536) throw new TargetPathError(`targetPath "${path}": index ${seg} is too large`);
      while (node.length <= seg) node.push(null);
      if (last) node[seg] = value;
      else {
        if (nextIsIndex ? !Array.isArray(node[seg]) : !isMap(node[seg])) node[seg] = nextIsIndex ? [] : {};
        node = node[seg];
      }
      continue;
    }
    const map = node as Values;
    if (last) map[seg] = value;
    else {
      if (nextIsIndex ? !Array.isArray(map[seg]) : !isMap(map[seg])) map[seg] = nextIsIndex ? [] : {};
      node = map[seg];
    }
  }
}

/** `a.b\.c[0].d` → ['a', 'b.c', 0, 'd']. */
function parsePath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  let key = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      key += path[++i];
    } else if (c === '.') {
      if (key !== '') out.push(key);
      key = '';
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      const index = close > i ? path.slice(i + 1, close) : '';
      if (!/^\d+$/.test(index)) throw new TargetPathError(`targetPath "${path}": "[${index}" is not a list index`);
      if (key !== '') out.push(key);
      key = '';
      out.push(Number(index));
      i = close;
    } else key += c;
  }
  if (key !== '') out.push(key);
  if (out.length === 0 || typeof out[0] === 'number') throw new TargetPathError(`targetPath "${path}" does not name a key`);
  return out;
}

function splitUnescaped(text: string): string[] {
  return text.split(/(?<!\\),/);
}

/** strvals.typedVal. */
function typed(v: string): unknown {
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  if (/^null$/i.test(v)) return null;
  if (v === '0') return 0;
  if (v !== '' && v[0] !== '0' && /^[-+]?\d+$/.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  return v;
}
