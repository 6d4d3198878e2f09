import type { z } from 'zod';
import type { DataPath } from './yaml-location.ts';

/** One schema problem in user terms, before it gets a file and line. */
export interface SchemaIssue {
  path: DataPath;
  /** For unknown keys: the key itself (its line is the one to point at). */
  key?: string;
  message: string;
}

/** Turns zod issues into messages that say what is wrong and what to write instead. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], data: unknown, schema: z.ZodType): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of issues) {
    const path = issue.path as DataPath;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(schema, path);
        for (const key of issue.keys) {
          const suggestion = closest(key, allowed);
          const hint = suggestion ? `; did you mean "${suggestion}"?` : allowed.length > 0 ? `; allowed keys: ${allowed.join(', ')}` : '';
          out.push({ path, key, message: `unknown key "${key}"${hint}` });
        }
        break;
      }
      case 'invalid_type': {
        const value = valueAt(data, path);
        // A schema's own message (one that says more than the type, e.g. why to quote a version) wins.
        const custom = !issue.message.startsWith('Invalid');
        const message = value === undefined ? 'is required' : custom ? issue.message : `expected ${describeExpected(issue.expected)}, got ${describeValue(value)}`;
        out.push({ path, message });
        break;
      }
      case 'invalid_value': {
        const custom = !issue.message.startsWith('Invalid');
        out.push({ path, message: custom ? issue.message : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

function describeExpected(expected: string): string {
  if (expected === 'object') return 'a mapping (key: value)';
  if (expected === 'array') return 'a list';
  if (expected === 'record') return 'a mapping (key: value)';
  return `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

export function valueAt(data: unknown, path: DataPath): unknown {
  let node: unknown = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
}

function defOf(schema: unknown): ZodDefLike | undefined {
  return (schema as { _zod?: { def?: ZodDefLike } } | undefined)?._zod?.def;
}

/** The keys an object schema accepts at `path` (for "did you mean" hints). */
function allowedKeys(schema: z.ZodType, path: DataPath): string[] {
  let node: unknown = schema;
  const unwrap = () => {
    for (let def = defOf(node); def && (def.type === 'optional' || def.type === 'default' || def.type === 'nullable'); def = defOf(node)) node = def.innerType;
  };
  for (const segment of path) {
    unwrap();
    const def = defOf(node);
    if (def?.type === 'object' && typeof segment === 'string') node = def.shape?.[segment];
    else if (def?.type === 'array' && typeof segment === 'number') node = def.element;
    else return [];
  }
  unwrap();
  const def = defOf(node);
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
