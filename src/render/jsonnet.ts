import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Environment, JsonnetOptions } from '../model/environment.ts';
import { isKubeObject, type KubeObject } from '../model/object.ts';
import { jsonnetPath } from '../util/tools.ts';
import { inRepo, listFiles } from './files.ts';
import { JsonValueSplitter } from './json-values.ts';
import { runTool } from './process.ts';
import { renderTempDir } from './temp-dir.ts';
import { abnormalEnd, quoteToolOutput } from './tool-error.ts';
import { ToolDocuments } from './tool-documents.ts';
import { toolEnv } from './tool-env.ts';
import { RenderFailure, type RenderOptions } from './types.ts';

const defaultTimeoutMs = 120_000;
/** jsonnet identifiers (ext var and TLA names reach the command line as `name=value`). */
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const importPattern = /\b(import|importstr|importbin)\s*(?:@?(["'])((?:\\.|(?!\2).)*)\2)/g;

export { jsonnetPath };

/**
 * Evaluates one `.jsonnet` file of an Argo CD directory source the way its repo-server does
 * (reposerver findManifests → makeJsonnetVm): import search path = the source folder, then each
 * `libs` folder (repository paths); `extVars` / `tlas` as strings or code; the result is one object or
 * an array of objects. Runs Debian's jsonnet in the render sandbox (the repository read-only, no
 * network). Imports are checked first: an absolute path or one that leaves the repository is refused,
 * as Argo CD refuses them. `counted`: the objects the environment's files before this one gave, so
 * the output is stopped once the environment passes its object limit.
 */
export async function evaluateJsonnet(req: { root: string; env: Environment; file: string; appDir: string; options: JsonnetOptions; opts: RenderOptions; counted?: number }): Promise<KubeObject[]> {
  const { root, env, file, appDir, options, opts, counted = 0 } = req;
  const binary = jsonnetPath();
  if (!binary) throw new RenderFailure({ kind: 'render', tool: 'jsonnet', file, message: 'jsonnet is not installed here (Debian package `jsonnet`), so this jsonnet source cannot be rendered' });
  const libs = (options.libs ?? []).map((lib, i) => {
    const where = { file: env.definedIn?.file, line: env.definedIn?.line, field: `directory.jsonnet.libs[${i}]` };
    return inRepo(root, posix.normalize(lib.replace(/^\/+/, '')), where);
  });
  await checkImports(root, file, [appDir, ...libs]);
  // `-J dir` as two arguments (this jsonnet has no `--jpath=`); the folders are absolute, never option-like.
  const args: string[] = [appDir, ...libs].flatMap((d) => ['-J', d]);
  const vars = (kind: 'ext' | 'tla', list: JsonnetOptions['extVars']) => {
    for (const [i, v] of (list ?? []).entries()) {
      if (!identifier.test(v.name)) {
        throw new RenderFailure({ kind: 'config', tool: 'jsonnet', file: env.definedIn?.file, line: env.definedIn?.line, field: `directory.jsonnet.${kind === 'ext' ? 'extVars' : 'tlas'}[${i}].name`, message: `"${v.name}" is not a jsonnet identifier (letters, digits, _)` });
      }
      // `--ext-str name=value` as two arguments: the second starts with the checked name, never a dash.
      // Argo CD's build environment ($ARGOCD_APP_NAME…) is substituted already, by discovery (argocd-build-env.ts).
      args.push(`--${kind}-${v.code ? 'code' : 'str'}`, `${v.name}=${v.value}`);
    }
  };
  vars('ext', options.extVars);
  vars('tla', options.tlas);
  const abs = inRepo(root, file);
  args.push('--', abs);
  const temp = await renderTempDir('bosun-jsonnet-');
  try {
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    // Read as it streams (tool-documents.ts): an array's elements one by one, stopped past the
    // environment's object limit, counting the objects its other files gave before this one.
    let values: JsonValueSplitter | undefined;
    let index = 0;
    const output = new ToolDocuments<KubeObject>(env, opts, (text, push) => push(objectOf(file, text, values?.isArray ? index++ : undefined)), counted);
    const result = await runTool({
      command: binary, args, cwd: temp.dir, env: toolEnv(temp.dir), limiter: opts.limiter, signal: opts.signal, timeoutMs,
      sandbox: { readOnly: [root, temp.dir], tools: [binary] },
      onDocument: output.onDocument, splitter: (emit) => (values = new JsonValueSplitter(emit)),
    });
    if (result.status === 'failed') {
      const quoted = quoteToolOutput(result.stderr || result.stdout, { root, temp: [temp.dir] }, { dirs: [posix.dirname(file)] });
      const line = /:(\d+):\d+/.exec(quoted)?.[1];
      throw new RenderFailure({ kind: 'render', tool: 'jsonnet', file, ...(line ? { line: Number(line) } : {}), message: `jsonnet evaluation of ${file} failed: ${quoted}` });
    }
    if (result.status === 'stopped') throw output.stoppedProblem();
    if (result.status !== 'ok') throw new RenderFailure(abnormalEnd('jsonnet', result, timeoutMs, file, env.name));
    const objects = output.result();
    if (values?.problem) throw notJson(file, values.problem);
    return objects;
  } finally {
    await temp.dispose();
  }
}

/** One value of the output: the whole output, or item `index` of the array it is. */
function objectOf(file: string, text: string, index: number | undefined): KubeObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw notJson(file, (e as Error).message);
  }
  if (!isKubeObject(value)) {
    throw new RenderFailure({ kind: 'render', tool: 'jsonnet', file, message: `jsonnet output${index === undefined ? '' : ` item ${index}`} is not a Kubernetes object (apiVersion and kind are required)` });
  }
  return value;
}

function notJson(file: string, message: string): RenderFailure {
  return new RenderFailure({ kind: 'render', tool: 'jsonnet', file, message: `jsonnet output is not JSON: ${message}` });
}

/**
 * Every `import` / `importstr` / `importbin` of the jsonnet and libsonnet files below the search path,
 * refused when absolute or when it leaves the repository from the importing file's folder.
 */
async function checkImports(root: string, file: string, searchDirs: string[]): Promise<void> {
  const seen = new Set<string>();
  for (const absDir of searchDirs) {
    const rel = posix.relative(root, absDir) || '.';
    const { files } = await listFiles(root, rel, (name) => /\.(jsonnet|libsonnet|json)$/.test(name));
    for (const f of [file, ...files]) {
      if (seen.has(f)) continue;
      seen.add(f);
      const text = await readFile(inRepo(root, f), 'utf8');
      for (const m of text.matchAll(importPattern)) {
        const target = m[3];
        const line = text.slice(0, m.index).split('\n').length;
        const escapes = target.startsWith('/') || posix.normalize(posix.join(posix.dirname(f), target)).startsWith('../');
        if (escapes) {
          throw new RenderFailure({ kind: 'path', tool: 'jsonnet', file: f, line, message: `${m[1]} "${target}" leaves the repository; Argo CD refuses it and so does bosun: keep imported files inside the repository` });
        }
      }
    }
  }
}
