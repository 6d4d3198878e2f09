// Issue 10: `bosun plan` of a repository just under the cap of 10,000 Flux, Argo CD and Fleet objects
// (discover/repo-yaml.ts maxGitOpsObjects). The attacker's shape: one file of N one-line Flux Kustomizations
// of one folder, and a change in that folder, so every one of them is affected. N = 2,500, 5,000, 9,999 by
// default (BOSUN_BENCH_FLUX_COUNTS=500,1000 to choose). Prints wall time, the child's CPU time and peak RSS.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlanChild } from './plan-child-run.ts';

const counts = (process.env.BOSUN_BENCH_FLUX_COUNTS ?? '2500,5000,9999').split(',').map(Number);
const kustomization = (i: number) => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k${i}, namespace: flux-system}\nspec: {interval: 1m, path: ./apps/web, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n`;
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;

async function repoWith(n: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `bosun-bench-flux-${n}-`));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.org', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  await mkdir(join(dir, 'apps/web'), { recursive: true });
  await mkdir(join(dir, 'clusters'), { recursive: true });
  await writeFile(join(dir, 'clusters/many.yaml'), Array.from({ length: n }, (_, i) => kustomization(i)).join('---\n'));
  await writeFile(join(dir, 'apps/web/cm.yaml'), configMap('one'));
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  await writeFile(join(dir, 'apps/web/cm.yaml'), configMap('two'));
  git('commit', '-q', '-am', 'change');
  return dir;
}

const results: Record<string, unknown> = {};
for (const n of counts) {
  const dir = await repoWith(n);
  try {
    const load = loadavg()[0];
    const run = await runPlanChild(['plan', '--repo', dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', 'https://github.com/acme/gitops', '--no-index-cache', '--format', 'json']);
    const plan = JSON.parse(run.stdout) as { environments: Array<{ changes: unknown[] }> };
    const changed = plan.environments.filter((e) => e.changes.length === 1).length;
    if (changed !== n) throw new Error(`${n} Kustomizations: ${changed} environments with their one change`);
    results[n] = { seconds: Math.round(run.ms / 100) / 10, cpuSeconds: Math.round(run.cpuMs / 100) / 10, maxRssMb: Math.round(run.maxRssMb), exit: run.code, loadBefore: Math.round(load * 10) / 10 };
    process.stderr.write(`flux-count: ${n}: ${JSON.stringify(results[n])}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(results));
