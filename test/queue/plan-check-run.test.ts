// The plan job's `bosun` check run (queue/workflows/plan/plan-check-run.ts) against the GitHub stand-in,
// which checks every request against GitHub's OpenAPI description: opened in progress, its progress
// said at most once per interval (the latest line, never one request per line), said at once when the
// job parks, and found again by a retried attempt of the same job instead of a second run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeCheckRun, listCheckRuns } from '../../src/github/index.ts';
import { checkRunExternalId } from '../../src/github/names.ts';
import { PlanCheckRun, planningTitle } from '../../queue/workflows/plan/plan-check-run.ts';
import { silentLogger } from '../../queue/contract.ts';
import { waitFor } from '../../testkit/harness.ts';
import { standinWithRepo, type StandinRepo } from '../github/standin-setup.ts';

let env: StandinRepo;
beforeAll(async () => {
  env = await standinWithRepo();
});
afterAll(async () => {
  await env?.close();
});

describe('the plan job\'s bosun check run', () => {
  const target = (externalId: string) => ({
    gh: env.octokit, owner: env.owner, repo: env.repo, headSha: env.sha, externalId,
    listed: listCheckRuns(env.octokit, env.owner, env.repo, env.sha, undefined, { appId: env.standin.appId, filter: 'latest' }),
  });
  const bosunRuns = () => env.standin.checkRuns(env.owner, env.repo, env.sha).filter((r) => r.name === 'bosun');
  const updates = (id: number) => env.standin.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/check-runs/${id}`)).map((r) => (r.body as { output: { summary: string } }).output.summary);

  it('is opened in progress saying the first step, and says the latest line once per interval', async () => {
    // The interval is counted on an injected clock; the trailing update's timer is real (100 ms).
    let clock = 0;
    const check = new PlanCheckRun(silentLogger, { everyMs: 100, now: () => clock });
    check.open(target(checkRunExternalId(1, 'aaaaaaaaaaaa')), 'fetching acme/gitops at 1234567');
    const run = (await check.run())!;
    expect(bosunRuns()).toEqual([expect.objectContaining({ id: run.id, status: 'in_progress', output: expect.objectContaining({ title: planningTitle, summary: expect.stringContaining('Now: `fetching acme/gitops at 1234567`') }) })]);
    // Three lines within the interval: one update, with the last of them, once the interval has passed.
    check.say('discovering environments at base: 10 folders listed');
    check.say('discovering environments at base: 41,000 of 100,002 YAML files read');
    check.say('discovering environments at base: 100,002 of 100,002 YAML files read');
    await waitFor('a progress update', () => (updates(run.id).length > 0 ? true : undefined), 30_000);
    expect(updates(run.id)).toEqual([expect.stringContaining('Now: `discovering environments at base: 100,002 of 100,002 YAML files read`')]);
    // A line once the interval has passed is sent as it is said — during a long synchronous stretch no timer
    // would fire — so `stop`, which cancels any timer, still waits for it.
    clock += 60_000;
    check.say('analysing 10,000 environments against 1 changed file: 4,000 of 10,000 done');
    // A job that parks says its line at once, and then nothing more.
    await check.sayNow('rendering 40 environment(s) in 4 part(s) on other workers');
    expect(updates(run.id).slice(1).map((u) => u.split('Now: ')[1])).toEqual([
      expect.stringMatching(/^`analysing 10,000 environments against 1 changed file: 4,000 of 10,000 done` \(60 s after the start\)$/),
      expect.stringMatching(/^`rendering 40 environment\(s\) in 4 part\(s\) on other workers`/),
    ]);
    clock += 60_000;
    check.say('after the park');
    await check.stop();
    expect(updates(run.id).some((u) => u.includes('after the park'))).toBe(false);
    expect(bosunRuns()[0]).toMatchObject({ status: 'in_progress' });
    expect(env.standin.problems()).toEqual([]);
  });

  it('a retried attempt of the same job finds its run; a later plan of the head opens a new one once it is completed', async () => {
    const [open] = bosunRuns();
    const retry = new PlanCheckRun(silentLogger);
    retry.open(target(checkRunExternalId(1, 'aaaaaaaaaaaa')), 'fetching acme/gitops at 1234567');
    expect((await retry.run())!.id).toBe(open!.id);
    await retry.stop();
    await completeCheckRun(env.octokit, { owner: env.owner, repo: env.repo, checkRunId: open!.id as number, conclusion: 'success', title: 'Planned', summary: 'done' });

    const next = new PlanCheckRun(silentLogger);
    next.open(target(checkRunExternalId(1, 'bbbbbbbbbbbb')), 'fetching acme/gitops at 1234567');
    const opened = (await next.run())!;
    await next.stop();
    expect(opened.id).not.toBe(open!.id);
    expect(bosunRuns().map((r) => [r.id, r.status])).toEqual([[open!.id, 'completed'], [opened.id, 'in_progress']]);
    expect(env.standin.problems()).toEqual([]);
  });
});
