// The plan's time budget (issue #10, bounded work): once spent, the render in flight is stopped (its
// process group killed), and every affected environment not rendered is reported as not previewed with
// why — never dropped, never "no changes". The deadline is spent by the test at a known point (after the
// fast environments rendered), so what is previewed does not depend on the machine's speed.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conclusionOf, titleOf } from '../../queue/workflows/plan/check-report.ts';
import { planCheckOutput } from '../../queue/workflows/plan/coverage-check.ts';
import type { EnvironmentPlan, PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { formatBudget, parsePlanTimeout, PlanDeadline, settleTimeBudget } from '../../src/plan/time-budget.ts';
import { renderJson, renderMarkdown } from '../../src/report/index.ts';
import { runningChildren } from '../../src/util/child-processes.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const configMap = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  key: "${value}"\n`;
// A chart whose template loops a billion times before its one object: helm runs for minutes.
const slowTemplate = (value: string): string => `{{- range $i := until 100000 }}{{- range $j := until 10000 }}{{- end }}{{- end }}\n${configMap('slow', value)}`;

function env(plan: PlanResult, name: string): EnvironmentPlan {
  const found = plan.environments.find((e) => e.name === name);
  if (!found) throw new Error(`no environment ${name} in the plan`);
  return found;
}

async function until(what: string, ready: () => boolean): Promise<void> {
  for (let i = 0; i < 1500 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!ready()) throw new Error(`timed out waiting for ${what}`);
}

describe('a plan whose time budget is spent while an environment renders', () => {
  let repo: GitRepoBuilder;

  beforeAll(async () => {
    repo = await makeGitRepo();
    await repo.write('clusters/alpha/app.yaml', configMap('app', 'one'));
    await repo.write('clusters/beta/app.yaml', configMap('app', 'one'));
    await repo.write('clusters/slow/Chart.yaml', 'apiVersion: v2\nname: slow\nversion: 0.1.0\n');
    await repo.write('clusters/slow/templates/cm.yaml', configMap('slow', 'one'));
    await repo.write('clusters/quiet/app.yaml', configMap('quiet', 'one'));
    await repo.commit('base');
    await repo.write('clusters/alpha/app.yaml', configMap('app', 'two'));
    await repo.write('clusters/beta/app.yaml', configMap('app', 'two'));
    await repo.write('clusters/slow/templates/cm.yaml', slowTemplate('two'));
    await repo.commit('head: every environment but quiet changes; slow renders for minutes');
  }, 60_000);
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('stops the render in flight and reports the environment it left as not previewed, saying how far the plan got', async () => {
    const deadline = new PlanDeadline({ ms: 30 * 60_000, setting: '--plan-timeout' });
    const messages: string[] = [];
    let spending: Promise<void> | undefined;
    const progress = Object.assign((message: string) => {
      messages.push(message);
      // Both plain environments rendered: the budget runs out while helm renders the slow one.
      if (message.startsWith('rendered 2/3')) {
        spending = until('helm to run', () => runningChildren() > 0).then(() => deadline.spend());
      }
    }, { done: () => undefined });
    let plan: PlanResult;
    try {
      plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', progress, deadline });
    } finally {
      deadline.dispose();
    }
    await spending;

    // No helm left running: its process group was killed, not waited for.
    expect(runningChildren()).toBe(0);
    expect(env(plan, 'alpha')).toMatchObject({ render: { objects: 1, baseObjects: 1 }, changes: [expect.objectContaining({ action: 'update', name: 'app' })] });
    expect(env(plan, 'beta').render).toEqual({ objects: 1, baseObjects: 1 });
    const slow = env(plan, 'slow');
    expect(slow).toMatchObject({ affected: true, timeBudgetSpent: true, render: { skipped: true }, changes: [] });
    expect(slow.reason).toBe('not previewed: plan time budget of 30m (--plan-timeout) spent after 2 of 3 environments');
    // Not affected: still "no input changed", not said to be left by the budget.
    expect(env(plan, 'quiet')).toMatchObject({ affected: false, reason: 'skipped: none of its 1 input changed' });
    expect(env(plan, 'quiet').timeBudgetSpent).toBeUndefined();
    expect(plan.timeBudget).toEqual({ budget: '30m', setting: '--plan-timeout', rendered: 2, affected: 3, notPreviewed: ['slow'] });

    // The check run of the environment left: timed_out (branch protection counts it failing), never "No changes".
    expect(conclusionOf(slow)).toBe('timed_out');
    expect(titleOf(slow)).toBe('Not previewed: the plan\'s time budget was spent');
    expect(planCheckOutput(plan)).toMatchObject({ conclusion: 'timed_out', title: 'plan time budget of 30m (--plan-timeout) spent after 2 of 3 environments' });

    const markdown = renderMarkdown(plan).join('\n');
    expect(markdown).toContain('> **plan time budget of 30m (--plan-timeout) spent after 2 of 3 environments**: this environment was not previewed, so this plan does not show everything the change does: `slow`.');
    expect(markdown).toContain('`slow` (not previewed: plan time budget of 30m (--plan-timeout) spent after 2 of 3 environments)');
    expect(JSON.parse(renderJson(plan)).timeBudget).toEqual(plan.timeBudget);
  }, 120_000);

  it('renders nothing once the budget is spent before the renders start, and lists every affected environment', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', timeBudget: { ms: 1, startedAt: Date.now() - 1000, setting: 'BOSUN_PLAN_TIMEOUT' } });
    expect(plan.environments.filter((e) => e.timeBudgetSpent).map((e) => e.name)).toEqual(['alpha', 'beta', 'slow']);
    expect(plan.timeBudget).toMatchObject({ budget: '1ms', rendered: 0, affected: 3 });
    expect(env(plan, 'alpha').reason).toBe('not previewed: plan time budget of 1ms (BOSUN_PLAN_TIMEOUT) spent after 0 of 3 environments');
    expect(runningChildren()).toBe(0);
  }, 60_000);
});

