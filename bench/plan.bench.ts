// Benchmark: `bosun plan` on a generated monorepo (200 Kustomize apps x 2 environments) where the PR
// touches one app — in the render sandbox (the default) and with --no-sandbox — next to a naive baseline measured in the same run (render every environment at base
// and at head, one after another, then diff). Prints one JSON line with the figures.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMonorepo } from './generate-monorepo.ts';
import { runPlanChild, type ChildRun } from './plan-child-run.ts';
import { naivePlan } from './naive-plan.ts';
import { projectRoot } from '../src/util/tools.ts';

export async function benchPlan(): Promise<Record<string, unknown>> {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: projectRoot, stdio: 'inherit' });
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-plan-'));
  try {
    const repo = await generateMonorepo(join(work, 'monorepo'), { apps: 200, envs: ['staging', 'production'] });
    const args = ['plan', '--repo', repo.dir, '--base', repo.baseSha, '--head', repo.headSha, '--format', 'json'];
    await runPlanChild(args); // warm the page cache and git's object cache, as a long-running bot would be
    // Sandboxed (the default) and unconfined runs interleaved, so load on the machine hits both alike.
    const runs: ChildRun[] = [];
    const unconfined: ChildRun[] = [];
    for (let i = 0; i < 3; i++) {
      runs.push(await runPlanChild(args));
      unconfined.push(await runPlanChild([...args, '--no-sandbox']));
    }
    const bestUnconfined = unconfined.reduce((a, b) => (a.ms <= b.ms ? a : b));
    const plan = JSON.parse(runs[0].stdout) as { environments: Array<{ affected: boolean; changes: unknown[] }> };
    const best = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
    const naiveStarted = performance.now();
    const naive = await naivePlan(repo.dir, repo.baseSha, repo.headSha);
    const naiveMs = performance.now() - naiveStarted;
    return {
      benchmark: 'plan: 200 kustomize apps x 2 envs, PR touches one app',
      environments: plan.environments.length,
      affected: plan.environments.filter((e) => e.affected).length,
      changesFound: plan.environments.reduce((n, e) => n + e.changes.length, 0),
      naiveChangesFound: naive.changes,
      bosunMs: Math.round(best.ms),
      bosunRunsMs: runs.map((r) => Math.round(r.ms)),
      bosunPeakRssMb: Math.round(Math.max(...runs.map((r) => r.maxRssMb))),
      noSandboxMs: Math.round(bestUnconfined.ms),
      noSandboxRunsMs: unconfined.map((r) => Math.round(r.ms)),
      sandboxRatio: Number((best.ms / bestUnconfined.ms).toFixed(2)),
      naiveMs: Math.round(naiveMs),
      naiveRenders: naive.renders,
      speedup: Number((naiveMs / best.ms).toFixed(1)),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchPlan()));
}
