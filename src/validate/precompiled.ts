import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { compileFunction } from 'node:vm';
import { currentStamp, precompiledPath, readPrecompiledManifest } from './schema-gen/index.ts';

/** A fast (first-error) validator generated at install time (src/validate/schema-gen). */
export type PrecompiledCheck = (value: unknown) => boolean;

export interface PrecompiledValidators {
  /** The validator of a built-in definition (e.g. `V1Deployment`), or undefined to compile at run time. */
  get(ref: string): PrecompiledCheck | undefined;
}

// The generated modules `require` ajv's runtime and ajv-formats; resolving them from here rather than
// from the file's folder keeps them working wherever .cache sits, with the ajv the stamp was taken from.
const requireFromHere = createRequire(import.meta.url);

function loadModule(file: string): PrecompiledCheck | undefined {
  const module = { exports: {} as unknown };
  const wrapper = compileFunction(readFileSync(file, 'utf8'), ['require', 'module', 'exports'], { filename: file });
  wrapper(requireFromHere, module, module.exports);
  return typeof module.exports === 'function' ? (module.exports as PrecompiledCheck) : undefined;
}

/**
 * The precompiled validators under `root`, or undefined when there are none or they were made from other
 * package versions or another ajv configuration (then everything compiles at run time, as before).
 */
export function openPrecompiled(root: string): PrecompiledValidators | undefined {
  const manifest = readPrecompiledManifest(root);
  if (!manifest || manifest.stamp !== currentStamp()) return undefined;
  const refs = new Set(manifest.refs);
  const dir = join(root, precompiledPath);
  return {
    get(ref) {
      if (!refs.has(ref)) return undefined;
      try {
        return loadModule(join(dir, `${ref}.cjs`));
      } catch {
        // A damaged or half-deleted file: compiling at run time gives the same answer, only later.
        return undefined;
      }
    },
  };
}
