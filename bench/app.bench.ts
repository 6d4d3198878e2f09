// Benchmark: the GitHub App end to end on this machine, against the real Redis and the GitHub stand-in,
// with bosun's server (and workers, where said) in this process, wired as testkit/harness.ts wires them.
//  1. intake: webhook acknowledgement latency at 50 deliveries/s for 10 s, server only (no workers), so it
//     measures verify + enqueue + answer and nothing else;
//  2. PR opened → sticky comment, 5 PRs one after another, workers on (apply preview only when
//     BOSUN_TEST_KUBECONFIG points at a cluster);
//  3. 200 PRs opened at 20/s, workers on at the default concurrency: every PR must get exactly one comment.
// Prints one JSON line.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadServerConfig } from '../src/config/server.ts';
import { queueNames } from '../src/jobs.ts';
import { startBot } from '../queue/start-bot.ts';
import { redisUrl, startHarness, type Harness } from '../testkit/harness.ts';
import { buildExampleRepo, type ExampleRepo } from '../testkit/example-repo.ts';
import { dropPrefix } from '../testkit/redis.ts';
import { startGitHubStandin, type GitHubStandin } from '../testkit/github-standin/index.ts';
import { runBenchChild } from './child-main.ts';

// The repository its Flux GitRepository names (fixtures/example-repo, gotk-sync.yaml): bosun previews
// only what Flux would fetch from this repository.
const owner = 'example-org';
const name = 'shop-fleet';
const marker = '<!-- bosun:plan -->';
type Json = Record<string, unknown>;

const round = (ms: number): number => Math.round(ms * 10) / 10;
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const load = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);

async function addRepo(gh: GitHubStandin, repo: ExampleRepo): Promise<void> {
  await gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
  gh.setPermission(owner, name, 'alice', 'write');
}

async function addPulls(gh: GitHubStandin, repo: ExampleRepo, prs: number[]): Promise<void> {
  for (const number of prs) {
    await gh.addPullRequest({ owner, repo: name, number, head: { ref: repo.branch, sha: repo.headSha }, base: { ref: 'main' }, user: 'alice' });
  }
}

async function prPayload(gh: GitHubStandin, number: number, action: string): Promise<Json> {
  return gh.examplePayload('pull_request', action, gh.repoPayload(owner, name), { number, pull_request: await gh.pullPayload(owner, name, number) }) as Json;
}

async function dropBenchKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    await dropPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** 1. Intake only: bosun's server with no workers, 500 signed synchronize deliveries on a 20 ms schedule. */
async function intake(repo: ExampleRepo): Promise<Json> {
  const rate = 50;
  const seconds = 10;
  const prs = [11, 12, 13, 14, 15];
  const gh = await startGitHubStandin();
  const secret = `whsec-${randomUUID()}`;
  const prefix = `bosun-bench-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'bosun-bench-'));
  const config = loadServerConfig({
    APP_ID: String(gh.appId), PRIVATE_KEY: gh.privateKey, WEBHOOK_SECRET: secret, GHE_HOST: gh.gheHost, GHE_PROTOCOL: 'http',
    PORT: '0', HOST: '127.0.0.1', REDIS_URL: redisUrl, BOSUN_DATA_DIR: dataDir, LOG_LEVEL: 'silent',
  }, { cwd: dataDir });
  const bot = await startBot(config, { serve: true, work: false, prefix });
  try {
    await addRepo(gh, repo);
    await addPulls(gh, repo, prs);
    const payloads = await Promise.all(prs.map((n) => prPayload(gh, n, 'synchronize')));
    const url = bot.server!.webhookUrl;
    // Warm the connection and the handler once, outside the measurement.
    await gh.webhook('pull_request', payloads[0], { url, secret, appId: gh.appId });
    const total = rate * seconds;
    const latencies: number[] = [];
    let non2xx = 0;
    let lateStarts = 0;
    const start = performance.now() + 50;
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (performance.now() - due > 5) lateStarts++;
      const t0 = performance.now();
      sends.push(gh.webhook('pull_request', payloads[i % payloads.length], { url, secret, appId: gh.appId, deliveryId: randomUUID() }).then(
        (d) => { latencies.push(performance.now() - t0); if (d.status < 200 || d.status >= 300) non2xx++; },
        () => { latencies.push(performance.now() - t0); non2xx++; },
      ));
    }
    await Promise.all(sends);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      workers: false,
      note: 'server only, no workers: measures signature check + enqueue + answer',
      deliveries: total, ratePerSecond: rate, seconds, prs: prs.length,
      p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted.at(-1) ?? NaN),
      non2xx, sendsStartedLate: lateStarts, targetP99Ms: 50,
    };
  } finally {
    await bot.close();
    await gh.close();
    await dropBenchKeys(prefix);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const bosunComments = (h: Harness, pr: number): Json[] => h.gh.comments(owner, name, pr).filter((c) => (c.user as Json | undefined)?.login === h.gh.botLogin);
const hasSticky = (h: Harness, pr: number): boolean => h.gh.comments(owner, name, pr).some((c) => String(c.body).startsWith(marker));

/** 2. PR opened → sticky comment, one PR at a time. */
async function openedToComment(h: Harness, repo: ExampleRepo, preview: boolean): Promise<Json> {
  const prs = [101, 102, 103, 104, 105];
  await addRepo(h.gh, repo);
  await addPulls(h.gh, repo, prs);
  const runs: number[] = [];
  for (const pr of prs) {
    const payload = await prPayload(h.gh, pr, 'opened');
    const t0 = performance.now();
    const d = await h.send('pull_request', payload);
    if (d.status >= 300) throw new Error(`delivery for #${pr} answered ${d.status}`);
    const until = t0 + 120_000;
    while (!hasSticky(h, pr)) {
      if (performance.now() > until) throw new Error(`no sticky comment on #${pr} after 120 s`);
      await sleep(10);
    }
    runs.push(performance.now() - t0);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  const previewed = preview && h.gh.checkRuns(owner, name, repo.headSha).some((r) => JSON.stringify(r.output ?? '').includes('Apply preview (live cluster)'));
  return { workers: true, preview, previewSeenInReport: previewed, runs: runs.map((ms) => Math.round(ms)), p50Ms: Math.round(percentile(sorted, 50)), targetP50Ms: 3000 };
}

