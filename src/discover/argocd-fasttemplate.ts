import { renderGoTemplate, TemplateError } from './argocd-gotemplate.ts';
import { isRecord } from './object-fields.ts';

/**
 * ApplicationSet templating of one value (Argo CD applicationset/utils Render.Replace), string by string
 * through the whole template object:
 * - default (fasttemplate): `{{ key }}` (spaces trimmed) is replaced by the flat parameter `key` when it
 *   is a string parameter; any other `{{…}}` stays as written.
 * - `goTemplate: true`: each string is a Go text/template executed with the nested parameters.
 */
export interface TemplateMode {
  goTemplate: boolean;
  missingKeyError: boolean;
}

export function fastTemplate(text: string, params: Record<string, unknown>): string {
  if (!text.includes('{{')) return text;
  let out = '';
  let i = 0;
  for (;;) {
    const open = text.indexOf('{{', i);
    if (open < 0) return out + text.slice(i);
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return out + text.slice(i);
    out += text.slice(i, open);
    const tag = text.slice(open + 2, close);
    const value = params[tag.trim()];
    out += tag.trim() !== '' && typeof value === 'string' ? value : `{{${tag}}}`;
    i = close + 2;
  }
}

/** Every string in `value` (keys stay as written, as Argo CD's deeplyReplace leaves map keys alone) templated. */
export function templateValue(value: unknown, params: Record<string, unknown>, mode: TemplateMode, path = ''): unknown {
  if (typeof value === 'string') {
    if (!mode.goTemplate) return fastTemplate(value, params);
    try {
      return renderGoTemplate(value, params, { missingKeyError: mode.missingKeyError });
    } catch (e) {
      if (e instanceof TemplateError) throw new TemplateError(`${path || 'template'}: ${e.message}`);
      throw e;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => templateValue(v, params, mode, `${path}[${i}]`));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = templateValue(v, params, mode, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

/**
 * Parameters flattened to `a.b.c` keys with string values (fmt `%v`, goFlatText), as Argo CD flattens git
 * files generator content for fasttemplate (flatten.DotStyle: list items as `key.0`; an empty object or list
 * gives no key).
 */
export function flattenParams(value: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isRecord(v)) flattenParams(v, key, out);
    else if (Array.isArray(v)) v.forEach((item, i) => (isRecord(item) ? flattenParams(item, `${key}.${i}`, out) : (out[`${key}.${i}`] = scalarText(item))));
    else out[key] = scalarText(v);
  }
  return out;
}

/**
 * fmt.Sprintf("%v", v) of what encoding/json (or sigs.k8s.io/yaml, through JSON) decoded: a JSON null is
 * `<nil>`, every number a float64, which %v writes as %g with the shortest digits — in exponent form from
 * 1e6 on and below 1e-4 (strconv ftoa: "if precision was the shortest possible, use precision 6"), so a
 * `"size": 1000000` in a git files generator's file is `1e+06` in the Application Argo CD generates.
 */
export function goFlatText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return goFloat64(v);
  return typeof v === 'string' ? v : String(v);
}

function goFloat64(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const abs = Math.abs(n);
  if (abs === 0 || (abs >= 1e-4 && abs < 1e6)) return String(n);
  return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

const scalarText = goFlatText;

/** A deep merge where `over` wins (a generator's own `template` over the ApplicationSet's). */
export function mergeTemplates(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over === undefined ? base : structuredClone(over);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue; // mergo skips empty values
    out[k] = mergeTemplates(base[k], v);
  }
  return out;
}
