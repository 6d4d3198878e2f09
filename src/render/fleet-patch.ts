import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../model/object.ts';
import { kubectlPath } from '../util/tools.ts';
import { builtinKind } from '../validate/builtin-schemas.ts';
import { runTool } from './process.ts';
import { renderTempDir } from './temp-dir.ts';
import { abnormalEnd, quoteToolOutput } from './tool-error.ts';
import { toolEnv } from './tool-env.ts';
import { RenderFailure, type RenderOptions } from './types.ts';
import { applyJsonPatch, JsonPatchError } from '../util/json-patch.ts';
import { mergePatch } from '../util/merge-patch.ts';

/**
 * A Fleet overlay's `<name>_patch.yaml` applied to `<name>.yaml`, as Fleet does it (rancher/fleet
 * internal/helmdeployer/render/patch/patch.go, with wrangler's patch.Apply): both files are read as one
 * YAML document each (the first), then a patch that is a list is a JSON patch (RFC 6902); otherwise a
 * built-in Kubernetes kind gets a strategic merge patch and anything else a JSON merge patch (RFC 7386).
 * The strategic merge runs as `kubectl patch --local` (apimachinery's strategicpatch with the built-in
 * scheme, the library wrangler calls), in the render sandbox.
 */
export async function applyOverlayPatch(target: unknown, patch: unknown, where: { target: string; patch: string }, opts: RenderOptions): Promise<unknown> {
  if (Array.isArray(patch)) return jsonPatch(target, patch, where);
  if (isRecord(target) && typeof target.apiVersion === 'string' && typeof target.kind === 'string' && target.kind !== 'CustomResourceDefinition' && builtinKind(target.apiVersion, target.kind)) {
    return strategicMerge(target as KubeObject, patch, where, opts);
  }
  return mergePatch(target, patch);
}

/** A JSON patch list (RFC 6902, util/json-patch.ts); a failing operation fails the patch, as in Fleet, naming the patch file and the operation. */
function jsonPatch(target: unknown, ops: readonly unknown[], where: { target: string; patch: string }): unknown {
  try {
    return applyJsonPatch(target, ops);
  } catch (e) {
    if (!(e instanceof JsonPatchError)) throw e;
    throw new RenderFailure({ kind: 'render', tool: 'yaml', file: where.patch, message: `failed to patch ${where.target}: ${e.message}` });
  }
}

/**
 * A strategic merge patch of a built-in kind: `kubectl patch --local` reads the object and the patch from
 * files and prints the result, offline; nothing from the repository is on its command line.
 */
async function strategicMerge(target: KubeObject, patch: unknown, where: { target: string; patch: string }, opts: RenderOptions): Promise<unknown> {
  if (!isRecord(patch)) throw new RenderFailure({ kind: 'render', tool: 'yaml', file: where.patch, message: `failed to patch ${where.target}: a patch is a YAML mapping or a JSON patch list` });
  const temp = await renderTempDir('bosun-fleet-patch-');
  try {
    const object = join(temp.dir, 'object.json');
    const patchFile = join(temp.dir, 'patch.json');
    await writeFile(object, JSON.stringify(target));
    await writeFile(patchFile, JSON.stringify(patch));
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const result = await runTool({
      command: kubectlPath(),
      args: ['patch', '--local', `--filename=${object}`, '--type=strategic', `--patch-file=${patchFile}`, '--output=json'],
      cwd: temp.dir, env: toolEnv(temp.dir), limiter: opts.limiter, signal: opts.signal, timeoutMs,
      sandbox: { readOnly: [temp.dir], tools: [kubectlPath()] },
    });
    if (result.status === 'failed') {
      throw new RenderFailure({ kind: 'render', tool: 'yaml', file: where.patch, message: `failed to patch ${where.target}: ${quoteToolOutput(result.stderr || result.stdout, { root: temp.dir, temp: [temp.dir] })}` });
    }
    if (result.status !== 'ok') throw new RenderFailure(abnormalEnd('kustomize', result, timeoutMs, where.patch, where.target));
    try {
      return JSON.parse(result.stdout) as unknown;
    } catch {
      throw new RenderFailure({ kind: 'render', tool: 'yaml', file: where.patch, message: `failed to patch ${where.target}: unreadable output of kubectl patch` });
    }
  } finally {
    await temp.dispose();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
