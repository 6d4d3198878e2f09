#!/usr/bin/env node
// The install step's schema generation (package.json postinstall) and `node scripts/gen-schemas.mjs
// [--force]`: runs src/validate/schema-gen/cli.ts (from the sources in a checkout, dist/ when installed).
import { loadInstallStep } from './run-install-step.mjs';

const cli = await loadInstallStep('src/validate/schema-gen/cli.ts');
if (cli) process.exitCode = cli.genSchemasMain(process.argv.slice(2));
// Only part of the project is here: not an error, bosun generates the schemas on first use.
else console.error('gen-schemas: skipped, neither the sources with tsx (a checkout after npm ci) nor the build (dist/) are here');
