// `npm run bench`: runs every benchmark in its own process (so one's memory and caches do not colour
// another's), prints a table and writes bench/results.json. Figures go into docs/benchmarks.md by hand.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/util/tools.ts';

const all = ['plan', 'input-index', 'progress', 'flux-count', 'appset', 'sandbox', 'validate', 'big-environment', 'cluster', 'app', 'gitops', 'fairness', 'fanout', 'plan-fanout', 'worker-latency'];
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = only.length ? all.filter((b) => only.includes(b)) : all;
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
let failed = false;
for (const name of selected) {
  const file = join(projectRoot, 'bench', `${name}.bench.ts`);
  if (!existsSync(file)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    results[name] = JSON.parse(last);
  } catch {
    failed = true;
    results[name] = { error: `exit ${r.status}`, output: r.stdout.slice(-2000) };
  }
  process.stdout.write(`${name}: ${JSON.stringify(results[name], null, 2)}\n`);
}
writeFileSync(join(projectRoot, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
