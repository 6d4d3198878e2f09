import { isDeepStrictEqual } from 'node:util';

/**
 * RFC 6902 JSON patch (add, remove, replace, move, copy, test) as github.com/evanphx/json-patch applies it —
 * the library behind kustomize's patchesJson6902 / `patches` of a JSON 6902 list (api/filters/patchjson6902)
 * and Fleet's `<name>_patch.yaml` lists (wrangler patch.Apply): operations in order on a copy, a failing one
 * fails the whole patch. Throws `JsonPatchError` with the operation's index; callers name the file and field.
 */
export function applyJsonPatch(target: unknown, ops: readonly unknown[]): unknown {
  let doc = structuredClone(target);
  ops.forEach((raw, i) => {
    const fail = (message: string): never => {
      throw new JsonPatchError(i, message);
    };
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') fail('each operation needs "op" and "path"');
    const op = raw as { op: string; path: string; from?: unknown; value?: unknown };
    const path = pointer(op.path) ?? fail(`"${op.path}" is not a JSON pointer`);
    switch (op.op) {
      case 'add':
        doc = put(doc, path, structuredClone(op.value), 'add') ?? fail(`cannot add at ${op.path}`);
        break;
      case 'replace':
        if (get(doc, path) === undefined) fail(`${op.path} does not exist`);
        doc = put(doc, path, structuredClone(op.value), 'replace') ?? fail(`cannot replace ${op.path}`);
        break;
      case 'remove':
        if (get(doc, path) === undefined) fail(`${op.path} does not exist`);
        doc = remove(doc, path);
        break;
      case 'move':
      case 'copy': {
        const from = typeof op.from === 'string' ? pointer(op.from) : undefined;
        if (!from) return fail(`${op.op} needs "from"`);
        const value = get(doc, from);
        if (value === undefined) fail(`${String(op.from)} does not exist`);
        if (op.op === 'move') doc = remove(doc, from);
        doc = put(doc, path, structuredClone(value), 'add') ?? fail(`cannot ${op.op} to ${op.path}`);
        break;
      }
      case 'test':
        // RFC 6902 4.6: equal JSON values, members in any order.
        if (!isDeepStrictEqual(get(doc, path), op.value)) fail(`test of ${op.path} failed`);
        break;
      default:
        fail(`unknown operation "${op.op}"`);
    }
  });
  return doc;
}

/** A JSON patch operation that cannot be applied: `operation` is its index in the list. */
export class JsonPatchError extends Error {
  readonly operation: number;

  constructor(operation: number, message: string) {
    super(`operation ${operation}: ${message}`);
    this.operation = operation;
  }
}

/** RFC 6901 pointer: `''` is the whole document, `~1` is `/` and `~0` is `~`. */
function pointer(text: string): string[] | undefined {
  if (text === '') return [];
  if (!text.startsWith('/')) return undefined;
  return text.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: unknown, path: readonly string[]): unknown {
  let node = doc;
  for (const key of path) {
    if (Array.isArray(node)) node = /^\d+$/.test(key) ? node[Number(key)] : undefined;
    else if (isRecord(node)) node = Object.hasOwn(node, key) ? node[key] : undefined;
    else return undefined;
  }
  return node;
}

/** `doc` with `value` at `path` (added into a list at an index or `-`, or set in a map); undefined when the parent is missing. */
function put(doc: unknown, path: readonly string[], value: unknown, mode: 'add' | 'replace'): unknown {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : /^\d+$/.test(key) ? Number(key) : -1;
    if (index < 0 || index > parent.length || (mode === 'replace' && index >= parent.length)) return undefined;
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
    return doc;
  }
  if (!isRecord(parent)) return undefined;
  parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return undefined;
  const parent = get(doc, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isRecord(parent)) delete parent[key];
  return doc;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
