// `/bosun drift <env>` end to end: a merge applies the environment to the real test API server; someone
// edits an object by hand; a comment on any pull request runs the environment's drift check at once
// (the reconcile job, not the schedule's next round), which opens the drift issue naming the change —
// and changes nothing on the cluster, since the environment does not self-heal.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryName, inventoryNamespace } from '../../src/cluster/index.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'watchful';
// Unique on the shared test cluster: bosun's inventory is per environment name.
const env = `watched-${randomBytes(3).toString('hex')}`;
const checkName = `bosun / apply (${env})`;

describe('/bosun drift checks an environment now', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let namespace: string;
  let tip: string;
  const s = scenario(owner, name, () => h);
  const { kubectl } = s;
  const mode = (): Promise<string> => kubectl('get', 'configmap', 'settings', '-n', namespace, '-o', 'jsonpath={.data.mode}');
  const command = async (pr: number, user: string, body: string, reaction: 'rocket' | 'confused'): Promise<string> => (await s.command(pr, user, body, reaction))!;
  const driftIssue = (): Json | undefined => h.gh.issues(owner, name, { labels: ['bosun:drift'] }).find((i) => String(i.body).startsWith(`<!-- bosun:drift env="${env}" -->`));

  beforeAll(async () => {
    namespace = `bosun-e2e-drift-${randomBytes(3).toString('hex')}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-drift-cmd-'));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile);
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', [
      'version: 1',
      'environments:',
      `  - name: ${env}`, '    path: clusters/watched', '    cluster: test', '    healthTimeout: 30s',
      // A cluster this installation has no credentials for.
      `  - name: ${env}-far`, '    path: clusters/far', '    cluster: far-away', '    autoApply: false',
      '',
    ].join('\n'));
    await repo.write('clusters/far/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: far\ndata: {}\n');
    const before = await repo.commit('configure bosun');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    h.gh.setPermission(owner, name, 'alice', 'write');
    h.gh.setPermission(owner, name, 'rita', 'read');

    // Merged straight to main: the push applies it.
    await repo.write('clusters/watched/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
    await repo.write('clusters/watched/settings.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${namespace}\ndata:\n  mode: calm\n`);
    tip = await repo.commit('deploy settings');
    await s.push({ before, after: tip });
    const applied = await s.completedRun(tip, checkName);
    expect(applied.conclusion).toBe('success');
    expect(await mode()).toBe('calm');

    // Any open pull request takes the command.
    await repo.git('checkout', '--quiet', '-b', 'docs', 'main');
    await repo.write('docs.md', 'docs\n');
    const head = await repo.commit('docs');
    await repo.checkout('main');
    await h.gh.addPullRequest({ owner, repo: name, number: 5, head: { ref: 'docs', sha: head }, base: { ref: 'main' }, user: 'alice' });
  }, 240_000);

  afterAll(async () => {
    await h?.close();
    await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await kubectl('delete', 'configmap', '-n', inventoryNamespace, inventoryName(env), '--ignore-not-found').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('answers an unknown environment, an unregistered cluster and a reader clearly, and checks nothing', async () => {
    expect(await command(5, 'alice', '/bosun drift nowhere', 'confused')).toContain(`\`nowhere\` is not an environment on \`main\`; known: \`${env}\``);
    expect(await command(5, 'alice', `/bosun drift ${env}-far`, 'confused')).toContain(`\`${env}-far\` targets cluster \`far-away\`, which this bosun installation has no credentials for`);
    expect(await command(5, 'rita', `/bosun drift ${env}`, 'confused')).toContain(`@rita needs write permission to run \`/bosun drift ${env}\`; you have read.`);
    expect(driftIssue()).toBeUndefined();
  });

  it('reports a change made by hand in the drift issue, says where on the PR, and leaves the cluster as it is', async () => {
    await kubectl('patch', 'configmap', 'settings', '-n', namespace, '--type', 'merge', '-p', '{"data":{"mode":"wild"}}', '--field-manager', 'kubectl-edit');

    const reply = await command(5, 'alice', `/bosun drift ${env}`, 'rocket');
    expect(reply).toContain(`Checking \`${env}\` (cluster \`test\`) for drift now, against \`main\` at \`${tip.slice(0, 7)}\``);
    expect(reply).toContain(`the issue “Drift in ${env}”`);
    expect(reply).not.toContain(`${env}-far`);
    expect(reply).toContain('`selfHeal` is off for this environment: nothing on the cluster is changed.');

    const issue = await waitFor('the drift issue', () => driftIssue(), 120_000);
    expect(issue).toMatchObject({ title: `Drift in ${env}`, state: 'open' });
    const body = String(issue.body);
    expect(body).toContain(`Compared with | \`${tip.slice(0, 7)}\``);
    expect(body).toMatch(new RegExp(`\\| \`ConfigMap\` \\| \`${namespace}\` \\| \`settings\` \\| [^|]+ \\| \`kubectl-edit\` \\|`));
    expect(body).toMatch(/-\s+mode: wild\n\+\s+mode: calm/);
    expect(await mode()).toBe('wild');
  });
});
