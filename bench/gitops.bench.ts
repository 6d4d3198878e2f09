// Benchmark: the GitOps loop after merge, end to end on this machine — real Redis, git, the GitHub stand-in
// and the test kube-apiserver, bosun's server and workers in this process (wired as testkit/harness.ts
// wires them, default concurrency):
//  1. merge → applied: a push to main changes 100 ConfigMaps + a Service in `staging`; time from the push
//     webhook to the `bosun / apply (staging)` check run completed (render, validate, apply, prune, health),
//     5 merges one after another;
//  2. promotion: one push affects `staging` and `production` (dependsOn staging): time until production's
//     check run completes, and the gap between staging's success and production's start;
//  3. drift check: one reconcile of the 101-object environment with no drift, and one after a hand edit
//     (the drift issue is opened): job run time.
// Cluster: BOSUN_TEST_KUBECONFIG when set (e.g. from `npm run testenv -- up`), else a fresh test cluster.
// Prints one JSON line.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { inventoryName, inventoryNamespace } from '../src/cluster/index.ts';
import { queueNames } from '../src/jobs.ts';
import { kubectlPath } from '../src/util/tools.ts';
import { redisUrl, startHarness, type Harness } from '../testkit/harness.ts';
import { makeGitRepo, type GitRepoBuilder } from '../testkit/git-repo.ts';
import { benchCluster, loadAverage } from './bench-env.ts';
import { runBenchChild } from './child-main.ts';

