import { isDeepStrictEqual } from 'node:util';
import { groupOf, type KubeObject, type SourceRef } from '../model/object.ts';

/** A source document: its file, the line of its first key, and what it holds. */
export interface SourceDocument {
  file: string;
  line: number;
  object: KubeObject;
}

/**
 * Source documents indexed by identity, to find where a rendered object came from. Kustomize may rename
 * (namePrefix/nameSuffix) and re-namespace objects, so matching falls back from the exact identity to the
 * same kind and name in any namespace, then to a rendered name that contains the source name. The line is
 * that of the document the object was built from, also when kustomize changed it on the way (a namespace,
 * labels, a patch): validation then follows a finding's field from there, into the patches where a patch
 * set it (src/validate/field-lines.ts), as it does for a plain folder.
 */
export class SourceIndex {
  private readonly byKindName = new Map<string, SourceDocument[]>();
  private readonly byKind = new Map<string, SourceDocument[]>();
  private readonly byFileKindName = new Map<string, SourceDocument[]>();
  private readonly byFileKind = new Map<string, SourceDocument[]>();

  add(file: string, line: number, object: KubeObject): void {
    const doc: SourceDocument = { file, line, object };
    const name = object.metadata?.name ?? '';
    push(this.byKindName, `${kindKey(object)}|${name}`, doc);
    push(this.byKind, kindKey(object), doc);
    push(this.byFileKindName, `${file}|${kindKey(object)}|${name}`, doc);
    push(this.byFileKind, `${file}|${kindKey(object)}`, doc);
  }

  /** The line of the document in `file` that is exactly `object`, if there is one. */
  lineIn(file: string, object: KubeObject): number | undefined {
    const same = this.byFileKindName.get(`${file}|${kindKey(object)}|${object.metadata?.name ?? ''}`) ?? [];
    return same.find((c) => isDeepStrictEqual(c.object, object))?.line;
  }

  /**
   * The document of `file` that `object` (as built, before post-build substitution) was made from: the
   * same kind and name, else the longest source name inside the built name (namePrefix / nameSuffix).
   * `rendered` (the final object) picks the exact document among several of one name.
   */
  documentIn(file: string, object: KubeObject, rendered: KubeObject = object): SourceDocument | undefined {
    const kind = kindKey(object);
    const name = object.metadata?.name ?? '';
    const inFile = this.byFileKind.get(`${file}|${kind}`) ?? [];
    if (inFile.length === 0) return undefined;
    const named = (n: string) => this.byFileKindName.get(`${file}|${kind}|${n}`);
    const exactName = named(name);
    if (exactName) return pick(exactName, object, rendered);
    // Longest inner name first, so `api-worker` is not taken for `api`. A few documents are scanned; in
    // a file of thousands, a map lookup per inner substring keeps it from being scanned once per object.
    if (inFile.length <= 64) {
      const srcName = (c: SourceDocument) => c.object.metadata?.name ?? '';
      const contained = inFile.filter((c) => srcName(c) !== '' && name.includes(srcName(c)));
      const longest = Math.max(0, ...contained.map((c) => srcName(c).length));
      const best = contained.filter((c) => srcName(c).length === longest);
      return best.length > 0 ? pick(best, object, rendered) : undefined;
    }
    for (let length = name.length - 1; length > 0; length--) {
      for (let start = 0; start + length <= name.length; start++) {
        const found = named(name.slice(start, start + length));
        if (found) return pick(found, object, rendered);
      }
    }
    return undefined;
  }

  /**
   * `object` is what identifies the source (the build output before post-build substitution, which may
   * rename); `rendered` is what picks the exact document when several match.
   */
  find(object: KubeObject, rendered: KubeObject = object): SourceRef | undefined {
    const doc = this.match(object, rendered);
    return doc ? { file: doc.file, line: doc.line } : undefined;
  }

  /** The source document of an object whose file is not known, matched by identity across all files. */
  match(object: KubeObject, rendered: KubeObject = object): SourceDocument | undefined {
    const name = object.metadata?.name ?? '';
    let candidates = this.byKindName.get(`${kindKey(object)}|${name}`) ?? [];
    if (candidates.length === 0) {
      // namePrefix/nameSuffix keep the source name at one end; both together leave it inside.
      const all = this.byKind.get(kindKey(object)) ?? [];
      const srcName = (c: SourceDocument) => c.object.metadata?.name ?? '';
      let contained = all.filter((c) => srcName(c) !== '' && (name.startsWith(srcName(c)) || name.endsWith(srcName(c))));
      if (contained.length === 0) contained = all.filter((c) => srcName(c) !== '' && name.includes(srcName(c)));
      const longest = Math.max(0, ...contained.map((c) => srcName(c).length));
      candidates = contained.filter((c) => srcName(c).length === longest);
    }
    return candidates.length === 0 ? undefined : pick(candidates, object, rendered);
  }
}

/** Among documents of one name: the exact one, else the one in the object's namespace, else the first. */
function pick(candidates: readonly SourceDocument[], object: KubeObject, rendered: KubeObject): SourceDocument {
  const exact = candidates.find((c) => isDeepStrictEqual(c.object, rendered));
  if (exact) return exact;
  const namespace = object.metadata?.namespace ?? '';
  return candidates.find((c) => (c.object.metadata?.namespace ?? '') === namespace) ?? candidates[0];
}

function kindKey(object: KubeObject): string {
  return `${groupOf(object.apiVersion ?? '')}/${object.kind}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
