// After `tsc`, dist/ mirrors src/ and queue/. A few runtime modules live in scripts/ as plain JavaScript
// (they also run at install time, before any build); dist gets one-line re-exports of them so relative
// imports resolve the same from dist as from the sources, and their own paths (e.g. the .cache folder)
// stay anchored at the project root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const file of ['install-tools.mjs']) {
  const shim = join(root, 'dist', 'scripts', file);
  mkdirSync(dirname(shim), { recursive: true });
  writeFileSync(shim, `export * from '../../scripts/${file}';\n`);
}