const run = promisify(execFile);
const owner = 'acme';
const name = 'bench-gitops';
type Json = Record<string, unknown>;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function objects(namespace: string, version: string, count: number): string {
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`];
  for (let i = 0; i < count; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-${i}\n  namespace: ${namespace}\ndata:\n  version: "${version}"\n  index: "${i}"\n`);
  docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: ${namespace}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, protocol: TCP}]\n`);
  return docs.join('---\n');
}

async function main(): Promise<Json> {
  const loadBefore = loadAverage();
  const { kubeconfig, stop: stopCluster } = await benchCluster();
  const kubectl = (...args: string[]) => run(kubectlPath(), ['--kubeconfig', kubeconfig, ...args]);
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-gitops-'));
  const suffix = randomBytes(3).toString('hex');
  const [staging, production] = [`bench-staging-${suffix}`, `bench-production-${suffix}`];
  const [nsStaging, nsProduction] = [`bench-s-${suffix}`, `bench-p-${suffix}`];
  const count = 100;
  let h: Harness | undefined;
  let repo: GitRepoBuilder | undefined;
  try {
    const clustersFile = join(work, 'clusters.yaml');
    await writeFile(clustersFile, `clusters:\n  test:\n    kubeconfig: ${kubeconfig}\n`);
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', [
      'version: 1',
      'environments:',
      `  - name: ${staging}`,
      '    path: clusters/staging',
      '    cluster: test',
      `  - name: ${production}`,
      '    path: clusters/production',
      '    cluster: test',
      `    dependsOn: [${staging}]`,
      '',
    ].join('\n'));
    await repo.write('README.md', 'bench\n');
    let tip = await repo.commit('initial');
    h = await startHarness({ clustersFile });
    const installed = await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    const harness = h;
    const repository = harness.gh.repoPayload(owner, name).repository as { clone_url: string };
    const repoRef = { owner, name, fullName: `${owner}/${name}`, cloneUrl: repository.clone_url, defaultBranch: 'main' };

    const push = async (before: string, after: string): Promise<void> => {
      const payload = harness.gh.examplePayload('push', undefined, harness.gh.repoPayload(owner, name), await harness.gh.pushPayload(owner, name, { before, after }));
      const d = await harness.send('push', payload);
      if (d.status >= 300) throw new Error(`push delivery answered ${d.status}`);
    };
    const completed = async (sha: string, env: string): Promise<Json> => {
      const until = performance.now() + 180_000;
      for (;;) {
        const r = harness.gh.checkRuns(owner, name, sha).find((c) => c.name === `bosun / apply (${env})` && c.status === 'completed');
        if (r) return r;
        if (performance.now() > until) throw new Error(`no completed apply check for ${env} at ${sha.slice(0, 7)}`);
        await sleep(20);
      }
    };
    const merge = async (change: () => Promise<void>): Promise<{ before: string; after: string }> => {
      await change();
      const before = tip;
      tip = await repo!.commit('change');
      return { before, after: tip };
    };

    // Warm-up: the first push clones the mirror and creates both environments.
    const first = await merge(async () => {
      await repo!.write('clusters/staging/objects.yaml', objects(nsStaging, '0', count));
      await repo!.write('clusters/production/objects.yaml', objects(nsProduction, '0', count));
    });
    await push(first.before, first.after);
    await completed(first.after, production);

    // 1. merge → applied, staging only.
    const applyRuns: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const m = await merge(async () => repo!.write('clusters/staging/objects.yaml', objects(nsStaging, String(i), count)));
      const t0 = performance.now();
      await push(m.before, m.after);
      const check = await completed(m.after, staging);
      if (check.conclusion !== 'success') throw new Error(`staging apply ${i} concluded ${String(check.conclusion)}: ${JSON.stringify(check.output)}`);
      applyRuns.push(performance.now() - t0);
    }

    // 2. promotion: both environments in one push.
    const both = await merge(async () => {
      await repo!.write('clusters/staging/objects.yaml', objects(nsStaging, 'p', count));
      await repo!.write('clusters/production/objects.yaml', objects(nsProduction, 'p', count));
    });
    const t1 = performance.now();
    await push(both.before, both.after);
    const stagingCheck = await completed(both.after, staging);
    const stagingDone = performance.now() - t1;
    const productionCheck = await completed(both.after, production);
    const productionDone = performance.now() - t1;
    const statusTimes = (env: string): string[] => {
      const deployment = harness.gh.deployments(owner, name).find((d) => d.sha === both.after && d.environment === env);
      return deployment ? harness.gh.deploymentStatuses(Number(deployment.id)).map((s) => String(s.created_at)) : [];
    };
    const stagingSuccessAt = Date.parse(statusTimes(staging).at(-1) ?? '');
    const productionStartAt = Date.parse(statusTimes(production)[0] ?? '');

    // 3. drift checks: no drift, then one ConfigMap edited by hand.
    const reconcile = new Queue(queueNames.reconcile, { connection: { url: redisUrl }, prefix: harness.prefix });
    const check = async (): Promise<{ ms: number; state: unknown }> => {
      const job = await reconcile.add('reconcile', { installationId: installed.installationId, repo: repoRef, env: staging });
      for (;;) {
        const done = await reconcile.getJob(job.id!);
        if (done && (await done.isCompleted()) && done.finishedOn && done.processedOn) {
          const fresh = await reconcile.getJob(job.id!);
          return { ms: (fresh!.finishedOn ?? 0) - (fresh!.processedOn ?? 0), state: (fresh!.returnvalue as Json | undefined)?.value ?? fresh!.returnvalue };
        }
        if (done && (await done.isFailed())) throw new Error(`reconcile failed: ${done.failedReason}`);
        await sleep(20);
      }
    };
    let drift: Json;
    try {
      const clean = await check();
      await kubectl('patch', 'configmap', 'cfg-7', '-n', nsStaging, '--type', 'merge', '-p', '{"data":{"version":"by-hand"}}');
      const drifted = await check();
      const issues = harness.gh.issues(owner, name).filter((i) => String(i.title).includes(staging));
      drift = { objects: count + 2, noDriftMs: clean.ms, withDriftMs: drifted.ms, issueOpened: issues.length === 1, noDriftResult: clean.state, driftResult: drifted.state };
    } finally {
      await reconcile.close();
    }

    return {
      mergeToApplied: { objects: count + 2, runs: applyRuns.map(Math.round), p50Ms: Math.round(median(applyRuns)) },
      promotion: {
        objectsPerEnv: count + 2,
        stagingAppliedMs: Math.round(stagingDone),
        productionAppliedMs: Math.round(productionDone),
        stagingSuccessToProductionStartMs: Number.isFinite(productionStartAt - stagingSuccessAt) ? productionStartAt - stagingSuccessAt : null,
        conclusions: [stagingCheck.conclusion, productionCheck.conclusion],
      },
      driftCheck: drift,
      problems: harness.gh.problems().length,
      loadAverage: { before: loadBefore, after: loadAverage() },
      node: process.version,
    };
  } finally {
    await h?.close();
    await kubectl('delete', 'namespace', nsStaging, nsProduction, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await kubectl('delete', 'configmap', '-n', inventoryNamespace, inventoryName(staging, `${owner}/${name}`), inventoryName(production, `${owner}/${name}`), '--ignore-not-found').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
    await stopCluster();
  }
}

runBenchChild(main);
