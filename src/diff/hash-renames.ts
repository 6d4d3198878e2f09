import { formatPath } from '../config/yaml-location.ts';
import type { RenamedReference } from '../model/change.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import { idKey, objectId } from '../model/object.ts';
import { isPlainObject, normalize } from './normalize.ts';
import { stableYaml } from './yaml-dump.ts';

/**
 * Kustomize's ConfigMap and Secret generators name what they make `<name>-<hash>`: the first 10 hex digits
 * of a sha256 of the content, with 0, 1, 3, a and e replaced by g, h, k, m and t (api/hasher: encode), so
 * the suffix is 10 characters of this alphabet, after any nameSuffix. A content change therefore renames
 * the object, and every reference kustomize rewrote to it changes too: applied, the new object is created,
 * the workloads roll over to it, and prune deletes the old one. The report shows that as what it means to
 * a reviewer: one change of the generated object, and objects whose only change is the new name.
 */
export const hashSuffixPattern = /^(.+)-([2456789bcdfghkmt]{10})$/;

/** The generators whose objects carry the hash suffix; others (a chart kustomize inflates) do not. */
const suffixingGenerators = new Set(['ConfigMapGenerator', 'SecretGenerator']);

/** A deleted and a created object that are one generator's output before and after a content change. */
export interface HashRenamePair {
  baseKey: string;
  headKey: string;
  base: RenderedObject;
  head: RenderedObject;
  /** The name without the hash suffix. */
  stem: string;
  generator: string;
}

/**
 * Pairs objects that exist only at base with objects that exist only at head when both were made by the
 * same kind of kustomize generator (its origin, recorded by the renderer) and differ only in the hash
 * suffix of their names, in the same group, kind and namespace. Ambiguous groups (two of one stem on a
 * side) stay deletions and creations: a wrong pairing would hide a real deletion.
 */
export function pairHashRenames(before: ReadonlyMap<string, RenderedObject>, after: ReadonlyMap<string, RenderedObject>): HashRenamePair[] {
  const gone = byStem(before, after);
  const added = byStem(after, before);
  const pairs: HashRenamePair[] = [];
  for (const [stemKey, olds] of gone) {
    const news = added.get(stemKey);
    if (olds.length !== 1 || news?.length !== 1) continue;
    const [old] = olds;
    const [young] = news;
    pairs.push({ baseKey: old.key, headKey: young.key, base: old.rendered, head: young.rendered, stem: old.stem, generator: old.generator });
  }
  return pairs;
}

interface Suffixed {
  key: string;
  rendered: RenderedObject;
  stem: string;
  generator: string;
}

/** Objects of `side` missing from `other` that carry a generator's hash suffix, grouped by stem identity. */
function byStem(side: ReadonlyMap<string, RenderedObject>, other: ReadonlyMap<string, RenderedObject>): Map<string, Suffixed[]> {
  const groups = new Map<string, Suffixed[]>();
  for (const [key, rendered] of side) {
    if (other.has(key)) continue;
    const generator = rendered.source?.generator;
    if (!generator || !suffixingGenerators.has(generator)) continue;
    const id = objectId(rendered.object);
    const match = hashSuffixPattern.exec(id.name);
    if (!match) continue;
    const stemKey = `${idKey({ ...id, name: match[1] })}\0${generator}`;
    const list = groups.get(stemKey) ?? [];
    list.push({ key, rendered, stem: match[1], generator });
    groups.set(stemKey, list);
  }
  return groups;
}

/**
 * The references `base` → `head` of an updated object to renamed objects: an old name in base whose new
 * name is in head. Kustomize rewrites whole name fields only, so whole string values are compared. `only`
 * when putting the new names into base gives head exactly.
 */
export function renamedReferences(base: KubeObject, head: KubeObject, pairs: readonly HashRenamePair[]): { references: RenamedReference[]; only: boolean } | undefined {
  if (pairs.length === 0) return undefined;
  const namespace = base.metadata?.namespace ?? '';
  // A namespaced object references objects of its own namespace; a cluster-scoped one names the namespace.
  const candidates = pairs.filter((p) => namespace === '' || (p.base.object.metadata?.namespace ?? '') === namespace);
  const byOldName = new Map<string, HashRenamePair>();
  for (const p of candidates) {
    const from = p.base.object.metadata?.name ?? '';
    const known = byOldName.get(from);
    // One old name renamed two ways (two namespaces) cannot be told apart from a cluster-scoped object.
    if (known && known.head.object.metadata?.name !== p.head.object.metadata?.name) byOldName.delete(from);
    else if (!known) byOldName.set(from, p);
  }
  if (byOldName.size === 0) return undefined;

  const headText = JSON.stringify(head);
  const used = new Map<string, HashRenamePair>();
  const replaced = JSON.parse(JSON.stringify(base), (_key, value: unknown) => {
    if (typeof value !== 'string') return value;
    const pair = byOldName.get(value);
    const to = pair?.head.object.metadata?.name;
    if (!pair || !to || !headText.includes(JSON.stringify(to))) return value;
    used.set(value, pair);
    return to;
  }) as KubeObject;
  if (used.size === 0) return undefined;
  const references = [...used.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([from, p]) => ({
    kind: p.base.object.kind,
    name: p.stem,
    from,
    to: p.head.object.metadata?.name ?? '',
  }));
  return { references, only: stableYaml(normalize(replaced)) === stableYaml(normalize(head)) };
}

/**
 * The fields whose content differs between two (normalised, masked) versions of an object, its name left
 * out: `data.LOG_LEVEL`, `metadata.labels.tier`. Maps are followed to their leaves; a list that differs is
 * named as a whole.
 */
export function changedFields(base: KubeObject, head: KubeObject): string[] {
  const fields: string[] = [];
  const stack: Array<{ a: unknown; b: unknown; path: Array<string | number> }> = [{ a: base, b: head, path: [] }];
  while (stack.length > 0) {
    const { a, b, path } = stack.pop()!;
    if (path.length === 2 && path[0] === 'metadata' && path[1] === 'name') continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().reverse();
      for (const key of keys) stack.push({ a: a[key], b: b[key], path: [...path, key] });
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      fields.push(formatPath(path));
    }
  }
  return fields;
}
