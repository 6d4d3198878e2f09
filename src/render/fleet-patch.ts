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

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test); a failing operation fails the patch, as in Fleet. */
export function jsonPatch(target: unknown, ops: readonly unknown[], where: { target: string; patch: string }): unknown {
  let doc = structuredClone(target);
  const fail = (i: number, message: string): never => {
    throw new RenderFailure({ kind: 'render', tool: 'yaml', file: where.patch, message: `failed to patch ${where.target}: operation ${i}: ${message}` });
  };
  ops.forEach((raw, i) => {
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') fail(i, 'each operation needs "op" and "path"');
    const op = raw as { op: string; path: string; from?: unknown; value?: unknown };
    const path = pointer(op.path) ?? fail(i, `"${op.path}" is not a JSON pointer`);
    switch (op.op) {
      case 'add':
        doc = put(doc, path, structuredClone(op.value), 'add') ?? fail(i, `cannot add at ${op.path}`);
        break;
      case 'replace':
        if (get(doc, path) === undefined) fail(i, `${op.path} does not exist`);
        doc = put(doc, path, structuredClone(op.value), 'replace') ?? fail(i, `cannot replace ${op.path}`);
        break;
      case 'remove':
        if (get(doc, path) === undefined) fail(i, `${op.path} does not exist`);
        doc = remove(doc, path);
        break;
      case 'move':
      case 'copy': {
        const from = typeof op.from === 'string' ? pointer(op.from) : undefined;
        if (!from) fail(i, `${op.op} needs "from"`);
        const value = get(doc, from!);
        if (value === undefined) fail(i, `${String(op.from)} does not exist`);
        if (op.op === 'move') doc = remove(doc, from!);
        doc = put(doc, path, structuredClone(value), 'add') ?? fail(i, `cannot ${op.op} to ${op.path}`);
        break;
      }
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op.value)) fail(i, `test of ${op.path} failed`);
        break;
      default:
        fail(i, `unknown operation "${op.op}"`);
    }
  });
  return doc;
}

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
