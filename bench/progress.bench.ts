// How long `bosun plan` is silent on a large repository: the generated Flux monorepo of N apps × 2 overlays
// (5,000 apps: 10,000 environments), the PR touches one app's base, a full walk (`--no-index-cache`, so
// discovery runs at both commits). Every stderr line is timestamped as it arrives: the time to the first
// progress line, the longest silence between two lines (or before the first, or after the last until
// the process exits) and the longest silence while discovery runs. BOSUN_BENCH_PROGRESS_APPS=1000 to
// choose N; BOSUN_BENCH_PROGRESS_ROOT=<a checkout> to time another tree's sources (a "before").
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/util/tools.ts';
import { generateMonorepo } from './generate-monorepo.ts';

export interface TimedLine { ms: number; text: string }

/** Runs the CLI from `root`'s sources (tsx) and timestamps each stderr line as it arrives. */
export function timedPlan(root: string, args: string[]): Promise<{ lines: TimedLine[]; ms: number; code: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/process-entry.ts'), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: TimedLine[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const at = performance.now() - started;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) lines.push({ ms: at, text });
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ lines, ms: performance.now() - started, code: code ?? -1 }));
  });
}

/** First progress line, longest silence overall and while discovery ran (from its first line to the line saying what it found). */
export function silences(run: { lines: TimedLine[]; ms: number }): { firstLineS: number; longestSilenceS: number; longestInDiscoveryS: number; discoveryLines: number } {
  const progress = run.lines.filter((l) => l.text.startsWith('bosun: '));
  const marks = [0, ...progress.map((l) => l.ms), run.ms];
  let longest = 0;
  for (let i = 1; i < marks.length; i++) longest = Math.max(longest, marks[i]! - marks[i - 1]!);
  const start = progress.findIndex((l) => l.text.includes('discovering environments'));
  const end = progress.findIndex((l) => /bosun: found \d/.test(l.text));
  let inDiscovery = 0;
  for (let i = Math.max(start, 0) + 1; start >= 0 && i <= end; i++) inDiscovery = Math.max(inDiscovery, progress[i]!.ms - progress[i - 1]!.ms);
  const s = (ms: number) => Math.round(ms / 100) / 10;
  return { firstLineS: s(progress[0]?.ms ?? run.ms), longestSilenceS: s(longest), longestInDiscoveryS: s(inDiscovery), discoveryLines: start >= 0 && end >= 0 ? end - start - 1 : 0 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const apps = Number(process.env.BOSUN_BENCH_PROGRESS_APPS ?? 5000);
  const root = process.env.BOSUN_BENCH_PROGRESS_ROOT ?? projectRoot;
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-progress-'));
  try {
    const repo = await generateMonorepo(join(work, 'repo'), { apps, envs: ['staging', 'production'] });
    const args = ['plan', '--repo', repo.dir, '--base', repo.baseSha, '--head', repo.headSha, '--no-index-cache', '--format', 'json'];
    const load = loadavg()[0]!;
    const run = await timedPlan(root, args);
    for (const line of run.lines) process.stderr.write(`progress: ${(line.ms / 1000).toFixed(1)}s ${line.text}\n`);
    console.log(JSON.stringify({ apps, environments: repo.environments, seconds: Math.round(run.ms / 100) / 10, exit: run.code, loadBefore: Math.round(load * 10) / 10, ...silences(run) }));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
