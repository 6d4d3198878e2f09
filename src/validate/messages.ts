import type { ErrorObject } from 'ajv';
import { scrub } from '../util/scrub.ts';

/** A schema problem inside one object: JSON pointer and a message that says what is wrong. */
export interface SchemaProblem {
  path: string;
  message: string;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function expected(types: unknown): string {
  const list = (Array.isArray(types) ? types : [types]).filter((t) => t !== 'null').map(String);
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** Quotes a value for a message; only ever used for values the schema restricts to a known set. */
function quote(value: unknown): string {
  const text = scrub(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** Levenshtein distance, case-insensitive. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The closest known property name, when the unknown one looks like a typo of it. */
function suggestion(unknown: string, parentSchema: unknown): string | undefined {
  const props = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!props) return undefined;
  let best: string | undefined;
  let bestScore = Infinity;
  // A truncated name (storageClass for storageClassName) is as likely a slip as a misspelling.
  if (unknown.length >= 4) {
    const longer = Object.keys(props).filter((name) => name.startsWith(unknown));
    if (longer.length === 1) return longer[0];
  }
  for (const name of Object.keys(props)) {
    const d = distance(unknown, name);
    if (d < bestScore) {
      best = name;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= Math.max(1, Math.floor(unknown.length / 4)) ? best : undefined;
}

const formatHelp: Record<string, string> = {
  byte: 'not valid base64',
  'date-time': 'not an RFC 3339 date-time (e.g. 2024-01-31T12:00:00Z)',
  date: 'not a date (YYYY-MM-DD)',
  int32: 'out of range for a 32-bit integer',
  int64: 'out of range for a 64-bit integer',
};

/**
 * Turns ajv errors (allErrors + verbose) into one message per problem, naming the field. Values are
 * echoed only where the schema restricts them to a known set (enums), never free-form values, which may
 * be secrets. Errors inside anyOf/oneOf branches are folded into the combinator's own message.
 */
export function describeErrors(errors: readonly ErrorObject[]): SchemaProblem[] {
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  // A value of the wrong type also fails its enum or pattern; the type is the one thing to report.
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (combinators.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`) && e.instancePath.startsWith(c.instancePath))) continue;
    if (e.keyword !== 'type' && e.keyword !== 'required' && e.keyword !== 'additionalProperties' && wrongType.has(e.instancePath)) continue;
    const p = e.params as Record<string, unknown>;
    let path = e.instancePath;
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const field = String(p.additionalProperty);
        path = `${path}/${escapePointer(field)}`;
        const near = suggestion(field, e.parentSchema);
        message = `unknown field ${JSON.stringify(field)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`;
        break;
      }
      case 'required':
        message = `missing required field ${JSON.stringify(String(p.missingProperty))}`;
        break;
      case 'type':
        message = `expected ${expected(p.type)}, got ${typeName(e.data)}`;
        break;
      case 'enum': {
        const allowed = (p.allowedValues as unknown[]).filter((v) => v !== null).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
        message = `unsupported value ${quote(e.data)}; allowed: ${allowed.map((v) => (v === '' ? '""' : v)).join(', ')}`;
        break;
      }
      case 'const':
        message = `must be ${quote(p.allowedValue)}`;
        break;
      case 'format':
        message = formatHelp[String(p.format)] ?? `not a valid ${String(p.format)}`;
        break;
      case 'pattern':
        message = `does not match the required pattern ${String(p.pattern)}`;
        break;
      case 'anyOf':
      case 'oneOf':
        message = e.keyword === 'oneOf' && Array.isArray(p.passingSchemas)
          ? 'matches more than one of the allowed forms; it must match exactly one'
          : 'does not match any of the allowed forms';
        break;
      default:
        message = e.message ?? `fails ${e.keyword}`;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}
