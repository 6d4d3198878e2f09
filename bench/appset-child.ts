// Runs `bosun plan` (the CLI's main, from source through tsx) in this process and reports the plan's own
// wall time and the process's peak RSS on stderr, for bench/appset.bench.ts.
import { main } from '../src/cli/main.ts';

const started = performance.now();
const code = await main(process.argv.slice(2));
process.stderr.write(`planMs=${Math.round(performance.now() - started)} maxRssKb=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
