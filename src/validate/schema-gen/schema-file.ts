// The generated schema file, .cache/schemas/builtin.json (git-ignored), under the folder bosun is installed
// in: written by the install step (cli.ts) and, when missing or stale, by validation in-process.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildBuiltinSchemas } from './builtin-definitions.ts';
import { installRoot } from './packages.ts';
import { currentStamp, readStamp } from './stamp.ts';

/** Where the generated file lives, relative to the project root. */
export const builtinSchemasPath = join('.cache', 'schemas', 'builtin.json');

export type GenerateResult = { written: false; file: string } | { written: true; file: string; kinds: number; definitions: number };

/**
 * Writes the schema file unless it is up to date. Returns whether it wrote and where.
 * `root` is the project root; `force` rewrites even when the stamp matches.
 */
export function generateBuiltinSchemas({ root = installRoot(), force = false }: { root?: string; force?: boolean } = {}): GenerateResult {
  const file = join(root, builtinSchemasPath);
  if (!force && readStamp(file) === currentStamp()) return { written: false, file };
  const doc = buildBuiltinSchemas();
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc));
  renameSync(tmp, file);
  return { written: true, file, kinds: Object.keys(doc.kinds).length, definitions: Object.keys(doc.definitions).length };
}
