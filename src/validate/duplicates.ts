import type { RenderedObject, SourceRef } from '../model/object.ts';
import { describeId, idKey, objectId } from '../model/object.ts';

export interface Duplicate {
  /** The later occurrence. */
  object: RenderedObject;
  /** The first occurrence of the same identity. */
  first: RenderedObject;
}

/**
 * Objects that appear more than once in one render (same group, kind, namespace and name): applying both
 * would make the last one win silently. `isNamespaced` lets cluster-scoped kinds match whatever
 * namespace they were written with; without it the namespace is compared as written.
 */
export function findDuplicates(objects: readonly RenderedObject[], isNamespaced?: (apiVersion: string, kind: string) => boolean | undefined): Duplicate[] {
  const firstSeen = new Map<string, RenderedObject>();
  const out: Duplicate[] = [];
  for (const o of objects) {
    const obj = o.object;
    if (typeof obj?.metadata?.name !== 'string' || obj.metadata.name === '') continue;
    const id = objectId(obj);
    if (isNamespaced?.(obj.apiVersion, obj.kind) === false) id.namespace = '';
    const key = idKey(id);
    const first = firstSeen.get(key);
    if (first) out.push({ object: o, first });
    else firstSeen.set(key, o);
  }
  return out;
}

function where(source: SourceRef | undefined): string {
  if (!source) return 'an unknown file';
  return source.line ? `${source.file}:${source.line}` : source.file;
}

export function duplicateMessage(d: Duplicate): string {
  const id = describeId(objectId(d.object.object));
  return `duplicate object ${id}: defined in ${where(d.first.source)} and again in ${where(d.object.source)}; remove one or rename it`;
}
