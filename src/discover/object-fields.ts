import { BosunError } from '../model/errors.ts';
import { normalizeRepoPath } from '../config/to-environment.ts';
import { resolveInRepo } from '../util/paths.ts';

/** Untyped access into parsed YAML objects: whatever is not of the expected type reads as undefined. */
export function field(value: unknown, ...keys: string[]): unknown {
  let node = value;
  for (const key of keys) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A string map, with scalar values stringified (YAML `replicas: 3` in a substitution map is "3" to Flux). */
export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

/**
 * A repo-relative folder from a GitOps object, normalised (no './', no trailing '/'), refusing paths
 * that leave the repository with an error naming the object's file, line and field.
 */
export function repoPathFrom(root: string, raw: string, where: { file: string; line: () => number | undefined; field: string }): string {
  const path = normalizeRepoPath(raw);
  try {
    resolveInRepo(root, path);
  } catch (error) {
    if (error instanceof BosunError) {
      throw new BosunError({ ...error.toProblem(), file: where.file, line: where.line(), field: where.field, message: `${error.message}; point ${where.field} at a folder inside this repository` });
    }
    throw error;
  }
  return path;
}

/**
 * A value from a GitOps object that reaches a tool's command line (release name, namespace), refused with
 * the object's file, line and field when `rule` finds a problem with it.
 */
export function checkedArgument(value: string, rule: (v: string) => string | undefined, where: { file: string; line: () => number | undefined; field: string }): string {
  const problem = rule(value);
  if (problem) throw new BosunError({ kind: 'config', file: where.file, line: where.line(), field: where.field, message: problem });
  return value;
}
