// Benchmark: a running worker on the 1,000-app Flux monorepo (issue #16: "< 1 s from job start to comment
// posted", one touched file, warm, indexes in Redis). A real `bosun worker` process, the webhook server and
// the GitHub stand-in (testkit/harness.ts), the monorepo of bench/generate-monorepo.ts served by the
// stand-in. A warm-up pull request is planned first (the worker's mirror, its base index in Redis, modules
// loaded); then each round pushes a new head to it that changes the same one file again and sends
// `synchronize`. Per round: webhook sent → sticky comment posted (the stand-in's record of the request that
// wrote it), BullMQ's processedOn → comment posted, the worker's CPU time (its children's included, so it
// says what a round costs whatever else loads the machine), the phases of its `plan timings` log line, and
// when its progress lines and the check-run requests came. No cluster registered (no apply previews).
// BENCH_WORKER_APPS (default 1000), BENCH_WORKER_ROUNDS (default 7); BENCH_WORKER_REQUESTS=1 lists each
// round's GitHub requests on stderr; BENCH_WORKER_NODE_OPTIONS is the worker's NODE_OPTIONS (a --require
// of a profiler hook, say). Prints one JSON line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { queueNames, type PlanJob } from '../src/jobs.ts';
import { makeGitRepo } from '../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../testkit/harness.ts';
import { startWorkerProcess, type BosunProcess } from '../testkit/bosun-process.ts';
import type { RequestRecord } from '../testkit/github-standin/index.ts';
import { benchRedisUrl, loadAverage } from './bench-env.ts';
import { runBenchChild } from './child-main.ts';
import { generateMonorepo, monorepoBranch } from './generate-monorepo.ts';

const owner = 'acme';
const name = 'bench-worker-latency';
type Json = Record<string, unknown>;
/** `bosun worker` has no key-prefix setting: the bench's queues live in a Redis database of their own. */
const redisUrl = benchRedisUrl(10);
const say = (line: string): void => void process.stderr.write(`[worker-latency] ${line}\n`);
const ms = (iso: unknown): number => Date.parse(String(iso));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : Math.round((s[s.length / 2 - 1]! + s[s.length / 2]!) / 2);
};

/**
 * CPU time of the worker process and of the children it waited for (git, kustomize, helm), from
 * /proc/<pid>/stat: what a round costs whatever else the machine runs.
 */
function workerCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  // utime, stime, cutime, cstime: fields 14–17 of the line, 12–15 after the pid, the name and the state.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return Math.round((ticks * 1000) / clockTicks);
}
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The request that wrote the sticky plan comment for `head` (created or edited). */
function commentRequest(h: Harness, head: string, after: number): RequestRecord | undefined {
  return h.gh.requests.find((r) => r.kind === 'rest' && (r.method === 'POST' || r.method === 'PATCH') && /\/issues\/(\d+\/)?comments/.test(r.path)
    && r.status < 300 && ms(r.timestamp) >= after && String((r.body as Json | undefined)?.body ?? '').startsWith('<!-- bosun:plan -->')
    && String((r.body as Json).body).includes(head.slice(0, 7)));
}

/** Milliseconds from job start to each step of one plan job, from the worker's log and the stand-in's records. */
function steps(worker: BosunProcess, h: Harness, jobId: string, start: number, end: number): { phasesMs?: Record<string, number>; sinceStartMs: Record<string, number> } {
  const out: Record<string, number> = {};
  let phases: Record<string, number> | undefined;
  const at = (label: string, t: number | undefined): void => {
    if (t !== undefined && !Number.isNaN(t) && !(label in out)) out[label] = Math.round(t - start);
  };
  for (const e of worker.entries().filter((l) => l.jobId === jobId)) {
    const msg = String(e.msg);
    const label = msg.startsWith('fetching') ? 'fetching' : msg.startsWith('planning') ? 'planning' : msg.startsWith('analysing') ? 'analysing'
      : msg.startsWith('rendered') ? 'firstRendered' : msg.startsWith('reported') ? 'reportedLogged' : undefined;
    if (label) at(label, ms(e.time));
    if (msg.startsWith('rendered')) out.lastRendered = Math.round(ms(e.time) - start);
    if (e.msg === 'plan timings') phases = e.phasesMs as Record<string, number>;
  }
  const during = h.gh.requests.filter((r) => ms(r.timestamp) >= start && ms(r.timestamp) <= end);
  const inJob = during.filter((r) => r.kind === 'rest');
  const runsCreated = inJob.filter((r) => r.method === 'POST' && r.path.endsWith('/check-runs'));
  const runsUpdated = inJob.filter((r) => r.method === 'PATCH' && /\/check-runs\/\d+$/.test(r.path));
  at('firstCheckRunCreated', runsCreated[0] && ms(runsCreated[0].timestamp));
  at('lastCheckRunCompleted', runsUpdated.at(-1) && ms(runsUpdated.at(-1)!.timestamp));
  out.githubRequests = inJob.length;
  out.gitRequests = during.filter((r) => r.kind === 'git').length;
  if (process.env.BENCH_WORKER_REQUESTS) say(inJob.map((r) => `${ms(r.timestamp) - start} ${r.method} ${r.path} ${r.status}`).join('\n'));
  return { ...(phases ? { phasesMs: phases } : {}), sinceStartMs: out };
}

