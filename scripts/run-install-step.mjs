// Loads one of bosun's install-step modules for the postinstall wrappers (install-tools.mjs,
// gen-schemas.mjs): in a checkout, the TypeScript sources through tsx (a dev dependency); in an installed
// package or the image, which hold only the build, the compiled module under dist/. Undefined when neither
// is here (the image's build stage installs before copying the sources).
import { existsSync } from 'node:fs';

async function tsxImport(url) {
  try {
    const { tsImport } = await import('tsx/esm/api');
    return await tsImport(url.href, import.meta.url);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && /'tsx'/.test(err.message)) return undefined;
    throw err;
  }
}

/** `sourcePath`: the module under src/, e.g. `src/util/install-tools.ts`. */
export async function loadInstallStep(sourcePath) {
  const source = new URL(`../${sourcePath}`, import.meta.url);
  const built = new URL(`../dist/${sourcePath.replace(/\.ts$/, '.js')}`, import.meta.url);
  if (existsSync(source)) {
    const loaded = await tsxImport(source);
    if (loaded) return loaded;
  }
  return existsSync(built) ? import(built.href) : undefined;
}
