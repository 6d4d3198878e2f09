import { isDeepStrictEqual } from 'node:util';
import { groupOf, type KubeObject, type SourceRef } from '../model/object.ts';

interface Candidate {
  file: string;
  line: number;
  object: KubeObject;
}

/**
 * Source documents indexed by identity, to find where a rendered object came from. Kustomize may rename
 * (namePrefix/nameSuffix) and re-namespace objects, so matching falls back from the exact identity to the
 * same kind and name in any namespace, then to a rendered name that contains the source name. The line is
 * given only when the rendered object is exactly the source document: a line that points at YAML which
 * is not what gets applied would mislead the reviewer.
 */
export class SourceIndex {
  private readonly byKindName = new Map<string, Candidate[]>();
  private readonly byKind = new Map<string, Candidate[]>();
  private readonly byFile = new Map<string, Candidate[]>();

  add(file: string, line: number, object: KubeObject): void {
    const c: Candidate = { file, line, object };
    push(this.byKindName, `${kindKey(object)}|${object.metadata?.name ?? ''}`, c);
    push(this.byKind, kindKey(object), c);
    push(this.byFile, file, c);
  }

  /** The line of the document in `file` that is exactly `object`, if there is one. */
  lineIn(file: string, object: KubeObject): number | undefined {
    return this.byFile.get(file)?.find((c) => isDeepStrictEqual(c.object, object))?.line;
  }

  /**
   * `object` is what identifies the source (the build output before post-build substitution, which may
   * rename); `rendered` is what is compared for the line (the final object).
   */
  find(object: KubeObject, rendered: KubeObject = object): SourceRef | undefined {
    const name = object.metadata?.name ?? '';
    const namespace = object.metadata?.namespace ?? '';
    let candidates = this.byKindName.get(`${kindKey(object)}|${name}`) ?? [];
    const sameNs = candidates.filter((c) => (c.object.metadata?.namespace ?? '') === namespace);
    if (sameNs.length > 0) candidates = sameNs;
    if (candidates.length === 0) {
      // namePrefix/nameSuffix keep the source name at one end; both together leave it inside.
      const all = this.byKind.get(kindKey(object)) ?? [];
      const srcName = (c: Candidate) => c.object.metadata?.name ?? '';
      let contained = all.filter((c) => srcName(c) !== '' && (name.startsWith(srcName(c)) || name.endsWith(srcName(c))));
      if (contained.length === 0) contained = all.filter((c) => srcName(c) !== '' && name.includes(srcName(c)));
      const longest = Math.max(0, ...contained.map((c) => (c.object.metadata?.name ?? '').length));
      candidates = contained.filter((c) => (c.object.metadata?.name ?? '').length === longest);
    }
    if (candidates.length === 0) return undefined;
    const exact = candidates.find((c) => isDeepStrictEqual(c.object, rendered));
    if (exact) return { file: exact.file, line: exact.line };
    return { file: candidates[0].file };
  }
}

function kindKey(object: KubeObject): string {
  return `${groupOf(object.apiVersion ?? '')}/${object.kind}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
