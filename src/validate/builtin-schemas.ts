import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBuiltinSchemas, builtinSchemasPath, currentStamp, generateBuiltinSchemas, readStamp } from './schema-gen/index.ts';
import type { GeneratedKind, GeneratedSchemas } from './schema-gen/index.ts';
import { projectRoot } from '../util/tools.ts';

export type BuiltinKind = GeneratedKind;
export type BuiltinSchemas = GeneratedSchemas;

let loaded: BuiltinSchemas | undefined;

/**
 * The generated built-in schemas (.cache/schemas/builtin.json, written by `postinstall`), loaded once per
 * process. When the file is missing or was made from other package versions (an install that skipped
 * scripts), it is regenerated in-process; when the folder is read-only, it is built in memory only.
 * `root` (default: the project root) is where `.cache/` lives.
 */
export function loadBuiltinSchemas(root: string = projectRoot): BuiltinSchemas {
  if (root === projectRoot && loaded) return loaded;
  const file = join(root, builtinSchemasPath);
  let data: BuiltinSchemas | undefined;
  if (readStamp(file) !== currentStamp()) {
    process.stderr.write(`bosun: built-in Kubernetes schemas missing or stale; regenerating ${builtinSchemasPath}\n`);
    try {
      generateBuiltinSchemas({ root });
    } catch {
      data = buildBuiltinSchemas();
    }
  }
  data ??= JSON.parse(readFileSync(file, 'utf8')) as BuiltinSchemas;
  if (root === projectRoot) loaded = data;
  return data;
}

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** The built-in kind for an apiVersion/kind, if Kubernetes serves it. */
export function builtinKind(apiVersion: string, kind: string): BuiltinKind | undefined {
  return loadBuiltinSchemas().kinds[kindKey(apiVersion, kind)];
}

/**
 * Whether a built-in kind is namespaced; undefined for custom resources and the few built-ins whose
 * scope the generated data does not know.
 */
export function isNamespacedKind(apiVersion: string, kind: string): boolean | undefined {
  return builtinKind(apiVersion, kind)?.namespaced;
}
