// The plan's time budget through the App (BOSUN_PLAN_TIMEOUT): a real worker plans a pull request from
// the GitHub stand-in, the budget is spent before the renders, and the PR gets the partial comment
// listing the environments not previewed and timed_out check runs — never a green check, never "no changes".
import { generateKeyPairSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig, ServerConfigError } from '../../src/config/server.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario } from '../../testkit/scenario.ts';
import { fanoutAnalysis, gatherParts, partJobs } from '../../queue/workflows/plan/plan-fanout.ts';
import { planPart } from '../../queue/workflows/plan/plan-part.ts';
import { planPartJobId } from '../../src/jobs/ids.ts';
import { encodePart, type PlanPartResult } from '../../src/jobs/plan-parts.ts';
import type { PlanJob } from '../../src/jobs.ts';
import { planChange } from '../../src/plan/plan.ts';

const owner = 'acme';
const name = 'budget';
const configMap = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  key: "${value}"\n`;

describe('a plan job whose time budget is spent', () => {
  let h: Harness;
  let repo: GitRepoBuilder;
  let head: string;
  const s = scenario(owner, name, () => h);

  beforeAll(async () => {
    repo = await makeGitRepo();
    for (const env of ['production', 'staging']) await repo.write(`clusters/${env}/app.yaml`, configMap('one'));
    await repo.commit('base');
    await repo.git('checkout', '--quiet', '-b', 'change');
    for (const env of ['production', 'staging']) await repo.write(`clusters/${env}/app.yaml`, configMap('two'));
    head = await repo.commit('both environments change');
    await repo.git('checkout', '--quiet', 'main');
    // 1 ms: spent before the first render, whatever the machine's speed.
    h = await startHarness({ env: { BOSUN_PLAN_TIMEOUT: '1ms' } });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'change', sha: head }, base: { ref: 'main' }, user: 'alice' });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('posts the partial comment and timed_out check runs naming the environments not previewed', async () => {
    await s.pullRequestEvent(1, 'opened');
    const comment = await waitFor('the sticky comment', () => {
      const found = s.planComments(1);
      return found.length === 1 ? String(found[0]!.body) : undefined;
    });
    const runs = await waitFor('the check runs, completed', () => {
      const all = s.checkRuns(head);
      const done = all.filter((r) => r.status === 'completed').map((r) => r.name);
      return ['bosun', 'bosun / production', 'bosun / staging'].every((n) => done.includes(n)) ? all : undefined;
    });
    const spent = 'plan time budget of 1ms (BOSUN_PLAN_TIMEOUT) spent after 0 of 2 environments';
    expect(comment).toContain(`> **${spent}**: these 2 environments were not previewed, so this plan does not show everything the change does: \`production\`, \`staging\`.`);
    expect(runs.find((r) => r.name === 'bosun')).toMatchObject({ conclusion: 'timed_out', output: expect.objectContaining({ title: spent }) });
    for (const env of ['production', 'staging']) {
      expect(runs.find((r) => r.name === `bosun / ${env}`)).toMatchObject({ conclusion: 'timed_out', output: expect.objectContaining({ title: 'Not previewed: the plan\'s time budget was spent' }) });
    }
    expect(runs.filter((r) => r.conclusion === 'success' || r.conclusion === 'neutral')).toEqual([]);
  });
});

describe('a plan fanned out into parts', () => {
  let repo: GitRepoBuilder;
  const envs = ['a', 'b', 'c', 'd'];
  beforeAll(async () => {
    repo = await makeGitRepo();
    for (const env of envs) await repo.write(`clusters/${env}/app.yaml`, configMap('one'));
    await repo.commit('base');
    for (const env of envs) await repo.write(`clusters/${env}/app.yaml`, configMap('two'));
    await repo.commit('every environment changes');
  });
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('shares one budget from the plan job\'s start: a part that starts after it is spent renders nothing, and the plan counts N of M over every part', async () => {
    const options = { repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' };
    const startedAt = Date.now() - 10 * 60_000;
    const analysis = fanoutAnalysis(await planChange({ ...options, deferRender: () => true }), { envs: 1, batch: 2 }, startedAt);
    expect(analysis.parts).toEqual([['a', 'b'], ['c', 'd']]);
    // Each part's job carries the plan job's start.
    const job = { deliveryId: 'd1', installationId: 1, repo: { owner, name, fullName: `${owner}/${name}`, cloneUrl: '', defaultBranch: 'main' }, pr: 1, headSha: 'h', baseRef: 'main', reason: 'opened' } satisfies PlanJob;
    const jobs = partJobs(job, 'plan+d1', analysis.parts, analysis.startedAt);
    expect(jobs.map((j) => j.data.planStartedAt)).toEqual([startedAt, startedAt]);
    // Part 1 runs within the plan's 20 minutes; part 2 only once they are spent (the plan started 10 minutes
    // ago, and part 2 runs as if 15 minutes later): it is not given a budget of its own.
    const budget = (now: number) => ({ ms: 20 * 60_000, startedAt: jobs[0]!.data.planStartedAt! - now, setting: 'BOSUN_PLAN_TIMEOUT' });
    const results: PlanPartResult[] = [
      await planPart({ ...options, timeBudget: budget(0) }, { part: 0, envs: analysis.parts[0]! }),
      await planPart({ ...options, timeBudget: budget(15 * 60_000) }, { part: 1, envs: analysis.parts[1]! }),
    ];
    const values = new Map<string, unknown>();
    for (const [part, result] of results.entries()) values.set(planPartJobId('plan+d1', part), { status: 'done', value: await encodePart(result) });
    const plan = await gatherParts(analysis, { total: 2, pending: 0, values, failed: new Map() }, 'plan+d1', { timeBudget: { ms: 20 * 60_000, setting: 'BOSUN_PLAN_TIMEOUT' } });
    expect(plan.environments.map((e) => [e.name, e.render])).toEqual([['a', { objects: 1, baseObjects: 1 }], ['b', { objects: 1, baseObjects: 1 }], ['c', { skipped: true }], ['d', { skipped: true }]]);
    expect(plan.timeBudget).toEqual({ budget: '20m', setting: 'BOSUN_PLAN_TIMEOUT', rendered: 2, affected: 4, notPreviewed: ['c', 'd'] });
    expect(plan.environments[2]!.reason).toBe('not previewed: plan time budget of 20m (BOSUN_PLAN_TIMEOUT) spent after 2 of 4 environments');
  }, 60_000);
});

describe('BOSUN_PLAN_TIMEOUT', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const env = (extra: Record<string, string>) => ({ HOME: '/home/bosun', APP_ID: '12345', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'whsec-budget', ...extra }) as NodeJS.ProcessEnv;

  it('defaults to 30 minutes, takes Go durations and 0 for no budget', () => {
    expect(loadServerConfig(env({})).planTimeoutMs).toBe(30 * 60_000);
    expect(loadServerConfig(env({ BOSUN_PLAN_TIMEOUT: '1h30m' })).planTimeoutMs).toBe(90 * 60_000);
    expect(loadServerConfig(env({ BOSUN_PLAN_TIMEOUT: '0' })).planTimeoutMs).toBe(0);
  });

  it('names a bad value and what it takes', () => {
    let err: unknown;
    try {
      loadServerConfig(env({ BOSUN_PLAN_TIMEOUT: 'soon' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServerConfigError);
    expect((err as Error).message).toContain('BOSUN_PLAN_TIMEOUT must be a duration such as "30m", "90s" or "1h30m", or 0 for no budget');
  });
});
