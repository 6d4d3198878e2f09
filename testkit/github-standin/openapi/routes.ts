// Finds the OpenAPI operation for a method and path: literal segments win over parameters, as
// GitHub's own router does (`/pulls/comments` is not pull number "comments"), and a parameter marked
// `x-multi-segment` (a git ref such as `heads/feature/x`) may span several segments.
import { githubOpenApi, type OpenApiOperation } from './spec.ts';

export interface RouteMatch {
  template: string;
  method: string;
  operation: OpenApiOperation;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

interface Node {
  literal: Map<string, Node>;
  /** Templates may name the parameter at one position differently; names are taken from the template matched. */
  param?: { multi: boolean; next: Node };
  /** Operations of the template that ends here, by lower-case method. */
  operations?: Map<string, { template: string; operation: OpenApiOperation }>;
}

const methods = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);

let root: Node | undefined;

function newNode(): Node {
  return { literal: new Map() };
}

function build(): Node {
  const spec = githubOpenApi();
  const top = newNode();
  for (const [template, item] of Object.entries(spec.paths)) {
    const multi = multiSegmentParams(item);
    let node = top;
    for (const segment of template.split('/').slice(1)) {
      const param = /^\{([^}]+)\}$/.exec(segment);
      if (param) {
        node.param ??= { multi: false, next: newNode() };
        node.param.multi ||= multi.has(param[1]);
        node = node.param.next;
      } else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, (next = newNode()));
        node = next;
      }
    }
    node.operations ??= new Map();
    for (const [method, operation] of Object.entries(item)) {
      if (methods.has(method)) node.operations.set(method, { template, operation: operation as OpenApiOperation });
    }
  }
  return top;
}

function multiSegmentParams(item: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  const spec = githubOpenApi();
  for (const [method, operation] of Object.entries(item)) {
    if (!methods.has(method)) continue;
    for (const p of (operation as OpenApiOperation).parameters ?? []) {
      const param = '$ref' in p ? spec.components.parameters[p.$ref.split('/').pop() ?? ''] : p;
      if (param?.['x-multi-segment']) names.add(param.name);
    }
  }
  return names;
}

/**
 * The operation for `method` at `path` (no query, no `/api/v3` prefix). `undefined` when no path
 * template matches at all; `{ operation: undefined }` when the path exists but not for this method.
 */
export function matchRoute(method: string, path: string): RouteMatch | { template: string; operation: undefined } | undefined {
  root ??= build();
  const segments = path.split('/').slice(1);
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const found = walk(root, segments, 0, []);
  if (!found) return undefined;
  const entry = found.node.operations?.get(method.toLowerCase());
  if (!entry) {
    const any = found.node.operations?.values().next().value;
    return { template: any?.template ?? path, operation: undefined };
  }
  const names = [...entry.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const params = Object.fromEntries(names.map((name, i) => [name, found.values[i]]));
  return { template: entry.template, method: method.toUpperCase(), operation: entry.operation, params };
}

function walk(node: Node, segments: string[], i: number, values: string[]): { node: Node; values: string[] } | undefined {
  if (i === segments.length) return node.operations ? { node, values } : undefined;
  const segment = segments[i];
  const literal = node.literal.get(segment);
  if (literal) {
    const found = walk(literal, segments, i + 1, values);
    if (found) return found;
  }
  const param = node.param;
  if (!param || segment === '') return undefined;
  // Shortest span first for multi-segment parameters: `commits/feature/check-runs` is the check runs
  // of ref `feature`, while `git/refs/heads/a/b` still gets the whole ref once nothing shorter fits.
  const last = param.multi ? segments.length : i + 1;
  for (let end = i + 1; end <= last; end++) {
    const value = segments.slice(i, end).map(decodeSegment).join('/');
    const found = walk(param.next, segments, end, [...values, value]);
    if (found) return found;
  }
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
