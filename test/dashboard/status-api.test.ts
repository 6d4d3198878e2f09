// /dashboard/api/status: the dashboard's data as JSON, read from the state bosun's workers and
// webhook handlers write (status records, PR locks, environment leases, BullMQ jobs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardData, EnvironmentRow, JobRow } from '../../src/dashboard/types.ts';
import { leakedToken, markupEnv, repo, shas, startSeededDashboard, web, type SeededDashboard } from './seed.ts';

describe('the dashboard status API', () => {
  let seeded: SeededDashboard;
  let data: DashboardData;
  const envRow = (env: string): EnvironmentRow => {
    const row = data.environments.find((e) => e.env === env);
    if (!row) throw new Error(`no row for ${env}: ${data.environments.map((e) => e.env).join(', ')}`);
    return row;
  };
  const jobsWith = (pred: (job: JobRow) => boolean) => data.jobs.filter(pred);

  beforeAll(async () => {
    seeded = await startSeededDashboard();
    const res = await fetch(`${seeded.server.url}/dashboard/api/status`, { headers: { authorization: `Bearer ${seeded.token}` } });
    expect(res.status).toBe(200);
    data = await res.json() as DashboardData;
  });
  afterAll(async () => {
    await seeded?.close();
  });

  it('lists every environment with a record, a lock or a running job, sorted', () => {
    expect(data.environments.map((e) => `${e.repo}:${e.env}`)).toEqual([
      `${repo.fullName}:${markupEnv}`, `${repo.fullName}:canary`, `${repo.fullName}:production`, `${repo.fullName}:staging`,
    ].sort((a, b) => a.localeCompare(b)));
  });

  it('shows what each environment runs, how healthy it is, its drift with the issue, its pin and its lock holder', () => {
    const production = envRow('production');
    expect(production.applied).toMatchObject({
      commit: { sha: shas.production, url: `${web}/acme/gitops/commit/${shas.production}` },
      health: 'healthy', trigger: 'merge', checkRunUrl: `${web}/acme/gitops/runs/77`, pr: { number: 12, url: `${web}/acme/gitops/pull/12` },
    });
    expect(production.drift).toMatchObject({ state: 'drifted', drifted: 2, issue: { number: 31, url: `${web}/acme/gitops/issues/31` } });
    expect(production.lock).toBeUndefined();
    expect(production.failedAttempt).toBeUndefined();

    const staging = envRow('staging');
    // What the cluster runs is the last good apply; the failed one after it is shown beside it.
    expect(staging.applied?.commit.sha).toBe(shas.stagingGood);
    expect(staging.failedAttempt).toMatchObject({ commit: { sha: shas.stagingFailed }, ok: false, health: 'unhealthy', checkRunUrl: `${web}/acme/gitops/runs/75` });
    expect(staging.pin).toMatchObject({ commit: { sha: shas.stagingGood }, by: 'hubot', revertPr: { number: 40, url: `${web}/acme/gitops/pull/40` } });
    expect(staging.lock).toMatchObject({ pr: { number: 15, url: `${web}/acme/gitops/pull/15` }, by: 'octocat' });
    expect(staging.lock!.expiresAt).toBeGreaterThan(data.generatedAt);
  });

  it('shows which environment a job is changing right now, and which job', () => {
    expect(envRow('canary').lease).toEqual({ held: true, job: { queue: 'bosun-apply', id: seeded.canaryJobId } });
    expect(envRow('canary').applied).toBeUndefined();
    expect(envRow('production').lease).toEqual({ held: false });
  });

  it('lists the jobs newest first with their outcome: superseded, done with its check run, failed (scrubbed), running, skipped', () => {
    const times = data.jobs.map((j) => j.finishedAt ?? j.startedAt ?? j.createdAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const [superseded] = jobsWith((j) => j.queue === 'bosun-apply' && j.commit?.sha === shas.productionSuperseded);
    expect(superseded).toMatchObject({ state: 'completed', result: 'superseded', env: 'production', repo: repo.fullName });
    expect(superseded.message).toMatch(/newer commit/);

    const [applied] = jobsWith((j) => j.queue === 'bosun-apply' && j.commit?.sha === shas.productionApplied);
    expect(applied).toMatchObject({ state: 'completed', result: 'done', checkRunUrl: `${web}/acme/gitops/runs/501` });
    expect(applied.durationMs).toBeGreaterThanOrEqual(0);
    expect(applied.finishedAt).toBeGreaterThanOrEqual(applied.startedAt!);

    const [plan] = jobsWith((j) => j.queue === 'bosun-plan');
    expect(plan).toMatchObject({ state: 'failed', result: 'failed', pr: { number: 12, url: `${web}/acme/gitops/pull/12` }, commit: { sha: shas.plan } });
    expect(plan.message).toContain('could not fetch');
    expect(JSON.stringify(data)).not.toContain(leakedToken);

    const [running] = jobsWith((j) => j.id === seeded.canaryJobId);
    expect(running).toMatchObject({ state: 'active', result: 'running', env: 'canary' });
    expect(running.durationMs).toBeGreaterThanOrEqual(0);

    const skipped = jobsWith((j) => j.queue === 'bosun-reconcile');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]).toMatchObject({ result: 'skipped', env: 'canary' });
    expect(skipped[0].message).toMatch(/being changed by another job/);
  });

  it('counts the jobs of bosun\'s queues', () => {
    const counts = Object.fromEntries(data.queues.map((q) => [q.name, q.counts]));
    expect(Object.keys(counts)).toEqual(['bosun-plan', 'bosun-command', 'bosun-apply', 'bosun-reconcile', 'bosun-push', 'bosun-plan-part']);
    expect(counts['bosun-apply']).toMatchObject({ active: 1, completed: 2 });
    expect(counts['bosun-plan']).toMatchObject({ failed: 1 });
  });

  it('never contains the dashboard token', () => {
    expect(JSON.stringify(data)).not.toContain(seeded.token);
  });
});