describe('the budget\'s words and counts', () => {
  it('reads durations as Go writes them, 0 for none, and writes them back', () => {
    expect(parsePlanTimeout('30m')).toBe(1_800_000);
    expect(parsePlanTimeout('1h30m')).toBe(5_400_000);
    expect(parsePlanTimeout('250ms')).toBe(250);
    expect(parsePlanTimeout('0')).toBe(0);
    expect(parsePlanTimeout('lots')).toBeUndefined();
    expect(parsePlanTimeout('30')).toBeUndefined();
    expect(['30m', '1h30m', '90s', '1.5s', '250ms', '2h'].map((t) => formatBudget(parsePlanTimeout(t)!))).toEqual(['30m', '1h30m', '1m30s', '1.5s', '250ms', '2h']);
  });

  it('counts a plan gathered from parts over the whole plan', () => {
    const base = { source: 'config' as const, path: 'x', validation: { errors: [], warnings: [] }, changes: [] };
    const plan: PlanResult = {
      base: 'a', head: 'b',
      environments: [
        { ...base, name: 'one', affected: true, reason: 'x changed', render: { objects: 1, baseObjects: 1 } },
        { ...base, name: 'two', affected: true, reason: 'not previewed: plan time budget of 1m (BOSUN_PLAN_TIMEOUT) spent after 0 of 1 environment', render: { skipped: true }, timeBudgetSpent: true },
        { ...base, name: 'three', affected: false, reason: 'skipped: none of its 1 input changed', render: { skipped: true } },
      ],
    };
    const settled = settleTimeBudget(plan, { ms: 60_000, setting: 'BOSUN_PLAN_TIMEOUT' });
    expect(settled.environments[1]!.reason).toBe('not previewed: plan time budget of 1m (BOSUN_PLAN_TIMEOUT) spent after 1 of 2 environments');
    expect(settled.timeBudget).toEqual({ budget: '1m', setting: 'BOSUN_PLAN_TIMEOUT', rendered: 1, affected: 2, notPreviewed: ['two'] });
    expect(settleTimeBudget({ ...plan, environments: [plan.environments[0]!] }, { ms: 60_000, setting: 'x' }).timeBudget).toBeUndefined();
  });
});
