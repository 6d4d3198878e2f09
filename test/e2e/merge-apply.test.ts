// Apply on merge: pushes to the default branch of a small repository whose .bosun.yaml puts an
// environment on the real test API server. What reaches the cluster, the check run on the merge commit,
// the GitHub Deployment's statuses, prune, and the order of applies when pushes race or arrive late.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario, type Json } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'deployments';
// Unique per run: the inventory is per environment name, and other suites on the shared cluster use `staging`.
const env = `staging-${randomBytes(3).toString('hex')}`;
const checkName = `bosun / apply (${env})`;

describe('apply on merge to the default branch', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let namespace: string;
  let tip: string;
  const s = scenario(owner, name, () => h);
  const { kubectl, push, pushResult } = s;
  const configValue = (cm: string): Promise<string> => kubectl('get', 'configmap', cm, '-n', namespace, '-o', 'jsonpath={.data.version}');
  const appConfig = (version: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${namespace}\ndata:\n  version: "${version}"\n`;

  /** Commits on main; returns the range its push event carries, from the previous tip. */
  const merge = async (message: string, change: () => Promise<void>): Promise<{ before: string; after: string }> => {
    await change();
    const before = tip;
    tip = await repo.commit(message);
    return { before, after: tip };
  };
  const slow = 150_000;
  const applyRun = (sha: string): Json | undefined => s.checkRuns(sha, checkName)[0];
  const completedRun = (sha: string) => s.completedRun(sha, checkName);
  const deploymentOf = (sha: string): Json | undefined => s.deploymentOf(sha, env);
  const states = (deployment: Json): Json[] => s.deploymentStates(deployment);

  beforeAll(async () => {
    namespace = `bosun-e2e-${randomBytes(3).toString('hex')}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-merge-'));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile);

    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', [
      'version: 1',
      'environments:',
      `  - name: ${env}`,
      '    path: clusters/staging',
      '    cluster: test',
      '    healthTimeout: 30s',
      '  - name: manual',
      '    path: clusters/manual',
      '    cluster: test',
      '    autoApply: false',
      '',
    ].join('\n'));
    await repo.write('README.md', 'deployments\n');
    tip = await repo.commit('configure bosun');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('a merge applies the environment to the cluster, with a check run and a deployment whose statuses are in_progress then success', async () => {
    const range = await merge('add the app', async () => {
      await repo.write('clusters/staging/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
      await repo.write('clusters/staging/app.yaml', appConfig('1'));
      await repo.write('clusters/staging/extra.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: ${namespace}\ndata:\n  version: "1"\n`);
      await repo.write('clusters/manual/manual.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: manual\n  namespace: ${namespace}\ndata:\n  version: "1"\n`);
    });
    const pushed = await push(range);

    const check = await completedRun(range.after);
    expect(check.conclusion).toBe('success');
    const output = check.output as { title: string; summary: string; text: string | null };
    expect(output.title).toBe(`Applied ${range.after.slice(0, 7)} to ${env}`);
    expect(output.summary).toMatch(/\| 3 \| 0 \| 0 \| 0 \| 0 \| 0 \|/);
    expect(output.summary).toMatch(/\*\*Health:\*\* healthy/);
    expect(output.text).toMatch(/created\s+ConfigMap .*\/app \(clusters\/staging\/app\.yaml/);

    expect(await configValue('app')).toBe('1');
    expect(await configValue('extra')).toBe('1');
    // autoApply: false — the merge does not touch that environment; it waits for /bosun apply.
    const manual = await s.completedRun(range.after, 'bosun / apply (manual)');
    expect(manual.conclusion).toBe('action_required');
    await expect(kubectl('get', 'configmap', 'manual', '-n', namespace)).rejects.toThrow();
    const result = await pushResult(pushed) as { value: { applies: unknown[]; skipped: unknown[] } };
    expect(result.value.applies).toEqual(expect.arrayContaining([{ env, result: 'queued' }, { env: 'manual', result: 'queued' }]));
    expect(result.value.skipped).toEqual([]);

    const deployment = await waitFor('the deployment of the merge', () => deploymentOf(range.after));
    const statuses = await waitFor('the final deployment status', () => {
      const all = states(deployment);
      return all.at(-1)?.state === 'success' ? all : undefined;
    });
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    for (const s of statuses) {
      expect(s.log_url).toBe(check.html_url);
      expect(String(s.description).length).toBeLessThanOrEqual(140);
    }
    expect(h.gh.deployments(owner, name).filter((d) => d.environment === env)).toHaveLength(1);
  }, slow);

  it('an object removed from Git is pruned by the next merge', async () => {
    const range = await merge('drop extra', () => repo.remove('clusters/staging/extra.yaml'));
    await push(range);
    const check = await completedRun(range.after);
    expect(check.conclusion).toBe('success');
    expect((check.output as { summary: string }).summary).toMatch(/\*\*Prune:\*\* 1 deleted/);
    await expect(kubectl('get', 'configmap', 'extra', '-n', namespace)).rejects.toThrow(/not found/i);
    expect(await configValue('app')).toBe('1');
  }, slow);

  it('two merges in quick succession leave the cluster at the latest commit; the older one is applied first or reported as superseded', async () => {
    const first = await merge('version 2', () => repo.write('clusters/staging/app.yaml', appConfig('2')));
    const second = await merge('version 3', () => repo.write('clusters/staging/app.yaml', appConfig('3')));
    await Promise.all([push(first), push(second)]);

    const latest = await completedRun(second.after);
    expect(latest.conclusion).toBe('success');
    const older = await completedRun(first.after);
    if (older.conclusion === 'cancelled') {
      expect((older.output as { summary: string }).summary).toContain(`superseded by \`${second.after.slice(0, 7)}\``);
    } else {
      expect(older.conclusion).toBe('success');
    }
    expect(await configValue('app')).toBe('3');
    const deployment = deploymentOf(second.after)!;
    expect(states(deployment).map((s) => s.state)).toEqual(['in_progress', 'success']);
  }, slow);

  it('a merge whose webhook arrives after a newer one is never applied and says which commit superseded it', async () => {
    const older = await merge('version 4', () => repo.write('clusters/staging/app.yaml', appConfig('4')));
    const newer = await merge('version 5', () => repo.write('clusters/staging/app.yaml', appConfig('5')));
    await push(newer);
    expect((await completedRun(newer.after)).conclusion).toBe('success');
    await push(older);
    const stale = await completedRun(older.after);
    expect(stale.conclusion).toBe('cancelled');
    expect((stale.output as { title: string }).title).toBe(`Superseded by ${newer.after.slice(0, 7)}`);
    expect(await configValue('app')).toBe('5');
    expect(deploymentOf(older.after)).toBeUndefined();
  }, slow);

  it('a merge that touches no environment applies nothing', async () => {
    const range = await merge('docs only', () => repo.write('README.md', 'deployments, documented\n'));
    const result = await pushResult(await push(range));
    expect(result).toEqual({ status: 'done', value: { sha: range.after, applies: [], skipped: [] } });
    expect(applyRun(range.after)).toBeUndefined();
    expect(deploymentOf(range.after)).toBeUndefined();
  }, slow);

  it('a merge the API server rejects fails its check run and its deployment, naming the object', async () => {
    const range = await merge('bad service', async () => {
      await repo.write('clusters/staging/service.yaml', `apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n  namespace: ${namespace}\nspec:\n  clusterIP: not-an-ip\n  ports:\n    - port: 80\n`);
    });
    await push(range);
    const check = await completedRun(range.after);
    expect(check.conclusion).toBe('failure');
    expect((check.output as { text: string }).text).toMatch(/failed\s+Service .*\/app/);
    const deployment = deploymentOf(range.after)!;
    const statuses = await waitFor('the final deployment status', () => {
      const all = states(deployment);
      return all.at(-1)?.state === 'failure' ? all : undefined;
    });
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(String(statuses[1].description).length).toBeLessThanOrEqual(140);
    await expect(kubectl('get', 'service', 'app', '-n', namespace)).rejects.toThrow(/not found/i);
    await repo.remove('clusters/staging/service.yaml');
  }, slow);

  it('a merge that breaks .bosun.yaml applies nothing and says why on the commit', async () => {
    const range = await merge('typo in the config', async () => {
      await repo.write('.bosun.yaml', (await repo.read('.bosun.yaml')).replace('healthTimeout: 30s', 'healthTimout: 30s'));
      await repo.write('clusters/staging/app.yaml', appConfig('6'));
    });
    await push(range);
    const check = await s.completedRun(range.after, 'bosun / apply');
    expect(check.conclusion).toBe('failure');
    expect((check.output as { summary: string }).summary).toMatch(/healthTimout/);
    expect(await configValue('app')).toBe('5');
  });

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.problems()).toEqual([]);
  });
});
