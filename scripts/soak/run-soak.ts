// One soak run: start the stack, drive the load for the given minutes while sampling the processes,
// let everything drain, measure what is left, stop and clean up, and judge (criteria.ts). `npm run soak`
// (cli.ts) and test/e2e/soak-short.test.ts both run this.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueNames } from '../../src/jobs.ts';
import { kubectlPath } from '../../src/util/tools.ts';
import { failed, judge, table, type RedisKeys, type Row, type SoakLimits, type SoakMeasurements, type Timed, type WorkerMeasure } from './criteria.ts';
import { createLoad } from './load.ts';
import { descendants, entriesIn, openFds, rssBytes } from './processes.ts';
import { buildSoakRepo } from './repo.ts';
import { owner, repoName, startSoakStack, type SoakProcess } from './stack.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface SoakOptions {
  minutes: number;
  /** Memory, file descriptors, temp folders and Redis keys are first read this long into the run. */
  warmupMinutes: number;
  /** Latency is compared between the first and the last window of this length; memory over it. */
  windowMinutes: number;
  perSecond: number;
  seed: number;
  limits: SoakLimits;
  /** Admin kubeconfig of the test cluster the environments apply to. */
  kubeconfig: string;
  /** Redis with a database number the soak has to itself. */
  redisUrl: string;
  workers?: number;
  drainTimeoutMs?: number;
  log(line: string): void;
}

export interface SoakResult {
  rows: Row[];
  failed: Row[];
  table: string;
  measurements: SoakMeasurements;
}

const workQueues = [queueNames.plan, queueNames.command, queueNames.push, queueNames.apply];
const allQueues = Object.values(queueNames);

/** Sorts the keys of the soak's Redis database into kept jobs, keys that expire, and the rest. */
async function redisKeys(redis: Redis): Promise<RedisKeys> {
  const jobKeys = new Set<string>();
  for (const name of allQueues) {
    const queue = new Queue(name, { connection: redis, prefix: 'bosun' });
    const ids = (await queue.getJobs(['completed', 'failed', 'delayed', 'waiting', 'active', 'prioritized', 'waiting-children'], 0, -1)).flatMap((j) => (j?.id ? [j.id] : []));
    for (const id of ids) for (const suffix of ['', ':logs', ':lock']) jobKeys.add(`bosun:${name}:${id}${suffix}`);
  }
  const counts: RedisKeys = { total: 0, retainedJobs: 0, expiring: 0, other: 0 };
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const ttls = keys.length ? ((await redis.pipeline(keys.map((k) => ['pttl', k])).exec()) ?? []) : [];
    keys.forEach((key, i) => {
      counts.total++;
      if (jobKeys.has(key)) counts.retainedJobs++;
      else if (Number(ttls[i]?.[1]) > 0) counts.expiring++;
      else counts.other++;
    });
  } while (cursor !== '0');
  return counts;
}

async function queuesIdle(redis: Redis): Promise<boolean> {
  for (const name of workQueues) {
    const queue = new Queue(name, { connection: redis, prefix: 'bosun' });
    const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
    if (Object.values(counts).some((n) => n > 0)) return false;
  }
  return true;
}

/** The plan jobs BullMQ still holds for a pull request: id, head, reason, state and outcome. */
async function planJobsOf(redis: Redis, pr: number): Promise<string[]> {
  const queue = new Queue(queueNames.plan, { connection: redis, prefix: 'bosun' });
  const jobs = (await queue.getJobs(['completed', 'failed', 'delayed', 'waiting', 'active', 'prioritized'], 0, -1)).filter((j) => j?.data?.pr === pr);
  return Promise.all(jobs.sort((a, b) => a.timestamp - b.timestamp).map(async (j) =>
    `${j.id} ${String(j.data.headSha).slice(0, 7)} ${j.data.reason} ${await j.getState()} ${JSON.stringify(j.returnvalue ?? j.failedReason ?? null).slice(0, 200)}`));
}

/**
 * Checkouts left in the process's folders, and processes below it that were not there when it had just
 * started (tsx's esbuild service lives as long as the process does).
 */
