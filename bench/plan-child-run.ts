// Runs `bosun plan` (or any CLI command) in a child process through bench/plan-child.mjs, which reports
// the child's own peak RSS: the benchmarks' one way to time a CLI run and read its memory.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/util/tools.ts';

/** `cpuMs`: the child's own user + system CPU time (less sensitive to a loaded machine than `ms`). */
export interface ChildRun { ms: number; maxRssMb: number; cpuMs: number; code: number; stdout: string }

/** Runs the CLI with `args` in a child process; its wall time, peak RSS, exit code and stdout. */
export function runPlanChild(args: string[]): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(projectRoot, 'bench', 'plan-child.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const rss = /maxRssKb=(\d+)/.exec(stderr);
      if (!rss) return reject(new Error(`plan child printed no RSS; stderr:\n${stderr}`));
      const cpu = /cpuMs=(\d+)/.exec(stderr);
      resolvePromise({ ms, maxRssMb: Number(rss[1]) / 1024, cpuMs: cpu ? Number(cpu[1]) : Number.NaN, code: code ?? -1, stdout });
    });
  });
}
