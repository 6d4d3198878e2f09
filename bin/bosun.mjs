#!/usr/bin/env node
// The installed CLI runs the compiled build (`npm run build`); in a checkout, `npm run bosun -- …` runs
// the TypeScript sources directly.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
