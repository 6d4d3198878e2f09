import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BosunError } from '../model/errors.ts';
import type { Environment } from '../model/environment.ts';
import { resolveInRepo } from '../util/paths.ts';
import { scrub } from '../util/scrub.ts';
import { selectRenderer } from './select.ts';
import { RenderFailure, type RenderOptions, type RenderOutcome } from './types.ts';

const counts = { renders: 0 };

/** How many renders this process has started (for tests and metrics; cache hits do not count). */
export function renderCount(): number {
  return counts.renders;
}

/**
 * Renders one environment of a checkout to objects with provenance. Never throws for bad input: every
 * problem in the repository (YAML, tool errors, paths escaping the repo, timeouts) comes back as
 * `{ ok: false, error }` with file and line where known. The same input always gives the same objects in
 * the same order.
 */
export async function renderEnvironment(root: string, env: Environment, opts: RenderOptions = {}): Promise<RenderOutcome> {
  counts.renders++;
  const absRoot = resolve(root);
  try {
    if (opts.signal?.aborted) return { ok: false, error: { kind: 'render', message: 'render cancelled' } };
    const where = { file: env.definedIn?.file, line: env.definedIn?.line, field: 'path' };
    const dir = resolveInRepo(absRoot, env.path === '' ? '.' : env.path, where);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      return { ok: false, error: { kind: 'path', ...where, message: `environment path "${env.path}" is not a folder in this commit; fix the path or remove the environment` } };
    }
    const renderer = selectRenderer(env, dir);
    return await renderer.render({ root: absRoot, env, dir, opts });
  } catch (e) {
    if (e instanceof RenderFailure) return { ok: false, error: e.problem };
    if (e instanceof BosunError) return { ok: false, error: e.toProblem() };
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && typeof err.path === 'string') {
      // A file vanished or cannot be read: still a problem in the input, not a crash.
      return { ok: false, error: { kind: 'render', message: `cannot read ${err.path.startsWith(absRoot) ? err.path.slice(absRoot.length + 1) : err.path}: ${err.code}` } };
    }
    // A bug of ours: still a value, so one environment cannot take a whole plan down.
    return { ok: false, error: { kind: 'internal', message: `render failed unexpectedly: ${scrub(String((e as Error)?.message ?? e))}` } };
  }
}
