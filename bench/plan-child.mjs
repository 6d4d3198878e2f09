// Runs the compiled CLI in this process and reports the process's own peak RSS on stderr.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
const usage = process.resourceUsage();
process.stderr.write(`maxRssKb=${usage.maxRSS} cpuMs=${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`);
process.exitCode = code;
