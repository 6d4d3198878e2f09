// The install-time step (`postinstall`, through scripts/gen-schemas.mjs): writes builtin.json and the
// precompiled validators unless they are current. `--force` rewrites both. Returns the exit code.
import { generatePrecompiledValidators, precompiledPath } from './precompile.ts';
import { builtinSchemasPath, generateBuiltinSchemas } from './schema-file.ts';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function genSchemasMain(argv: readonly string[], log: (line: string) => void = console.log, warn: (line: string) => void = console.error): number {
  const force = argv.includes('--force');
  let started = performance.now();
  try {
    const result = generateBuiltinSchemas({ force });
    const ms = Math.round(performance.now() - started);
    if (result.written) log(`gen-schemas: wrote ${result.definitions} definitions for ${result.kinds} kinds to ${builtinSchemasPath} in ${ms} ms`);
    else log(`gen-schemas: ${builtinSchemasPath} is up to date`);
  } catch (err) {
    warn(`gen-schemas: could not generate the built-in Kubernetes schemas: ${message(err)}`);
    warn('gen-schemas: schema validation needs them; reinstall dependencies (npm ci) and report this if it persists');
    return 1;
  }
  started = performance.now();
  try {
    const result = generatePrecompiledValidators({ force });
    const ms = Math.round(performance.now() - started);
    if (result.written) log(`gen-schemas: precompiled ${result.validators} validators (${Math.round(result.bytes / 1e6)} MB) to ${precompiledPath} in ${ms} ms`);
    else log(`gen-schemas: ${precompiledPath} is up to date`);
  } catch (err) {
    // Not fatal: validation compiles the schemas at run time instead, only slower on first use.
    warn(`gen-schemas: could not precompile validators (validation will compile at run time): ${message(err)}`);
  }
  return 0;
}