async function leftovers(p: SoakProcess, atStart: ReadonlySet<string>): Promise<{ children: string[]; worktrees: string[] }> {
  const worktrees = (await Promise.all(p.worktreeDirs.map(async (d) => (await entriesIn(d)).map((e) => join(d, e))))).flat();
  return { children: (await descendants(p.proc.pid)).filter((c) => !atStart.has(c)), worktrees };
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const durationMs = opts.minutes * 60_000;
  const warmupMs = opts.warmupMinutes * 60_000;
  const windowMs = opts.windowMinutes * 60_000;
  const work = await mkdtemp(join(tmpdir(), 'bosun-soak-'));
  const id = randomBytes(3).toString('hex');
  const repo = await buildSoakRepo(join(work, 'repo'), id);
  const redis = new Redis(opts.redisUrl);
  const kubectl = (...args: string[]) => run(kubectlPath(), ['--kubeconfig', opts.kubeconfig, ...args], { timeout: 120_000 });
  let stack: Awaited<ReturnType<typeof startSoakStack>> | undefined;
  try {
    stack = await startSoakStack({ work, redisUrl: opts.redisUrl, kubeconfig: opts.kubeconfig, gitDir: repo.git.dir, workers: opts.workers ?? 2, log: opts.log });
    const processes = [...stack.workers, stack.serve];
    const baseline = (await redisKeys(redis)).total;
    const startChildren = new Map<string, Set<string>>();
    for (const p of processes) startChildren.set(p.proc.name, new Set(await descendants(p.proc.pid)));
    const load = createLoad(stack, repo, { durationMs, perSecond: opts.perSecond, seed: opts.seed, maxOpen: 8 });

    const rss = new Map<string, Timed[]>(processes.map((p) => [p.proc.name, []]));
    const warm = new Map<string, { fds: number; temp: number }>();
    let warmKeys: RedisKeys | undefined;
    let sampling = false;
    let lastReport = 0;
    const sample = async (): Promise<void> => {
      if (sampling || !load.startedAt) return;
      sampling = true;
      try {
        const t = performance.now() - load.startedAt;
        if (t > durationMs) return;
        for (const p of processes) {
          const bytes = await rssBytes(p.proc.pid);
          if (bytes !== undefined) rss.get(p.proc.name)!.push({ t, value: bytes });
        }
        if (t >= warmupMs && !warmKeys) {
          for (const p of processes) warm.set(p.proc.name, { fds: await openFds(p.proc.pid), temp: (await entriesIn(p.tempDir)).length });
          warmKeys = await redisKeys(redis);
          opts.log(`warm-up done at ${Math.round(t / 1000)} s: ${[...warm].map(([n, w]) => `${n} ${w.fds} fds`).join(', ')}; ${warmKeys.other} Redis keys without expiry`);
        }
        if (t - lastReport >= 60_000) {
          lastReport = t;
          const mbs = processes.map((p) => `${p.proc.name} ${Math.round((rss.get(p.proc.name)!.at(-1)?.value ?? 0) / 1048576)} MB`).join(', ');
          opts.log(`${Math.round(t / 60_000)} min: ${load.deliveries.length} webhooks answered, ${load.prComments().length} PR heads commented; ${mbs}`);
        }
      } finally {
        sampling = false;
      }
    };
    const sampler = setInterval(() => void sample(), 5_000);
    opts.log(`load: ${opts.perSecond} events/s for ${opts.minutes} min (seed ${opts.seed})`);
    try {
      await load.run();
    } finally {
      clearInterval(sampler);
    }

    // Drain: every head commented, every command answered, the queues empty, main's last commit applied.
    const drainStart = performance.now();
    const applied = (sha: string): string[] => ['staging', 'production'].filter((env) => stack!.gh.checkRuns(owner, repoName, sha)
      .some((r) => r.name === `bosun / apply (${env})` && r.status === 'completed' && r.conclusion === 'success'));
    const last = load.pushes().last;
    let drained = true;
    try {
      await waitFor('the soak to drain', async () => {
        load.poll();
        return load.settled() && (!last || applied(last).length === 2) && (await queuesIdle(redis));
      }, opts.drainTimeoutMs ?? 300_000, 500);
    } catch {
      drained = false;
    }
    const drainMs = performance.now() - drainStart;
    // A head never commented: what was sent for its PR and what became of each of its plan jobs.
    for (const pr of new Set(load.prUnanswered().map((h) => Number(h.slice(1, h.indexOf('@')))))) {
      opts.log(`#${pr} missed a head; sent: ${load.history(pr).join('; ')}`);
      for (const line of await planJobsOf(redis, pr)) opts.log(`#${pr} plan job ${line}`);
    }
    // Processes started for the last jobs (git, kustomize) and their checkouts go within moments.
    await waitFor('no child processes and no checkouts left', async () => {
      for (const p of processes) {
        const l = await leftovers(p, startChildren.get(p.proc.name)!);
        if (l.children.length + l.worktrees.length > 0) return false;
      }
      return true;
    }, 30_000, 500).catch(() => undefined);

    const workers: WorkerMeasure[] = [];
    for (const p of processes) {
      const l = await leftovers(p, startChildren.get(p.proc.name)!);
      workers.push({
        name: p.proc.name,
        rss: rss.get(p.proc.name)!,
        fdsWarm: warm.get(p.proc.name)?.fds ?? 0,
        fdsEnd: await openFds(p.proc.pid),
        childrenEnd: l.children,
        worktreesEnd: l.worktrees,
        tempWarm: warm.get(p.proc.name)?.temp ?? 0,
        tempEnd: (await entriesIn(p.tempDir)).length,
        errors: p.proc.errors(),
      });
    }
    const endKeys = await redisKeys(redis);
    const pushes = load.pushes();
    const appliedEnvs = pushes.last ? applied(pushes.last) : [];
    const measurements: SoakMeasurements = {
      durationMs,
      targetPerSecond: opts.perSecond,
      warmupMs,
      windowMs,
      deliveries: load.deliveries,
      prComments: load.prComments(),
      prUnanswered: load.prUnanswered(),
      superseded: load.superseded(),
      duplicateComments: load.duplicateComments(),
      commands: load.commands(),
      pushes: {
        sent: pushes.sent,
        lastApplied: !pushes.last || appliedEnvs.length === 2,
        detail: pushes.last ? `${pushes.last.slice(0, 7)} applied in ${appliedEnvs.join(' and ') || 'no environment'}` : 'none sent',
      },
      driftIssues: stack.gh.issues(owner, repoName, { labels: ['bosun:drift'] }).map((i) => `#${String(i.number)} ${String(i.title)} (${String(i.state)})`),
      drained,
      drainMs,
      workers,
      redis: { baseline, warm: warmKeys ?? endKeys, end: endKeys },
    };
    const rows = judge(measurements, opts.limits);
    return { rows, failed: failed(rows), table: table(rows), measurements };
  } finally {
    await stack?.close();
    redis.disconnect();
    await kubectl('delete', 'namespace', ...repo.namespaces, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}
