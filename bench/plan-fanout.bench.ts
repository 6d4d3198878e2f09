// Benchmark: plan fan-out (issue #16) — the plan of a pull request that changes a base shared by 200
// environments, with 1, 2 and 4 `bosun worker` processes, fan-out off (BOSUN_PLAN_FANOUT_ENVS=0: one plan
// job renders all 200) and on (the defaults: over 40 affected environments, parts of 10 on the plan-part
// queue). Time from `pull_request opened` to the sticky comment and to 200 completed check runs. Real
// Redis, git, kustomize and the GitHub stand-in; no cluster (no apply previews). Each measurement is a new
// pull request changing the base differently (nothing rendered before), with fresh worker processes that
// keep their data dirs (the mirror is warm after a warm-up plan); the input index in Redis is warm too.
// BENCH_PLAN_FANOUT_WORKERS (default "1,2,4"). Prints one JSON line.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeGitRepo } from '../testkit/git-repo.ts';
import { startHarness } from '../testkit/harness.ts';
import { startWorkerProcess, type BosunProcess } from '../testkit/bosun-process.ts';
import { benchRedisUrl, loadAverage, sharedBaseFiles } from './bench-env.ts';
import { runBenchChild } from './child-main.ts';

const owner = 'acme';
const name = 'bench-plan-fanout';
const envCount = 200;
const configMaps = 10;
type Json = Record<string, unknown>;
/** `bosun worker` has no key-prefix setting: the bench's queues live in a Redis database of their own. */
const redisUrl = benchRedisUrl(12);
const envName = (k: number): string => `e${String(k).padStart(3, '0')}`;

async function main(): Promise<Json> {
  const loadBefore = loadAverage();
  const workerCounts = (process.env.BENCH_PLAN_FANOUT_WORKERS ?? '1,2,4').split(',').map(Number).filter((n) => n > 0);
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-plan-fanout-'));
  const repo = await makeGitRepo();
  const h = await startHarness({ workers: false, redisUrl, prefix: 'bosun' });
  const workers: BosunProcess[] = [];
  const say = (line: string): void => void process.stderr.write(`[plan-fanout] ${line}\n`);
  try {
    await repo.write('.bosun.yaml', ['version: 1', 'environments:', ...Array.from({ length: envCount }, (_, k) => `  - name: ${envName(k)}\n    path: envs/${envName(k)}`), ''].join('\n'));
    for (const [path, content] of Object.entries(sharedBaseFiles('0', configMaps))) await repo.write(path, content);
    for (let k = 0; k < envCount; k++) {
      await repo.write(`envs/${envName(k)}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: pf-${envName(k)}\nresources:\n  - namespace.yaml\n  - ../../base\n`);
      await repo.write(`envs/${envName(k)}/namespace.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: pf-${envName(k)}\n`);
    }
    await repo.commit('200 environments on one shared base');
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });

    let pr = 0;
    /** A new pull request changing the base, planned by `count` fresh workers; ms to its comment and to its 200 check runs. */
    const plan = async (count: number, fanoutEnvs: string): Promise<Json> => {
      pr++;
      workers.push(...await Promise.all(Array.from({ length: count }, async (_, i) => {
        const dataDir = join(work, `worker-${i}`);
        await mkdir(dataDir, { recursive: true });
        return startWorkerProcess({ env: { ...h.workerEnv, BOSUN_DATA_DIR: dataDir, HOME: work, LOG_LEVEL: 'warn', BOSUN_PLAN_FANOUT_ENVS: fanoutEnvs }, home: work, redisUrl, timeoutMs: 180_000 });
      })));
      await repo.git('checkout', '--quiet', '-b', `change-${pr}`, 'main');
      for (const [path, content] of Object.entries(sharedBaseFiles(`pr-${pr}`, configMaps))) await repo.write(path, content);
      const head = await repo.commit(`change the shared base (${pr})`);
      await repo.git('checkout', '--quiet', 'main');
      await h.gh.addPullRequest({ owner, repo: name, number: pr, head: { ref: `change-${pr}`, sha: head }, base: { ref: 'main' }, user: 'alice' });
      const payload = h.gh.examplePayload('pull_request', 'opened', h.gh.repoPayload(owner, name), { number: pr, pull_request: await h.gh.pullPayload(owner, name, pr) });
      const t0 = performance.now();
      const d = await h.send('pull_request', payload);
      if (d.status >= 300) throw new Error(`pull_request delivery answered ${d.status}`);
      const until = t0 + 1_800_000;
      let commentMs: number | undefined;
      let checksMs: number | undefined;
      while (commentMs === undefined || checksMs === undefined) {
        if (commentMs === undefined && h.gh.comments(owner, name, pr).some((c) => String(c.body).startsWith('<!-- bosun:plan -->') && String(c.body).includes(head.slice(0, 7)))) commentMs = performance.now() - t0;
        const runs = h.gh.checkRuns(owner, name, head).filter((r) => /^bosun \/ e\d+$/.test(String(r.name)) && r.status === 'completed');
        if (checksMs === undefined && runs.length >= envCount) {
          checksMs = performance.now() - t0;
          const failed = runs.filter((r) => r.conclusion !== 'success');
          if (failed.length) throw new Error(`${failed.length} check run(s) not successful, e.g. ${String(failed[0].name)}: ${JSON.stringify(failed[0].output).slice(0, 600)}`);
        }
        if (performance.now() > until) throw new Error(`plan incomplete after 30 min: comment ${String(commentMs)}, ${runs.length} check runs`);
        await sleep(100);
      }
      await Promise.all(workers.splice(0).map((w) => w.stop(30_000)));
      const result = { workers: count, fanOut: fanoutEnvs !== '0', stickyCommentMs: Math.round(commentMs), checkRunsCompletedMs: Math.round(checksMs), loadAverage: loadAverage() };
      say(JSON.stringify(result));
      return result;
    };

    say('warm-up plan (mirrors, input index)');
    const warmUp = await plan(Math.max(...workerCounts), '40');
    const runs: Json[] = [];
    for (const count of workerCounts) {
      for (const fanoutEnvs of ['0', '40']) runs.push(await plan(count, fanoutEnvs));
    }
    return {
      shape: { environments: envCount, objectsPerEnvironment: configMaps + 1, fanOut: { envs: 40, batch: 10 }, workerConcurrency: 2 },
      warmUpMs: warmUp.checkRunsCompletedMs,
      plans: runs,
      problems: h.gh.problems().length,
      cpus: availableParallelism(),
      loadAverage: { before: loadBefore, after: loadAverage() },
      node: process.version,
    };
  } finally {
    await Promise.all(workers.splice(0).map((w) => w.stop(30_000)));
    await h.close();
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  }
}

runBenchChild(main);
