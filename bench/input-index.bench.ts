// Benchmark: `bosun plan` on a generated Flux monorepo (N apps x 2 overlays) where the PR touches one file,
// warm, side by side in one run: today's full walk (--no-index-cache) against the input index
// (src/plan/input-index.ts) — with only the base's index stored (the head's derived from it, as for a new
// PR head) and with both stored (a re-plan of the same head). Peak RSS of each. Sizes: BENCH_INDEX_APPS
// (comma separated; default 1000,5000). Prints one JSON line: wall time, the child's CPU time (user + system,
// less sensitive to other load on the machine) and the load average when the size finished. `inProcessRedis`:
// the same two index cases as a worker runs them — planChange in this process, already warm (modules loaded,
// schemas compiled by an earlier plan), the indexes in the workers' Redis store (src/jobs/input-index-store.ts)
// — from the plan's start to its result; the worker's fetch and comment around it are not included.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMonorepo } from './generate-monorepo.ts';
import { runPlanChild, type ChildRun } from './plan-child-run.ts';
import { Redis } from 'ioredis';
import { projectRoot } from '../src/util/tools.ts';
import { planChange } from '../src/plan/plan.ts';
import { workerIndexOption } from '../src/jobs/input-index-store.ts';
import { dropPrefix } from '../testkit/redis.ts';
import { redisUrl } from '../testkit/harness.ts';
import type { GeneratedMonorepo } from './generate-monorepo.ts';

const best = (runs: ChildRun[]) => runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
const affectedOf = (run: ChildRun) => (JSON.parse(run.stdout) as { environments: Array<{ name: string; affected: boolean; reason: string }> }).environments.filter((e) => e.affected).map((e) => `${e.name}: ${e.reason}`);

async function benchSize(work: string, apps: number, rounds: number): Promise<Record<string, unknown>> {
  const repo = await generateMonorepo(join(work, `monorepo-${apps}`), { apps, envs: ['staging', 'production'] });
  const plan = ['plan', '--repo', repo.dir, '--base', repo.baseSha, '--head', repo.headSha, '--format', 'json'];
  const cacheDir = join(repo.dir, '.git', 'bosun', 'input-index');
  const indexFiles = async () => (await readdir(cacheDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));

  await runPlanChild([...plan, '--no-index-cache']); // warm the page cache and git's object cache
  // The base's index only (as after planning another PR against the same base, or the previous push).
  await runPlanChild(['plan', '--repo', repo.dir, '--base', repo.baseSha, '--head', repo.baseSha, '--format', 'json']);
  const baseOnly = new Set(await indexFiles());
  const walk: ChildRun[] = [];
  const derived: ChildRun[] = [];
  const stored: ChildRun[] = [];
  for (let i = 0; i < rounds; i++) {
    // Interleaved, so load on the machine hits all three alike.
    walk.push(await runPlanChild([...plan, '--no-index-cache']));
    for (const f of await indexFiles()) if (!baseOnly.has(f)) await rm(join(cacheDir, f));
    derived.push(await runPlanChild(plan));
    stored.push(await runPlanChild(plan));
  }
  const same = [...derived, ...stored].every((r) => JSON.stringify(affectedOf(r)) === JSON.stringify(affectedOf(walk[0]!)));
  if (!same) throw new Error(`apps=${apps}: the index's affected set differs from the full walk's`);
  const inProcessRedis = await inProcess(repo, rounds);
  const figures = (runs: ChildRun[]) => ({ ms: Math.round(best(runs).ms), runsMs: runs.map((r) => Math.round(r.ms)), cpuMs: runs.map((r) => r.cpuMs), peakRssMb: Math.round(Math.max(...runs.map((r) => r.maxRssMb))) });
  return {
    apps,
    environments: repo.environments,
    loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
    affected: affectedOf(walk[0]!).length,
    fullWalk: figures(walk),
    indexHeadDerived: figures(derived),
    indexBothStored: figures(stored),
    speedupDerived: Number((best(walk).ms / best(derived).ms).toFixed(2)),
    speedupStored: Number((best(walk).ms / best(stored).ms).toFixed(2)),
    inProcessRedis,
  };
}

/** planChange in this process with the workers' Redis index store: a new head (base's index only) and a re-plan. */
async function inProcess(repo: GeneratedMonorepo, rounds: number): Promise<Record<string, unknown>> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const prefix = `bench-index-${randomUUID().slice(0, 8)}`;
  const inputIndex = workerIndexOption(redis, prefix);
  const plan = (head: string) => planChange({ repoDir: repo.dir, base: repo.baseSha, head, baseBranch: 'main', inputIndex });
  const indexKeys = () => redis.keys(`${prefix}:input-index:*`);
  const timed = async (head: string): Promise<{ ms: number; cpuMs: number }> => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await plan(head);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (result.environments.filter((e) => e.affected).length !== 2) throw new Error('in-process plan: not the 2 affected environments');
    return { ms: Math.round(ms), cpuMs: Math.round((used.user + used.system) / 1000) };
  };
  try {
    await plan(repo.baseSha); // warms this process and stores the base's index
    const baseOnly = new Set(await indexKeys());
    const derived: Array<{ ms: number; cpuMs: number }> = [];
    const stored: Array<{ ms: number; cpuMs: number }> = [];
    for (let i = 0; i < rounds; i++) {
      const extra = (await indexKeys()).filter((k) => !baseOnly.has(k) && !k.endsWith(':lru'));
      if (extra.length > 0) await redis.del(...extra);
      derived.push(await timed(repo.headSha));
      stored.push(await timed(repo.headSha));
    }
    return { indexHeadDerived: derived, indexBothStored: stored, heapUsedMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20) };
  } finally {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
}

export async function benchInputIndex(): Promise<Record<string, unknown>> {
  // BENCH_SKIP_BUILD=1: dist/ is already built from this tree (the build takes minutes on a loaded machine).
  if (!process.env.BENCH_SKIP_BUILD) execFileSync('npm', ['run', '--silent', 'build'], { cwd: projectRoot, stdio: 'inherit' });
  const sizes = (process.env.BENCH_INDEX_APPS ?? '1000,5000').split(',').map(Number).filter((n) => n > 0);
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-index-'));
  try {
    const results: Record<string, unknown>[] = [];
    for (const apps of sizes) results.push(await benchSize(work, apps, apps >= 5000 ? 1 : 2));
    return { benchmark: 'plan with the input index vs the full walk: Flux monorepo, N apps x 2 overlays, PR touches one file', sizes: results };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchInputIndex()));
}