async function main(): Promise<Json> {
  const loadBefore = loadAverage();
  const apps = Number(process.env.BENCH_WORKER_APPS ?? 1000);
  const rounds = Number(process.env.BENCH_WORKER_ROUNDS ?? 7);
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-worker-latency-'));
  const h = await startHarness({ workers: false, redisUrl, prefix: 'bosun' });
  const plans = new Queue(queueNames.plan, { connection: { url: redisUrl }, prefix: 'bosun' });
  let worker: BosunProcess | undefined;
  try {
    say(`generating ${apps} apps × 2 overlays`);
    const mono = await generateMonorepo(join(work, 'repo'), { apps, envs: ['staging', 'production'] });
    // The generator left its branch checked out; the rounds commit more heads on it.
    const repo = await makeGitRepo(mono.dir);
    const touched = mono.touchedPaths[0]!;
    await h.gh.addRepo({ owner, name, gitDir: mono.dir, defaultBranch: 'main' });
    const dataDir = join(work, 'worker');
    await mkdir(dataDir, { recursive: true });
    worker = await startWorkerProcess({ env: { ...h.workerEnv, BOSUN_DATA_DIR: dataDir, HOME: work, ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}) }, home: work, redisUrl, timeoutMs: 180_000 });

    const pr = 1;
    /** Sends pull_request `action` for the PR's head now; the plan's timings once its comment is posted. */
    const plan = async (action: string, head: string): Promise<Json> => {
      const payload = h.gh.examplePayload('pull_request', action, h.gh.repoPayload(owner, name), { number: pr, pull_request: await h.gh.pullPayload(owner, name, pr) });
      const cpuBefore = workerCpuMs(worker!.pid);
      const sent = Date.now();
      const d = await h.send('pull_request', payload);
      if (d.status >= 300) throw new Error(`pull_request delivery answered ${d.status}`);
      const posted = await waitFor(`the plan comment for ${head.slice(0, 7)}`, () => {
        if (!worker?.running()) throw new Error(`the worker exited:\n${worker?.log().slice(-3000)}`);
        return commentRequest(h, head, sent);
      }, 300_000);
      // The job's own last line (its phases) follows the comment by a moment.
      const job = await waitFor(`the plan job of ${head.slice(0, 7)} to finish`, async () => {
        const found = (await plans.getJobs(['completed', 'failed'])).find((j) => (j.data as PlanJob).headSha === head);
        return found && worker!.entries().some((e) => e.jobId === found.id && e.msg === 'plan timings') ? found : undefined;
      });
      if (!job.processedOn) throw new Error(`no plan job with a start time for ${head.slice(0, 7)}`);
      const cpuMs = workerCpuMs(worker!.pid) - cpuBefore;
      const commentAt = ms(posted.timestamp);
      const start = job.processedOn;
      const affected = h.gh.checkRuns(owner, name, head).filter((r) => String(r.name).startsWith('bosun / ')).map((r) => `${String(r.name)}: ${String(r.conclusion)} (${String((r.output as Json | undefined)?.title)})`);
      const result = {
        webhookToCommentMs: commentAt - sent,
        queuedToStartMs: start - job.timestamp,
        startToCommentMs: commentAt - start,
        workerCpuMs: cpuMs,
        steps: steps(worker!, h, job.id ?? '', start, commentAt),
        checkRuns: affected,
        loadAverage: loadAverage(),
      };
      say(JSON.stringify(result));
      return result;
    };

    say('warm-up: the first pull request (clones the mirror, stores the base index)');
    await h.gh.addPullRequest({ owner, repo: name, number: pr, head: { ref: monorepoBranch, sha: mono.headSha }, base: { ref: 'main' }, user: 'alice' });
    const warmUp = await plan('opened', mono.headSha);
    const measured: Json[] = [];
    for (let i = 1; i <= rounds; i++) {
      // A new head changing the same one file again: the PR still touches one file against main.
      await repo.write(touched, (await repo.read(touched)).replace(/GREETING: .*/, `GREETING: round ${i}`));
      const head = await repo.commit(`round ${i}: new greeting`);
      await h.gh.updatePullRequest(owner, name, pr, { head: { sha: head } });
      measured.push(await plan('synchronize', head));
    }
    const of = (key: string): number[] => measured.map((m) => Number(m[key]));
    return {
      benchmark: 'running bosun worker: new PR head touching one file → sticky comment, Flux monorepo',
      apps,
      environments: mono.environments,
      rounds,
      warmUp,
      workerCpuMs: { p50: median(of('workerCpuMs')), max: Math.max(...of('workerCpuMs')), runs: of('workerCpuMs') },
      startToCommentMs: { p50: median(of('startToCommentMs')), max: Math.max(...of('startToCommentMs')), runs: of('startToCommentMs') },
      webhookToCommentMs: { p50: median(of('webhookToCommentMs')), max: Math.max(...of('webhookToCommentMs')), runs: of('webhookToCommentMs') },
      perRound: measured,
      problems: h.gh.problems().length,
      workerErrors: worker.errors(),
      cpus: availableParallelism(),
      loadAverage: { before: loadBefore, after: loadAverage() },
      node: process.version,
    };
  } finally {
    await worker?.stop(30_000);
    await plans.close();
    await h.close();
    await rm(work, { recursive: true, force: true });
  }
}

runBenchChild(main);
