import type { IgnoreDifferenceRule } from '../model/apply-options.ts';
import type { KubeObject } from '../model/object.ts';
import { groupOf } from '../model/object.ts';
import { deletePaths, JqUnsupported, parseJqPath, selectPaths, type JqPathProgram, type JsonPath } from './jq-path.ts';
import { ownedFields, resolveOwned } from './managed-fields.ts';

/**
 * Argo CD's `ignoreDifferences` as a normaliser for the apply preview and drift detection: matching
 * objects lose the listed fields on both sides (live and what the dry run says it would become) before
 * they are compared, exactly as Argo CD's ignore normaliser does (util/argo/normalizers/diff_normalizer.go:
 * JSON pointers removed with a JSON-patch `remove`, jq expressions run as `del(<expr>)`, then empty maps
 * and lists dropped; group and kind are globs, name and namespace exact). Fields owned by
 * `managedFieldsManagers` are removed the same way. Pure.
 */

export interface CompiledIgnoreRules {
  rules: CompiledRule[];
  /** Expressions bosun does not run, each with why: those fields are compared as usual. */
  problems: string[];
}

interface CompiledRule {
  group: RegExp;
  kind: RegExp;
  name?: string;
  namespace?: string;
  apiVersion?: string;
  pointers: string[][];
  jq: JqPathProgram[];
  managers: string[];
}

export function compileIgnoreRules(rules: readonly IgnoreDifferenceRule[] | undefined): CompiledIgnoreRules {
  const out: CompiledIgnoreRules = { rules: [], problems: [] };
  for (const [i, rule] of (rules ?? []).entries()) {
    const jq: JqPathProgram[] = [];
    for (const expression of rule.jqPathExpressions ?? []) {
      const parsed = jqProgram(expression);
      if ('problem' in parsed) out.problems.push(`ignoreDifferences[${i}].jqPathExpressions: ${parsed.problem}; that field is compared as usual`);
      else jq.push(parsed.program);
    }
    const pointers: string[][] = [];
    for (const pointer of rule.jsonPointers ?? []) {
      const parsed = parsePointer(pointer);
      if (parsed) pointers.push(parsed);
      else out.problems.push(`ignoreDifferences[${i}].jsonPointers: "${pointer}" is not a JSON pointer (it must start with "/"); that field is compared as usual`);
    }
    out.rules.push({
      group: glob(rule.group ?? ''),
      kind: glob(rule.kind ?? ''),
      ...(rule.name || rule.exactKey ? { name: rule.name ?? '' } : {}),
      ...(rule.namespace || rule.exactKey ? { namespace: rule.namespace ?? '' } : {}),
      ...(rule.apiVersion ? { apiVersion: rule.apiVersion } : {}),
      pointers,
      jq,
      managers: [...(rule.managedFieldsManagers ?? [])],
    });
  }
  return out;
}

/** Why an expression is not run, or its program. */
export function jqProgram(expression: string): { program: JqPathProgram } | { problem: string } {
  try {
    return { program: parseJqPath(expression) };
  } catch (error) {
    if (error instanceof JqUnsupported) return { problem: `\`${expression}\` is outside the jq subset bosun runs: ${error.message}` };
    throw error;
  }
}

/**
 * Copies of `live` and `next` without the ignored fields, or the same objects when no rule matches.
 * `live` gives the identity and the managed fields (it is what is in the cluster).
 */
export function withoutIgnoredFields<T extends KubeObject | undefined>(live: T, next: T, compiled: CompiledIgnoreRules): { live: T; next: T; ignored: boolean } {
  const subject = live ?? next;
  if (!subject || compiled.rules.length === 0) return { live, next, ignored: false };
  const matched = compiled.rules.filter((r) => matches(r, subject));
  if (matched.length === 0) return { live, next, ignored: false };
  const a = live ? structuredClone(live) : live;
  const b = next ? structuredClone(next) : next;
  for (const rule of matched) {
    for (const doc of [a, b]) {
      if (!doc) continue;
      const paths: JsonPath[] = [];
      for (const pointer of rule.pointers) {
        const path = resolvePointer(doc, pointer);
        if (path) paths.push(path);
      }
      for (const program of rule.jq) paths.push(...selectPaths(program, doc));
      if (live && rule.managers.length > 0) {
        for (const field of ownedFields(live, rule.managers)) {
          const path = resolveOwned(doc, field);
          if (path) paths.push(path);
        }
      }
      deletePaths(doc, dedupe(paths));
    }
  }
  for (const doc of [a, b]) if (doc) removeEmpty(doc);
  return { live: a as T, next: b as T, ignored: true };
}

function matches(rule: CompiledRule, obj: KubeObject): boolean {
  return rule.group.test(groupOf(obj.apiVersion ?? '')) && rule.kind.test(obj.kind ?? '')
    && (rule.apiVersion === undefined || rule.apiVersion === obj.apiVersion)
    && (rule.name === undefined || rule.name === (obj.metadata?.name ?? ''))
    && (rule.namespace === undefined || rule.namespace === (obj.metadata?.namespace ?? ''));
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** RFC 6901: `/spec/replicas`, `/metadata/annotations/a~1b` (`~1` is `/`, `~0` is `~`). */
function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The concrete path a pointer names in `doc` (array positions as numbers), or undefined when absent. */
function resolvePointer(doc: unknown, pointer: readonly string[]): JsonPath | undefined {
  let node = doc;
  const path: JsonPath = [];
  for (const key of pointer) {
    if (Array.isArray(node) && /^\d+$/.test(key) && Number(key) < node.length) {
      path.push(Number(key));
      node = node[Number(key)];
    } else if (isRecord(node) && key in node) {
      path.push(key);
      node = node[key];
    } else {
      return undefined;
    }
  }
  return path.length > 0 ? path : undefined;
}

function dedupe(paths: JsonPath[]): JsonPath[] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = JSON.stringify(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Argo CD's removeEmptyObjects: empty maps and lists go, also inside lists. Iterative. */
function removeEmpty(root: Record<string, unknown> | unknown): void {
  const order: Array<Record<string, unknown> | unknown[]> = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node) || isRecord(node)) {
      order.push(node);
      for (const child of Object.values(node)) stack.push(child);
    }
  }
  // Children were pushed after their parents: walking backwards empties children first.
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    if (Array.isArray(node)) {
      for (let j = node.length - 1; j >= 0; j--) if (isRecord(node[j]) && Object.keys(node[j] as object).length === 0) node.splice(j, 1);
    } else {
      for (const [key, value] of Object.entries(node)) {
        if ((isRecord(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0)) delete node[key];
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
