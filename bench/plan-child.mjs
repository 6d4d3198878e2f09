// Runs the compiled CLI in this process and reports the process's own peak RSS on stderr.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
process.stderr.write(`maxRssKb=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
