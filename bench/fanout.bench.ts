// Benchmark: fan-out — a change to a shared base that affects 200 environments across 50 registered
// clusters (issue #16). Real Redis, git, the GitHub stand-in and the test kube-apiserver; the webhook
// server in this process and the workers as `bosun worker` processes, configured through the environment
// only, as an operator runs them (default limits: BOSUN_APPLY_CONCURRENCY_PER_CLUSTER=4, no global limit,
// two applies at once per worker).
// The 50 cluster entries are 50 contexts of one kubeconfig on the test API server, each with its own
// default namespace; each of the 200 environments (4 per cluster) is a kustomize overlay of one shared
// base (10 ConfigMaps) into its own namespace. On each cluster the first environment is the canary and the
// other three list it in `dependsOn`.
//  1. merge → last environment applied: a push changes the base; time from the push webhook to the 200th
//     `bosun / apply (<env>)` check run completed, with 1, 2 and 4 worker processes (after one warm-up
//     merge that creates every namespace). From the apply jobs' start and finish times: the most applies
//     that ran at once overall and on one cluster, and that no dependent started before its canary ended;
//  2. the plan of a pull request changing the base: time from `pull_request opened` to the sticky comment
//     and 200 completed check runs (one plan job renders every environment; today it does not fan out).
// Cluster: BOSUN_TEST_KUBECONFIG when set (e.g. from `npm run testenv -- up`), else a fresh test cluster.
// Workers: BENCH_FANOUT_WORKERS (default "1,2,4"). Prints one JSON line.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { parse, stringify } from 'yaml';
import { inventoryName, inventoryNamespace } from '../src/cluster/index.ts';
import { queueNames, type ApplyJob } from '../src/jobs.ts';
import { kubectlPath } from '../src/util/tools.ts';
import { startHarness, type Harness } from '../testkit/harness.ts';
import { makeGitRepo, type GitRepoBuilder } from '../testkit/git-repo.ts';
import { startWorkerProcess, type BosunProcess } from '../testkit/bosun-process.ts';
import { benchCluster, benchRedisUrl, loadAverage, sharedBaseFiles } from './bench-env.ts';
import { runBenchChild } from './child-main.ts';

const run = promisify(execFile);
const owner = 'acme';
const name = 'bench-fanout';
const clusterCount = 50;
const envCount = 200;
const configMaps = 10;
type Json = Record<string, unknown>;
/** `bosun worker` has no key-prefix setting: the bench's queues live in a Redis database of their own. */
const redisUrl = benchRedisUrl(14);

const pad = (n: number, width = 3): string => String(n).padStart(width, '0');
const envName = (k: number): string => `e${pad(k)}`;
const clusterOf = (k: number): number => k % clusterCount;

/** One kubeconfig with a context per cluster entry, all on the test API server as its admin. */
async function fanoutKubeconfig(adminPath: string, suffix: string, file: string): Promise<void> {
  const admin = parse(await readFile(adminPath, 'utf8')) as { 'current-context': string; contexts: Array<{ name: string; context: { cluster: string; user: string } }>; clusters: unknown[]; users: unknown[] };
  const current = admin.contexts.find((c) => c.name === admin['current-context']) ?? admin.contexts[0];
  const contexts = Array.from({ length: clusterCount }, (_, i) => ({ name: `fanout-${pad(i, 2)}`, context: { cluster: current.context.cluster, user: current.context.user, namespace: `fo-${suffix}-c${pad(i, 2)}` } }));
  await writeFile(file, stringify({ apiVersion: 'v1', kind: 'Config', clusters: admin.clusters, users: admin.users, contexts, 'current-context': contexts[0].name, preferences: {} }));
}

interface Span {
  env: string;
  cluster: string;
  start: number;
  end: number;
}

/** The most spans open at one moment. */
function mostAtOnce(spans: readonly Span[]): number {
  const events = spans.flatMap((s) => [{ t: s.start, d: 1 }, { t: s.end, d: -1 }]).sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let most = 0;
  for (const e of events) {
    open += e.d;
    most = Math.max(most, open);
  }
  return most;
}