/** 3. 200 PRs opened at 20/s; every PR must end with exactly one bosun comment. */
async function burst(h: Harness, repo: ExampleRepo): Promise<Json> {
  const count = 200;
  const rate = 20;
  const prs = Array.from({ length: count }, (_, i) => 1001 + i);
  await addPulls(h.gh, repo, prs);
  const payloads = await Promise.all(prs.map((n) => prPayload(h.gh, n, 'opened')));
  const t0 = performance.now();
  const sends: Array<Promise<number>> = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    sends.push(h.send('pull_request', payloads[i]).then((d) => d.status, () => 0));
  }
  const statuses = await Promise.all(sends);
  const sentMs = performance.now() - t0;
  const until = t0 + 5 * 60_000;
  let pending = prs;
  while (pending.length > 0 && performance.now() < until) {
    await sleep(100);
    pending = pending.filter((pr) => !hasSticky(h, pr));
  }
  const allCommentedMs = pending.length === 0 ? performance.now() - t0 : null;
  // Let the queue drain so a late duplicate would still be counted.
  const queue = new Queue(queueNames.plan, { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: h.prefix });
  try {
    const drainUntil = performance.now() + 60_000;
    while (performance.now() < drainUntil) {
      const c = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      if (Object.values(c).every((n) => n === 0)) break;
      await sleep(200);
    }
  } finally {
    await queue.close();
  }
  const perPr = prs.map((pr) => bosunComments(h, pr).length);
  return {
    workers: true,
    prs: count, ratePerSecond: rate, sendMs: Math.round(sentMs), non2xx: statuses.filter((s) => s < 200 || s >= 300).length,
    allCommentedMs: allCommentedMs === null ? null : Math.round(allCommentedMs),
    timedOut: allCommentedMs === null,
    exactlyOneComment: perPr.filter((n) => n === 1).length,
    duplicates: perPr.filter((n) => n > 1).length,
    zeroComments: perPr.filter((n) => n === 0).length,
  };
}

async function main(): Promise<Json> {
  const loadBefore = load();
  const work = await mkdtemp(join(tmpdir(), 'bosun-bench-app-'));
  let h: Harness | undefined;
  try {
    const repo = await buildExampleRepo({ dir: join(work, 'repo') });
    const first = await intake(repo);
    process.stderr.write(`app bench: intake ${JSON.stringify(first)}\n`);
    const kubeconfig = process.env.BOSUN_TEST_KUBECONFIG;
    let clustersFile: string | undefined;
    if (kubeconfig) {
      clustersFile = join(work, 'clusters.yaml');
      await writeFile(clustersFile, `clusters:\n  staging:\n    kubeconfig: ${kubeconfig}\n  production:\n    kubeconfig: ${kubeconfig}\n`);
    }
    h = await startHarness(clustersFile ? { clustersFile } : {});
    const concurrency = loadServerConfig({
      APP_ID: '1', PRIVATE_KEY: h.gh.privateKey, WEBHOOK_SECRET: 'x', REDIS_URL: redisUrl, LOG_LEVEL: 'silent',
    }, { cwd: work }).concurrency;
    const second = await openedToComment(h, repo, Boolean(kubeconfig));
    process.stderr.write(`app bench: opened → comment ${JSON.stringify(second)}\n`);
    const third = { ...(await burst(h, repo)), concurrency };
    return { webhookIntake: first, openedToComment: second, burst200: third, loadAverage: { before: loadBefore, after: load() }, node: process.version };
  } finally {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  }
}

runBenchChild(main);
