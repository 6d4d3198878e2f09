import { isMap, isScalar, isSeq, type LineCounter } from 'yaml';

/** A path into parsed YAML data, as zod reports it: keys and array indexes. */
export type DataPath = ReadonlyArray<PropertyKey>;

/** `environments[1].helm.valueFiles[0]`, `commonLabels["app.kubernetes.io/name"]`. */
export function formatPath(path: DataPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(segment))) out += out === '' ? String(segment) : `.${String(segment)}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

interface Ranged {
  range?: [number, number, number] | null;
}

/**
 * 1-based line of the YAML node at `path` below `root` (a document's `contents`). When the path does
 * not exist (a missing field), the line of the deepest existing ancestor: the object that lacks it.
 * With `key`, the line of that key inside the map at `path` (for unknown keys).
 */
export function lineAt(root: unknown, lineCounter: LineCounter, path: DataPath, key?: string): number | undefined {
  let node: unknown = root;
  let line = lineOfNode(root, lineCounter);
  const segments: PropertyKey[] = key === undefined ? [...path] : [...path, key];
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) return line;
      // The key's line, not the value's: for a block collection the value starts a line later.
      line = lineOfNode(pair.key, lineCounter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return line;
      line = lineOfNode(item, lineCounter) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}

function lineOfNode(node: unknown, lineCounter: LineCounter): number | undefined {
  const range = (node as Ranged | null | undefined)?.range;
  if (!range) return undefined;
  return lineCounter.linePos(range[0]).line;
}
