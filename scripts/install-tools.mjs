#!/usr/bin/env node
// The install step's tool unpacking (package.json postinstall): runs src/util/install-tools.ts (from the
// sources in a checkout, dist/ when installed), which puts kubectl and helm into .tools/bin.
import { loadInstallStep } from './run-install-step.mjs';

const step = await loadInstallStep('src/util/install-tools.ts');
if (step) process.exitCode = step.installToolsMain();
// Only part of the project is here: not an error, bosun unpacks a tool on first use.
else console.error('install-tools: skipped, neither the sources with tsx (a checkout after npm ci) nor the build (dist/) are here');
