import { LineCounter, parseDocument } from 'yaml';
import { parseSimpleYaml } from '../../util/simple-yaml.ts';
import type { InputsCache } from './inputs.ts';

/** Why a kustomization file cannot be read as one: invalid YAML, or YAML that is not a mapping. */
export interface InvalidKustomization {
  file: string;
  kind: 'yaml' | 'shape';
  line: number;
  detail: string;
}

export type ParsedKustomization = { data: Record<string, unknown> | null } | { invalid: Omit<InvalidKustomization, 'file'> };

/**
 * A kustomization's text as data. Parsed by content, so base and head checkouts share the work for
 * unchanged files: the fast subset parser first, the full parser (duplicate keys refused, as kustomize's
 * YAML library does) for anything it declines.
 */
export function parseKustomization(text: string, cache: InputsCache): ParsedKustomization {
  const key = `yaml:${text}`;
  const hit = cache.get(key) as ParsedKustomization | undefined;
  if (hit) return hit;
  let data = parseSimpleYaml(text);
  let result: ParsedKustomization | undefined;
  if (data === undefined) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) result = { invalid: { kind: 'yaml', line: lineCounter.linePos(first.pos[0]).line, detail: first.message.split('\n')[0] } };
    else data = doc.toJS() as unknown;
  }
  if (!result) {
    if (data === null || data === undefined) result = { data: null };
    else if (typeof data !== 'object' || Array.isArray(data)) result = { invalid: { kind: 'shape', line: 1, detail: 'expected a mapping' } };
    else result = { data: data as Record<string, unknown> };
  }
  cache.set(key, result);
  return result;
}
