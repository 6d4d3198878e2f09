// A plan fanned out into per-part child jobs (issue #16): with more affected environments than
// BOSUN_PLAN_FANOUT_ENVS the plan job renders them in parts on the plan-part queue, on several worker
// runtimes, and posts exactly what a plan in one job posts — also past BOSUN_MAX_PLAN_OBJECTS, which holds
// across the parts; a part that fails every attempt fails its environments' check runs with the reason.
// Real Redis, the GitHub stand-in, real git and kustomize/helm.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server.ts';
import { createProducers, type PlanPartJob } from '../../src/jobs.ts';
import { startWorkers } from '../../queue/runtime.ts';
import { createBosunProcessors } from '../../queue/workflows/index.ts';
import type { Processor } from '../../queue/contract.ts';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';
import { git } from '../../src/git/index.ts';
import { setProcessObjectLimits } from '../../src/render/object-limits.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';

const owner = 'example-org';
const name = 'shop-fleet';
const affected = ['production/apps', 'staging/apps', 'staging/infrastructure'];

type PartProcessor = Processor<PlanPartJob>;

describe('a plan split into parts rendered on several workers', () => {
  let h: Harness;
  let work: string;
  let repo: ExampleRepo;
  const heads: string[] = [];
  const s = scenario(owner, name, () => h);

  /** One worker runtime as `bosun worker` runs it, configured through the environment; `wrap` sees each part it runs. */
  const startRuntime = async (env: Record<string, string>, wrap?: (inner: PartProcessor, runtime: string) => PartProcessor) => {
    const config = loadServerConfig({ ...h.workerEnv, PORT: '0', BOSUN_DATA_DIR: h.dataDir, LOG_LEVEL: 'silent', ...env }, { cwd: h.dataDir });
    const producers = createProducers(config.redisUrl, { prefix: h.prefix });
    const bosun = createBosunProcessors(config, { connection: config.redisUrl, prefix: h.prefix, producers });
    const tag = `runtime-${Math.random().toString(36).slice(2, 8)}`;
    if (wrap && bosun.processors.planPart) bosun.processors.planPart = wrap(bosun.processors.planPart, tag);
    // One part at a time per runtime: two parts at once need two runtimes.
    const workers = startWorkers({ connection: config.redisUrl, processors: bosun.processors, prefix: h.prefix, concurrency: { plan: 2, planPart: 1 }, supersedePollMs: 500, shutdownTimeoutMs: 5_000 });
    await workers.ready();
    return {
      tag,
      close: async () => {
        await workers.close();
        await bosun.close();
        await producers.close();
      },
    };
  };

  const open = (pr: number, head: string) => s.openPullRequest({ ref: pr === 1 ? repo.branch : `pr-${pr}`, sha: head }, { number: pr });
  const bosunRuns = (head: string): Json[] => s.checkRuns(head).filter((r) => String(r.name).startsWith('bosun / '));
  const until = async (check: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
  };

  /** Opens PR `pr` at `head` and waits for its comment and its three completed environment runs. */
  const planOf = async (pr: number, head: string) => {
    await open(pr, head);
    return planned(pr, head);
  };
  const planned = async (pr: number, head: string) => {
    const runs = await waitFor(`PR #${pr}: three completed check runs`, () => {
      const found = s.checkRuns(head).filter((r) => String(r.name).startsWith('bosun / '));
      return found.length >= 3 && found.every((r) => r.status === 'completed') ? found : undefined;
    }, 120_000);
    const comment = await waitFor(`PR #${pr}: the sticky comment`, () => s.planComments(pr)[0], 60_000);
    return { runs, comment: String(comment.body), head };
  };

  /** What a reviewer reads, without what differs from one head to another (the SHA and the runs' URLs). */
  const readable = (plan: { runs: Json[]; comment: string; head: string }) => {
    let comment = plan.comment.replaceAll(plan.head, '<head>').replaceAll(plan.head.slice(0, 7), '<head>');
    for (const r of plan.runs) comment = comment.replaceAll(String(r.html_url), `<run ${String(r.name)}>`);
    const runs = plan.runs
      .map((r) => {
        const { title, summary, text, annotations_count: annotations } = r.output as Json;
        return { name: r.name, conclusion: r.conclusion, output: { title, summary, text, annotations } };
      })
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    return { comment, runs: JSON.parse(JSON.stringify(runs).replaceAll(plan.head, '<head>').replaceAll(plan.head.slice(0, 7), '<head>')) as unknown };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-fanout-'));
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
    // Heads with the same change (each PR gets its own check runs): the sample PR, and empty commits on it.
    heads.push(repo.headSha);
    for (const pr of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
      await git(['checkout', '-q', '-b', `pr-${pr}`, repo.headSha], { cwd: repo.dir });
      await git(['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', `PR ${pr}`], { cwd: repo.dir });
      heads.push((await git(['rev-parse', 'HEAD'], { cwd: repo.dir })).trim());
    }
    await git(['checkout', '-q', repo.branch], { cwd: repo.dir });
    h = await startHarness({ workers: false });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    h.gh.setPermission(owner, name, 'alice', 'write');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  });

  let single: { runs: Json[]; comment: string; head: string };

  it('with fan-out off, one job plans the three environments', async () => {
    const runtime = await startRuntime({ BOSUN_PLAN_FANOUT_ENVS: '0' });
    try {
      single = await planOf(1, heads[0]);
    } finally {
      await runtime.close();
    }
    expect(single.runs.map((r) => r.name).sort()).toEqual(affected.map((env) => `bosun / ${env}`));
    expect(await h.jobCount('bosun-plan')).toBe(1);
  }, 180_000);

  it('over the threshold, parts render on two workers at once and the PR gets the same comment and check runs', async () => {
    const ran: Array<{ runtime: string; part: number; envs: string[] }> = [];
    // Each part waits until the other has started (or 30 s): with one part per runtime, that puts them on both.
    const started = new Set<number>();
    const wrap = (inner: PartProcessor, runtime: string): PartProcessor => async (job, ctx) => {
      started.add(job.part);
      ran.push({ runtime, part: job.part, envs: job.envs });
      const until = Date.now() + 30_000;
      while (started.size < job.parts && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      return inner(job, ctx);
    };
    const env = { BOSUN_PLAN_FANOUT_ENVS: '2', BOSUN_PLAN_FANOUT_BATCH: '2' };
    const runtimes = [await startRuntime(env, wrap), await startRuntime(env, wrap)];
    let fanned: { runs: Json[]; comment: string; head: string };
    try {
      fanned = await planOf(2, heads[1]);
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
    }
    // Two parts (2 + 1 environments), each run once, on the two runtimes.
    expect(ran.map((r) => r.part).sort()).toEqual([0, 1]);
    expect(ran.flatMap((r) => r.envs).sort()).toEqual(affected);
    expect(new Set(ran.map((r) => r.runtime)).size).toBe(2);
    expect(fanned.runs.map((r) => r.conclusion)).toEqual(single.runs.map((r) => r.conclusion));
    expect(readable(fanned)).toEqual(readable(single));
  }, 180_000);

  it('BOSUN_PLAN_TIMEOUT is the whole plan\'s: the parts get the plan job\'s start, and a budget spent before them leaves every environment not previewed', async () => {
    const starts: Array<number | undefined> = [];
    const wrap = (inner: PartProcessor): PartProcessor => async (job, ctx) => {
      starts.push(job.planStartedAt);
      return inner(job, ctx);
    };
    // 1 ms: spent by the time the parts run, whatever the machine's speed.
    const env = { BOSUN_PLAN_FANOUT_ENVS: '2', BOSUN_PLAN_FANOUT_BATCH: '2', BOSUN_PLAN_TIMEOUT: '1ms' };
    const runtimes = [await startRuntime(env, wrap), await startRuntime(env, wrap)];
    let plan: { runs: Json[]; comment: string; head: string };
    try {
      plan = await planOf(11, heads[10]);
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
    }
    // Two parts, both counting from the same start: the plan job's.
    expect(starts).toHaveLength(2);
    expect(starts[0]).toBeTypeOf('number');
    expect(starts[1]).toBe(starts[0]);
    expect(plan.runs.map((r) => r.conclusion)).toEqual(['timed_out', 'timed_out', 'timed_out']);
    expect(plan.comment).toContain('> **plan time budget of 1ms (BOSUN_PLAN_TIMEOUT) spent after 0 of 3 environments**: these 3 environments were not previewed');
    const bosun = await waitFor('the bosun run', () => s.checkRuns(heads[10]).find((r) => r.name === 'bosun' && r.status === 'completed'), 60_000);
    expect(bosun).toMatchObject({ conclusion: 'timed_out' });
  }, 180_000);

  it('over the threshold but with one worker process, one job plans: its parts would only run one after another', async () => {
    const parts: number[] = [];
    const wrap = (inner: PartProcessor): PartProcessor => async (job, ctx) => {
      parts.push(job.part);
      return inner(job, ctx);
    };
    const runtime = await startRuntime({ BOSUN_PLAN_FANOUT_ENVS: '2', BOSUN_PLAN_FANOUT_BATCH: '2' }, wrap);
    let plan: { runs: Json[]; comment: string; head: string };
    try {
      plan = await planOf(8, heads[7]);
    } finally {
      await runtime.close();
    }
    expect(parts).toEqual([]);
    expect(readable(plan)).toEqual(readable(single));
  }, 180_000);

  it('past BOSUN_MAX_PLAN_OBJECTS, the parts refuse the environment the plan in one job refuses, with the same words', async () => {
    // Each environment renders 28 objects (14 at base, 14 at head): under 60, the third in name order does not fit.
    // What `bosun worker` sets from BOSUN_MAX_PLAN_OBJECTS; every runtime here is in this process.
    setProcessObjectLimits({ perPlan: 60 });
    try {
      const one = await startRuntime({ BOSUN_PLAN_FANOUT_ENVS: '0' });
      let whole: { runs: Json[]; comment: string; head: string };
      try {
        whole = await planOf(9, heads[8]);
      } finally {
        await one.close();
      }
      const refused = whole.runs.find((r) => r.name === 'bosun / staging/infrastructure')!;
      expect(refused.conclusion).toBe('failure');
      expect(JSON.stringify(refused.output)).toContain('staging/infrastructure renders 28 objects (base and head) on top of the 56 of the environments before it, '
        + 'which would take this plan over the limit of 60 objects per plan (BOSUN_MAX_PLAN_OBJECTS)');
      // One environment per part, on two runtimes: each part's own objects fit, the plan's do not.
      const parts: number[] = [];
      const wrap = (inner: PartProcessor): PartProcessor => async (job, ctx) => {
        parts.push(job.part);
        return inner(job, ctx);
      };
      const env = { BOSUN_PLAN_FANOUT_ENVS: '2', BOSUN_PLAN_FANOUT_BATCH: '1' };
      const runtimes = [await startRuntime(env, wrap), await startRuntime(env, wrap)];
      let split: { runs: Json[]; comment: string; head: string };
      try {
        split = await planOf(10, heads[9]);
      } finally {
        await Promise.all(runtimes.map((r) => r.close()));
      }
      expect([...new Set(parts)].sort()).toEqual([0, 1, 2]);
      expect(readable(split)).toEqual(readable(whole));
    } finally {
      setProcessObjectLimits({});
    }
  }, 240_000);

  it('a part that fails every attempt fails its environments\' check runs with the reason; the others report as usual', async () => {
    const attempts: number[] = [];
    const wrap = (inner: PartProcessor): PartProcessor => async (job, ctx) => {
      if (job.envs.includes('production/apps')) {
        attempts.push(ctx.job.attemptsMade + 1);
        throw new Error('the render worker ran out of memory');
      }
      return inner(job, ctx);
    };
    const env = { BOSUN_PLAN_FANOUT_ENVS: '2', BOSUN_PLAN_FANOUT_BATCH: '1' };
    const runtimes = [await startRuntime(env, wrap), await startRuntime(env, wrap)];
    let plan: { runs: Json[]; comment: string; head: string };
    try {
      plan = await planOf(3, heads[2]);
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
    }
    expect(attempts).toEqual([1, 2, 3]);
    const byName = new Map(plan.runs.map((r) => [String(r.name), r]));
    const failed = byName.get('bosun / production/apps')!;
    expect(failed.conclusion).toBe('failure');
    const output = failed.output as { title: string; summary: string; text: string | null };
    expect(`${output.title}\n${output.summary}\n${output.text ?? ''}`).toMatch(/failed for the last time: the render worker ran out of memory/);
    // The other parts' environments: the same reports as the plan in one job.
    const others = (p: { runs: Json[]; comment: string; head: string }) => (readable(p).runs as Json[]).filter((r) => r.name !== 'bosun / production/apps');
    expect(others(plan)).toEqual(others(single));
    expect(plan.comment).toContain('production/apps');
    expect(plan.comment).toContain('the render worker ran out of memory');
  }, 180_000);

  it('a newer head wins: the parts of the older one stop, its runs are cancelled, the comment is the newer head\'s', async () => {
    const [older, newer] = [heads[3], heads[4]];
    // The older head's parts hold on until they are told the PR moved on (their signal aborts).
    const wrap = (inner: PartProcessor): PartProcessor => async (job, ctx) => {
      if (job.headSha === older) await new Promise((resolve) => (ctx.signal.aborted ? resolve(undefined) : ctx.signal.addEventListener('abort', resolve, { once: true })));
      return inner(job, ctx);
    };
    const env = { BOSUN_PLAN_FANOUT_ENVS: '2', BOSUN_PLAN_FANOUT_BATCH: '2' };
    const runtimes = [await startRuntime(env, wrap), await startRuntime(env, wrap)];
    try {
      await open(4, older);
      await waitFor('the older head\'s three runs in progress', () => bosunRuns(older).length === 3 || undefined, 60_000);
      await h.gh.updatePullRequest(owner, name, 4, { head: { sha: newer } });
      await s.pullRequestEvent(4, 'synchronize');
      const plan = await planned(4, newer);
      await waitFor('the older head\'s runs closed', () => bosunRuns(older).every((r) => r.status === 'completed') || undefined, 60_000);
      expect(bosunRuns(older).map((r) => r.conclusion)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      // The `bosun` run the older plan opened as it started is closed too, never left in progress.
      await waitFor('the older head\'s bosun run closed', () => (s.checkRuns(older, 'bosun').length > 0 && s.checkRuns(older, 'bosun').every((r) => r.status === 'completed')) || undefined, 60_000);
      expect(s.checkRuns(older, 'bosun').map((r) => r.conclusion)).toEqual(['cancelled']);
      expect(plan.comment).toContain(newer.slice(0, 7));
      expect(plan.comment).not.toContain(older.slice(0, 7));
      expect(readable(plan)).toEqual(readable(single));
    } finally {
      await Promise.all(runtimes.map((r) => r.close()));
    }
  }, 180_000);

  it('a plan waiting for its parts holds no worker slot: with one plan slot, a second PR\'s plan starts meanwhile', async () => {
    const [first, second] = [heads[5], heads[6]];
    let secondStartedMeanwhile = false;
    // The first PR's parts hold on until the second PR's plan has opened its runs (or 60 s).
    const wrap = (inner: PartProcessor): PartProcessor => async (job, ctx) => {
      if (job.headSha === first) {
        await until(() => bosunRuns(second).length > 0, 60_000);
        secondStartedMeanwhile ||= bosunRuns(second).length > 0;
      }
      return inner(job, ctx);
    };
    const config = loadServerConfig({ ...h.workerEnv, PORT: '0', BOSUN_DATA_DIR: h.dataDir, LOG_LEVEL: 'silent', BOSUN_PLAN_FANOUT_ENVS: '2', BOSUN_PLAN_FANOUT_BATCH: '2' }, { cwd: h.dataDir });
    const producers = createProducers(config.redisUrl, { prefix: h.prefix });
    const bosun = createBosunProcessors(config, { connection: config.redisUrl, prefix: h.prefix, producers });
    bosun.processors.planPart = wrap(bosun.processors.planPart!);
    // One plan at a time, and parts enough for both plans' parts at once; a second process renders parts
    // too (a plan fans out only when more than one does).
    const workers = startWorkers({ connection: config.redisUrl, processors: bosun.processors, prefix: h.prefix, concurrency: { plan: 1, planPart: 4 }, supersedePollMs: 500, shutdownTimeoutMs: 5_000 });
    const partsOnly = startWorkers({ connection: config.redisUrl, processors: { planPart: bosun.processors.planPart! }, prefix: h.prefix, concurrency: { planPart: 1 }, supersedePollMs: 500, shutdownTimeoutMs: 5_000 });
    await Promise.all([workers.ready(), partsOnly.ready()]);
    try {
      await open(6, first);
      await waitFor('the first PR\'s runs in progress', () => bosunRuns(first).length === 3 || undefined, 60_000);
      await open(7, second);
      const plans = [await planned(6, first), await planned(7, second)];
      expect(secondStartedMeanwhile).toBe(true);
      for (const plan of plans) expect(readable(plan)).toEqual(readable(single));
    } finally {
      await partsOnly.close();
      await workers.close();
      await bosun.close();
      await producers.close();
    }
  }, 180_000);
});
