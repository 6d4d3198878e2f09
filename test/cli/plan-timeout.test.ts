// `bosun plan --plan-timeout`: a plan whose time budget is spent lists the environments it did not render
// as not previewed, in the report and the JSON, and exits 3 (not all of it judged), never 0.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { runCli } from './run-cli.ts';

const configMap = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  key: "${value}"\n`;
const names = Array.from({ length: 12 }, (_, i) => `env-${String(i).padStart(2, '0')}`);

describe('--plan-timeout', () => {
  let repo: GitRepoBuilder;

  beforeAll(async () => {
    repo = await makeGitRepo();
    for (const name of names) await repo.write(`clusters/${name}/app.yaml`, configMap('one'));
    await repo.commit('base');
    for (const name of names) await repo.write(`clusters/${name}/app.yaml`, configMap('two'));
    await repo.commit('head: every environment changes');
  });
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('spent before the first render: every affected environment is reported not previewed, exit 3', async () => {
    const r = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--plan-timeout', '1ms', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('bosun: plan time budget of 1ms (--plan-timeout) spent after 0 of 12 environments: 12 not previewed (see the report); raise --plan-timeout or plan fewer environments (--env)');
    const plan = JSON.parse(r.stdout) as { timeBudget: unknown; environments: Array<{ name: string; reason: string; render: unknown; timeBudgetSpent?: true }> };
    expect(plan.timeBudget).toEqual({ budget: '1ms', setting: '--plan-timeout', rendered: 0, affected: 12, notPreviewed: names });
    expect(plan.environments.map((e) => [e.name, e.render, e.timeBudgetSpent, e.reason])).toEqual(names.map((name) => [name, { skipped: true }, true, 'not previewed: plan time budget of 1ms (--plan-timeout) spent after 0 of 12 environments']));
  });

  it('in the markdown report: a warning at the top, the environments under "Not rendered" with why', async () => {
    const r = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--plan-timeout', '1ms']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('> **plan time budget of 1ms (--plan-timeout) spent after 0 of 12 environments**: these 12 environments were not previewed, so this plan does not show everything the change does: `env-00`, `env-01`');
    expect(r.stdout).toContain('and 2 more.');
    expect(r.stdout).toContain('**Not rendered:** `env-00`');
  });

  it('within the budget (the default, 30m): every environment rendered, exit 0', async () => {
    const r = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { timeBudget?: unknown; environments: Array<{ render: unknown }> };
    expect(plan.timeBudget).toBeUndefined();
    expect(plan.environments.map((e) => e.render)).toEqual(names.map(() => ({ objects: 1, baseObjects: 1 })));
  });

  it('a value that is not a duration is a usage error naming the flag (exit 2)', async () => {
    const r = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--plan-timeout', '30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--plan-timeout must be a duration such as 90s, 30m or 1h30m, or 0 for no budget (got "30")');
  });
});
