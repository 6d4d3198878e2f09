import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BosunError } from '../model/errors.ts';
import type { Environment } from '../model/environment.ts';
import { needsAssembly, pendingReason } from '../model/flux-source.ts';
import { resolveInRepo } from '../util/paths.ts';
import { renderFluxArtifact } from './flux-render.ts';
import { scrub } from '../util/scrub.ts';
import { withDestinationNamespace } from './default-namespace.ts';
import { checkRenderedObjects, maxObjectDepth } from './object-limits.ts';
import { collectSecretValues } from './secret-values.ts';
import { selectRenderer } from './select.ts';
import { maskValues } from './tool-error.ts';
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
  if (needsAssembly(env.fluxSource)) {
    // A Flux environment whose files are an artifact (ExternalArtifact, ignore rules, includes): assembled
    // first, then rendered from there by this function (which counts that render).
    counts.renders--;
    return renderFluxArtifact(absRoot, env, opts, renderEnvironment);
  }
  try {
    if (opts.signal?.aborted) return { ok: false, error: { kind: 'render', message: 'render cancelled', cancelled: true } };
    // Fields of its Kustomization object wait for the applying Kustomization's variables: never rendered from the literal `${…}`.
    if (env.fluxPending) return { ok: false, error: { kind: 'render', file: env.definedIn?.file, line: env.definedIn?.line, message: pendingReason(env.fluxPending), notPreviewed: true } };
    const where = { file: env.definedIn?.file, line: env.definedIn?.line, field: 'path' };
    const dir = resolveInRepo(absRoot, env.path === '' ? '.' : env.path, where);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      return { ok: false, error: { kind: 'path', ...where, message: `environment path "${env.path}" is not a folder in this commit; fix the path or remove the environment` } };
    }
    const renderer = selectRenderer(env, dir);
    const outcome = await renderer.render({ root: absRoot, env, dir, opts, renderEnvironment });
    if (!outcome.ok) return { ok: false, error: asReported(absRoot, env, outcome.error) };
    // Whatever the renderer: nothing too many or too deep goes on to be cached, diffed or validated.
    const tooBig = checkRenderedObjects(env, outcome.objects, opts.limits);
    return tooBig ? { ok: false, error: tooBig } : { ok: true, objects: withDestinationNamespace(env, outcome.objects) };
  } catch (e) {
    if (e instanceof RenderFailure) return { ok: false, error: asReported(absRoot, env, e.problem) };
    if (e instanceof BosunError) return { ok: false, error: e.toProblem() };
    if (e instanceof RangeError && stackOverflow.test(e.message)) {
      return { ok: false, error: { kind: 'render', message: `${env.name} renders something nested too deeply to process; ${deepAdvice}` } };
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && typeof err.path === 'string') {
      // A file vanished or cannot be read: still a problem in the input, not a crash.
      return { ok: false, error: { kind: 'render', message: `cannot read ${err.path.startsWith(absRoot) ? err.path.slice(absRoot.length + 1) : err.path}: ${err.code}` } };
    }
    // A bug of ours: still a value, so one environment cannot take a whole plan down.
    return { ok: false, error: asReported(absRoot, env, { kind: 'internal', message: `render failed unexpectedly: ${scrub(String((e as Error)?.message ?? e))}` }) };
  }
}

const stackOverflow = /Maximum call stack size exceeded/;
const deepAdvice = `Kubernetes objects are never nested more than a few dozen levels (bosun's limit is ${maxObjectDepth}); flatten or remove the deeply nested document`;

/**
 * A renderer's error as it may leave bosun. A document nested thousands of levels deep overflows the
 * YAML parser's stack before any object exists to measure, and the parse error then says only "Maximum
 * call stack size exceeded": said in words a user can act on, keeping the file and line. And whatever
 * the message quotes (a parser's or a tool's words), no Secret value of the environment's folder stays
 * in it — tool output is masked against the whole input tree already, this is the net under the rest.
 */
function asReported<E extends { message: string }>(root: string, env: Environment, error: E): E {
  if (stackOverflow.test(error.message)) return { ...error, message: `a document nests too deeply to be parsed; ${deepAdvice}` };
  const values = collectSecretValues(root, { dirs: [env.path === '' ? '.' : env.path] });
  return values.length > 0 ? { ...error, message: maskValues(error.message, values) } : error;
}
