#!/usr/bin/env node
// The installed CLI runs the compiled build (`npm run build`); in a checkout, `npm run bosun -- …` runs
// the TypeScript sources directly.
// runProcess is main plus what only a whole process does: its own temporary folder, and SIGTERM/SIGINT
// ending every child process group and removing every checkout before exiting.
import { runProcess } from '../dist/src/cli/process-entry.js';

process.exitCode = await runProcess(process.argv.slice(2));
