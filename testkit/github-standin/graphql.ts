// GitHub's GraphQL endpoint, for the one mutation bosun uses: minimizeComment (hide a superseded bot
// comment). GraphQL is not in the OpenAPI description, so the document is checked here by hand:
// operation type, the field, argument names, declared variable types and supplied values.
import type { Caller } from './auth/credentials.ts';
import type { RequestProblem } from './openapi/validators.ts';
import type { Site } from './present/site.ts';
import type { MinimizeClassifier } from './state/records.ts';
import { decodeNodeId } from './state/store.ts';

export const classifiers: readonly MinimizeClassifier[] = ['SPAM', 'ABUSE', 'OFF_TOPIC', 'OUTDATED', 'DUPLICATE', 'RESOLVED'];

export interface GraphqlResult {
  status: number;
  body: Record<string, unknown>;
  /** Why the document was refused (GraphQL answers such errors with 200). */
  rejected?: RequestProblem[];
}

interface GraphqlError {
  message: string;
  type?: string;
  path?: string[];
}

function errors(list: GraphqlError[]): GraphqlResult {
  return {
    status: 200,
    body: { errors: list },
    rejected: list.map((e) => ({ in: 'body', field: 'query', code: 'invalid', message: e.message })),
  };
}

function balanced(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '(') depth++;
    else if (ch === '}' || ch === ')') {
      depth--;
      if (depth < 0) return false;
    }
  }
  return depth === 0 && !inString;
}

/** Declared variables of the operation: `($id: ID!, $c: ReportedContentClassifiers!)`. */
function declaredVariables(head: string): Map<string, string> {
  const out = new Map<string, string>();
  const list = /\(([^)]*)\)/.exec(head)?.[1] ?? '';
  for (const m of list.matchAll(/\$(\w+)\s*:\s*([\w![\]]+)/g)) out.set(m[1], m[2]);
  return out;
}

export function handleGraphql(site: Site, caller: Caller, body: unknown): GraphqlResult {
  if (caller.kind !== 'installation') {
    return { status: 401, body: { message: 'This endpoint requires you to be authenticated.', documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql' } };
  }
  const request = body as { query?: unknown; variables?: unknown } | undefined;
  if (!request || typeof request.query !== 'string') return errors([{ message: 'A query attribute must be specified and must be a string.' }]);
  const variables = (request.variables ?? {}) as Record<string, unknown>;
  if (typeof variables !== 'object' || Array.isArray(variables)) return errors([{ message: 'Variables are invalid JSON.' }]);
  const query = request.query.replace(/#[^\n]*/g, '');
  if (!balanced(query)) return errors([{ message: 'Parse error: unbalanced braces or parentheses in the query document' }]);

  const op = /^\s*(mutation|query|subscription)?\s*(\w+)?\s*(\([^)]*\))?\s*\{/.exec(query);
  if (!op) return errors([{ message: 'Parse error: expected an operation definition' }]);
  const field = /\{\s*(?:\w+\s*:\s*)?(\w+)/.exec(query.slice(op[0].length - 1))?.[1];
  if (op[1] !== 'mutation' || field !== 'minimizeComment') {
    return {
      status: 501,
      body: { message: `The GitHub stand-in implements only the GraphQL minimizeComment mutation; got ${op[1] ?? 'query'} ${field ?? '?'}` },
    };
  }
  const call = /minimizeComment\s*\(\s*input\s*:\s*\{([^}]*)\}\s*\)/.exec(query);
  if (!call) return errors([{ message: "Field 'minimizeComment' is missing required arguments: input", path: ['mutation', 'minimizeComment'] }]);
  const declared = declaredVariables(op[3] ?? '');
  const args = new Map<string, unknown>();
  for (const m of call[1].matchAll(/(\w+)\s*:\s*(\$\w+|"(?:[^"\\]|\\.)*"|\w+)/g)) {
    const [, name, raw] = m;
    if (raw.startsWith('$')) {
      const variable = raw.slice(1);
      const expected = name === 'subjectId' ? 'ID!' : name === 'classifier' ? 'ReportedContentClassifiers!' : undefined;
      const type = declared.get(variable);
      if (!type) return errors([{ message: `Variable $${variable} is used by anonymous mutation but not declared` }]);
      if (expected && type !== expected) return errors([{ message: `Type mismatch on variable $${variable} and argument ${name} (${type} / ${expected})` }]);
      args.set(name, variables[variable]);
    } else {
      args.set(name, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    }
  }
  for (const name of args.keys()) {
    if (!['subjectId', 'classifier', 'clientMutationId'].includes(name)) return errors([{ message: `InputObject 'MinimizeCommentInput' doesn't accept argument '${name}'` }]);
  }
  const subjectId = args.get('subjectId');
  const classifier = args.get('classifier');
  if (typeof subjectId !== 'string') return errors([{ message: "Argument 'subjectId' on InputObject 'MinimizeCommentInput' is required. Expected type ID!" }]);
  if (typeof classifier !== 'string' || !classifiers.includes(classifier as MinimizeClassifier)) {
    return errors([{ message: `Argument 'classifier' on InputObject 'MinimizeCommentInput' has an invalid value (${JSON.stringify(classifier)}). Expected type 'ReportedContentClassifiers!'.` }]);
  }

  const decoded = decodeNodeId(subjectId);
  const comment = decoded?.prefix === 'IC' ? site.store.comments.get(decoded.id) : undefined;
  const repo = comment && [...site.store.repos.values()].find((r) => r.key === comment.repo);
  const visible = repo && repo.installationId === caller.installationId && (!caller.repos || caller.repos.has(repo.key));
  if (!comment || !visible) {
    return {
      status: 200,
      body: {
        data: { minimizeComment: null },
        errors: [{ type: 'NOT_FOUND', path: ['minimizeComment'], message: `Could not resolve to a node with the global id of '${subjectId}'.` }],
      },
    };
  }
  comment.minimized = classifier as MinimizeClassifier;

  // Answer with the fields the document selected.
  const selection = query.slice(call.index + call[0].length);
  const minimized: Record<string, unknown> = {};
  if (/\bisMinimized\b/.test(selection)) minimized.isMinimized = true;
  if (/\bminimizedReason\b/.test(selection)) minimized.minimizedReason = classifier.toLowerCase();
  if (/\bviewerCanMinimize\b/.test(selection)) minimized.viewerCanMinimize = true;
  const result: Record<string, unknown> = {};
  if (/\bminimizedComment\b/.test(selection)) result.minimizedComment = minimized;
  if (/\bclientMutationId\b/.test(selection)) result.clientMutationId = (args.get('clientMutationId') as string | undefined) ?? null;
  return { status: 200, body: { data: { minimizeComment: result } } };
}