async function main(): Promise<Json> {
  const loadBefore = loadAverage();
  const workerCounts = (process.env.BENCH_FANOUT_WORKERS ?? '1,2,4').split(',').map(Number).filter((n) => n > 0);
  const { kubeconfig, stop: stopCluster } = await benchCluster();
  const kubectl = (...args: string[]) => run(kubectlPath(), ['--kubeconfig', kubeconfig, ...args]);
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-fanout-'));
  const suffix = randomBytes(3).toString('hex');
  const namespaces = Array.from({ length: envCount }, (_, k) => `fo-${suffix}-${envName(k)}`);
  let h: Harness | undefined;
  let repo: GitRepoBuilder | undefined;
  let applies: Queue | undefined;
  const workers: BosunProcess[] = [];
  const say = (line: string): void => void process.stderr.write(`[fanout] ${line}\n`);
  try {
    const contextsFile = join(work, 'fanout.kubeconfig');
    await fanoutKubeconfig(kubeconfig, suffix, contextsFile);
    const clustersFile = join(work, 'clusters.yaml');
    await writeFile(clustersFile, `clusters:\n${Array.from({ length: clusterCount }, (_, i) => `  c${pad(i, 2)}:\n    kubeconfig: ${contextsFile}\n    context: fanout-${pad(i, 2)}\n`).join('')}`);

    repo = await makeGitRepo();
    const environments = Array.from({ length: envCount }, (_, k) => [
      `  - name: ${envName(k)}`,
      `    path: envs/${envName(k)}`,
      `    cluster: c${pad(clusterOf(k), 2)}`,
      ...(k >= clusterCount ? [`    dependsOn: [${envName(clusterOf(k))}]`] : []),
    ].join('\n'));
    // Drift checks a day apart: none runs during the measurement.
    await repo.write('.bosun.yaml', ['version: 1', 'defaults:', '  reconcileInterval: 24h', 'environments:', ...environments, ''].join('\n'));
    await repo.write('README.md', 'fan-out bench\n');
    let tip = await repo.commit('configure bosun');

    h = await startHarness({ workers: false, redisUrl, prefix: 'bosun', clustersFile });
    const harness = h;
    await harness.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    applies = new Queue(queueNames.apply, { connection: { url: redisUrl }, prefix: 'bosun' });
    const queue = applies;

    const startWorkers = async (count: number): Promise<void> => {
      const started = await Promise.all(Array.from({ length: count }, async (_, i) => {
        const dataDir = join(work, `worker-${workers.length + i}`);
        await mkdir(dataDir, { recursive: true });
        return startWorkerProcess({ env: { ...harness.workerEnv, BOSUN_DATA_DIR: dataDir, HOME: work, LOG_LEVEL: 'warn' }, home: work, redisUrl, timeoutMs: 180_000 });
      }));
      workers.push(...started);
    };
    const stopWorkers = async (): Promise<void> => {
      await Promise.all(workers.splice(0).map((w) => w.stop(30_000)));
    };
    const push = async (before: string, after: string): Promise<void> => {
      const payload = harness.gh.examplePayload('push', undefined, harness.gh.repoPayload(owner, name), await harness.gh.pushPayload(owner, name, { before, after }));
      const d = await harness.send('push', payload);
      if (d.status >= 300) throw new Error(`push delivery answered ${d.status}`);
    };
    const applyRuns = (sha: string): Json[] => harness.gh.checkRuns(owner, name, sha).filter((r) => String(r.name).startsWith('bosun / apply ('));
    /** Waits for every environment's apply check run to complete; ms since `t0` when the last one did. */
    const allApplied = async (sha: string, t0: number, timeoutMs: number): Promise<number> => {
      const until = performance.now() + timeoutMs;
      let last = -1;
      for (;;) {
        const runs = applyRuns(sha);
        const done = runs.filter((r) => r.status === 'completed');
        if (done.length >= envCount) {
          const failed = done.filter((r) => r.conclusion !== 'success');
          if (failed.length > 0) throw new Error(`${failed.length} apply(s) did not succeed, e.g. ${String(failed[0].name)}: ${JSON.stringify(failed[0].output).slice(0, 600)}`);
          return performance.now() - t0;
        }
        if (done.length !== last) {
          last = done.length;
          say(`${done.length}/${envCount} applied`);
        }
        if (performance.now() > until) throw new Error(`only ${done.length} of ${envCount} applies completed within ${timeoutMs} ms`);
        await sleep(100);
      }
    };
    /** Start and finish of each apply job of `sha` as BullMQ recorded them (start: its last activation). */
    const spansOf = async (sha: string): Promise<Span[]> => {
      const jobs = await queue.getJobs(['completed']);
      return jobs.filter((j) => (j?.data as ApplyJob | undefined)?.sha === sha).map((j) => {
        const data = j.data as ApplyJob;
        return { env: data.env, cluster: data.cluster ?? '', start: j.processedOn ?? 0, end: j.finishedOn ?? 0 };
      });
    };
    const merge = async (version: string): Promise<{ before: string; after: string }> => {
      for (const [path, content] of Object.entries(sharedBaseFiles(version, configMaps))) await repo!.write(path, content);
      const before = tip;
      tip = await repo!.commit(`base ${version}`);
      return { before, after: tip };
    };

    // Warm-up: every environment appears (its overlay and namespace) and is applied once, with 4 workers.
    for (let k = 0; k < envCount; k++) {
      await repo.write(`envs/${envName(k)}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${namespaces[k]}\nresources:\n  - namespace.yaml\n  - ../../base\n`);
      await repo.write(`envs/${envName(k)}/namespace.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespaces[k]}\n`);
    }
    const warm = await merge('0');
    await startWorkers(4);
    say('warm-up: 200 environments appear');
    let t0 = performance.now();
    await push(warm.before, warm.after);
    const warmUpMs = await allApplied(warm.after, t0, 1_800_000);
    await stopWorkers();

    const scaling: Json[] = [];
    for (const count of workerCounts) {
      await startWorkers(count);
      const m = await merge(`w${count}`);
      say(`${count} worker(s): merge ${m.after.slice(0, 7)}`);
      t0 = performance.now();
      await push(m.before, m.after);
      const lastAppliedMs = await allApplied(m.after, t0, 1_800_000);
      const spans = await spansOf(m.after);
      const byCluster = new Map<string, Span[]>();
      for (const s of spans) byCluster.set(s.cluster, [...(byCluster.get(s.cluster) ?? []), s]);
      const spanOf = new Map(spans.map((s) => [s.env, s]));
      const earlyDependents = spans.filter((s) => {
        const k = Number(s.env.slice(1));
        const canary = k >= clusterCount ? spanOf.get(envName(clusterOf(k))) : undefined;
        return canary !== undefined && s.start < canary.end;
      }).length;
      const durations = spans.map((s) => s.end - s.start).sort((a, b) => a - b);
      scaling.push({
        workers: count,
        lastAppliedMs: Math.round(lastAppliedMs),
        appliesPerMinute: Math.round((envCount / lastAppliedMs) * 60_000 * 10) / 10,
        applyJobMs: { p50: durations[Math.floor(durations.length / 2)] ?? null, max: durations.at(-1) ?? null },
        mostAtOnce: mostAtOnce(spans),
        mostAtOnceOnOneCluster: Math.max(...[...byCluster.values()].map(mostAtOnce)),
        dependentsStartedBeforeCanaryEnded: earlyDependents,
        jobsSeen: spans.length,
        loadAverage: loadAverage(),
      });
      say(JSON.stringify(scaling.at(-1)));
      await stopWorkers();
    }

    // The plan of a pull request that changes the base: one plan job renders all 200 environments.
    await startWorkers(Math.max(...workerCounts));
    await repo.git('checkout', '--quiet', '-b', 'change-base');
    for (const [path, content] of Object.entries(sharedBaseFiles('pr', configMaps))) await repo.write(path, content);
    const head = await repo.commit('change the shared base');
    await repo.git('checkout', '--quiet', 'main');
    await harness.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'change-base', sha: head }, base: { ref: 'main' }, user: 'alice' });
    const payload = harness.gh.examplePayload('pull_request', 'opened', harness.gh.repoPayload(owner, name), { number: 1, pull_request: await harness.gh.pullPayload(owner, name, 1) });
    say('plan of the pull request');
    t0 = performance.now();
    const d = await harness.send('pull_request', payload);
    if (d.status >= 300) throw new Error(`pull_request delivery answered ${d.status}`);
    const planUntil = performance.now() + 1_800_000;
    let commentMs: number | undefined;
    let planChecksMs: number | undefined;
    for (;;) {
      const comment = harness.gh.comments(owner, name, 1).find((c) => String(c.body).startsWith('<!-- bosun:plan -->') && String(c.body).includes(head.slice(0, 7)));
      if (comment && commentMs === undefined) commentMs = performance.now() - t0;
      const runs = harness.gh.checkRuns(owner, name, head).filter((r) => /^bosun \/ e\d+$/.test(String(r.name)) && r.status === 'completed');
      if (runs.length >= envCount && planChecksMs === undefined) planChecksMs = performance.now() - t0;
      if (commentMs !== undefined && planChecksMs !== undefined) break;
      if (performance.now() > planUntil) throw new Error(`plan incomplete: comment ${String(commentMs)}, ${runs.length} check runs`);
      await sleep(200);
    }
    await stopWorkers();
    say(`plan: sticky comment after ${Math.round(commentMs!)} ms, ${envCount} check runs completed after ${Math.round(planChecksMs!)} ms`);

    return {
      shape: { environments: envCount, clusters: clusterCount, objectsPerEnvironment: configMaps + 1, dependents: envCount - clusterCount },
      limits: { perCluster: 4, global: 'none', appliesPerWorker: 2 },
      warmUpMs: Math.round(warmUpMs),
      mergeToLastApplied: scaling,
      plan: { environments: envCount, stickyCommentMs: Math.round(commentMs!), checkRunsCompletedMs: Math.round(planChecksMs!), fanOut: false },
      problems: harness.gh.problems().length,
      loadAverage: { before: loadBefore, after: loadAverage() },
      node: process.version,
    };
  } finally {
    await Promise.all(workers.splice(0).map((w) => w.stop(30_000)));
    await applies?.close();
    await h?.close();
    const inventories = Array.from({ length: envCount }, (_, k) => inventoryName(envName(k), `${owner}/${name}`));
    for (let i = 0; i < envCount; i += 50) {
      await kubectl('delete', 'namespace', ...namespaces.slice(i, i + 50), '--ignore-not-found', '--wait=false').catch(() => undefined);
      await kubectl('delete', 'configmap', '-n', inventoryNamespace, ...inventories.slice(i, i + 50), '--ignore-not-found').catch(() => undefined);
    }
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
    await stopCluster();
  }
}

runBenchChild(main);
