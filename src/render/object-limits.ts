import type { Environment } from '../model/environment.ts';
import type { Problem } from '../model/errors.ts';
import { describeId, objectId, type RenderedObject } from '../model/object.ts';

/**
 * How much a pull request may make bosun hold. Pull request content is untrusted: a generator or a
 * 60,000-document file costs this process memory and time for every object (diff, validation, report),
 * so past these counts an environment fails with a clear message instead of taking the worker down.
 */
export interface ObjectLimits {
  /** Objects one render of one environment may produce. Default 20,000. */
  perEnvironment?: number;
  /** Objects one plan may hold in total: every environment, base and head counted. Default 100,000. */
  perPlan?: number;
  /**
   * How a user raises each limit, named in the error: the server's environment variable (the default)
   * or the CLI's flag.
   */
  names?: { perEnvironment?: string; perPlan?: string };
}

export const defaultObjectLimits = { perEnvironment: 20_000, perPlan: 100_000 } as const;
export const defaultLimitNames = { perEnvironment: 'BOSUN_MAX_OBJECTS', perPlan: 'BOSUN_MAX_PLAN_OBJECTS' } as const;

/**
 * Nesting bound for one object (maps and lists). Real objects stay far below it (a Deployment's env var
 * reference is about 10 levels, the deepest CRD schemas a few dozen), while everything downstream —
 * cloning, normalising, YAML dumping, schema validation — recurses per level and would overflow the
 * stack on an object thousands of levels deep.
 */
export const maxObjectDepth = 200;

let processLimits: ObjectLimits = {};

/**
 * The limits a process applies where a caller names none: the App's worker sets them once from
 * BOSUN_MAX_OBJECTS / BOSUN_MAX_PLAN_OBJECTS, so plans, applies, drift checks and commands all hold to them.
 */
export function setProcessObjectLimits(limits: ObjectLimits): void {
  processLimits = { ...limits };
}

export function objectLimitFor(limits: ObjectLimits | undefined, which: 'perEnvironment' | 'perPlan'): { limit: number; name: string } {
  return {
    limit: limits?.[which] ?? processLimits[which] ?? defaultObjectLimits[which],
    name: limits?.names?.[which] ?? processLimits.names?.[which] ?? defaultLimitNames[which],
  };
}

/** `60,000`: counts in messages read the same on every machine (no locale). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The problem with a finished render that is too big or too deep to handle, or undefined when it is
 * fine. Checked after every render, whatever the renderer, so nothing past it has to be.
 */
export function checkRenderedObjects(env: Pick<Environment, 'name' | 'definedIn'>, objects: readonly RenderedObject[], limits?: ObjectLimits): Problem | undefined {
  const tooMany = tooManyObjects(env, objects.length, limits);
  if (tooMany) return tooMany;
  for (const rendered of objects) {
    const deep = firstTooDeep(rendered.object, maxObjectDepth);
    if (!deep) continue;
    const where = rendered.source ? { file: rendered.source.file, ...(rendered.source.line ? { line: rendered.source.line } : {}) } : {};
    return {
      kind: 'render',
      ...where,
      field: deep,
      message: `${describeId(objectId(rendered.object))} nests more than ${maxObjectDepth} levels deep (under ${deep}); `
        + 'Kubernetes objects are never this deep, so bosun does not diff or validate it — flatten that field or remove the object',
    };
  }
  return undefined;
}

/**
 * The problem with an environment that renders more objects than its limit, or undefined. `stopped`: the
 * tool was stopped at the first object over the limit (its output is read as it streams, #10 item 4), so
 * the total is not known.
 */
export function tooManyObjects(env: Pick<Environment, 'name' | 'definedIn'>, count: number, limits?: ObjectLimits, stopped = false): Problem | undefined {
  const { limit, name } = objectLimitFor(limits, 'perEnvironment');
  if (count <= limit) return undefined;
  const renders = stopped ? `renders more than ${formatCount(limit)} objects (the render was stopped at object ${formatCount(count)})` : `renders ${formatCount(count)} objects`;
  return {
    kind: 'render',
    ...(env.definedIn?.file ? { file: env.definedIn.file, line: env.definedIn.line } : {}),
    message: `${env.name} ${renders}, over the limit of ${formatCount(limit)} per environment (${name}); `
      + 'split it into smaller environments, or raise the limit if an environment this large is intended',
  };
}

/**
 * The path (first segments only) to a value nested deeper than `max` maps and lists, or undefined.
 * Iterative: the point is to measure objects too deep for a recursive walk.
 */
export function firstTooDeep(value: unknown, max: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string[] }> = [{ value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= max) return shortPath(item.path);
    const entries = Array.isArray(item.value) ? item.value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(item.value);
    for (const [key, child] of entries) {
      if (typeof child !== 'object' || child === null) continue;
      // Only the first few segments are kept: a path thousands of segments long helps nobody.
      stack.push({ value: child, depth: item.depth + 1, path: item.path.length < 6 ? [...item.path, String(key)] : item.path });
    }
  }
  return undefined;
}

function shortPath(path: readonly string[]): string {
  const text = path.join('.').replace(/\.\[/g, '[');
  return path.length >= 6 ? `${text}…` : text;
}
