#!/usr/bin/env node
// The install step's schema generation (package.json postinstall) and `node scripts/gen-schemas.mjs
// [--force]`: runs src/validate/schema-gen/cli.ts. A checkout runs the TypeScript sources through tsx (a
// dev dependency); an installed package and the image hold only the build and run it from dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/validate/schema-gen/cli.ts', import.meta.url);
const built = new URL('../dist/src/validate/schema-gen/cli.js', import.meta.url);

async function tsxImport(url) {
  try {
    const { tsImport } = await import('tsx/esm/api');
    return await tsImport(url.href, import.meta.url);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' && /'tsx'/.test(err.message)) return undefined;
    throw err;
  }
}

const cli = (existsSync(source) ? await tsxImport(source) : undefined) ?? (existsSync(built) ? await import(built.href) : undefined);
if (cli) {
  process.exitCode = cli.genSchemasMain(process.argv.slice(2));
} else {
  // Only part of the project is here (the image's build stage installs before copying the sources): not an
  // error, bosun generates the schemas on first use; an installed package always has dist/.
  console.error('gen-schemas: skipped, neither the sources with tsx (a checkout after npm ci) nor the build (dist/) are here');
}
