// The App with a cluster registry (BOSUN_CLUSTERS), end to end (signed webhooks, Redis, a worker cloning
// from the GitHub stand-in): a pull request that changes a .bosun.yaml environment whose cluster the
// registry lacks — never previewed, and a merge applies nothing to it — is not a silent green: the neutral
// `bosun` check run names the environment, its .bosun.yaml line and the registered clusters (issue #11).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario } from '../../testkit/scenario.ts';

const owner = 'acme';
const name = 'unregistered';
const config = 'version: 1\nenvironments:\n  - name: staging\n    path: deploy/staging\n  - name: prod\n    path: deploy/prod\n    cluster: nowhere\n';
const configMap = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  value: "${value}"\n`;

describe('a pull request changing an environment whose cluster the App\'s registry lacks', () => {
  let h: Harness;
  let repo: GitRepoBuilder;
  let work: string;
  let head: string;
  const s = scenario(owner, name, () => h);

  beforeAll(async () => {
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', config);
    await repo.write('deploy/staging/cm.yaml', configMap('a'));
    await repo.write('deploy/prod/cm.yaml', configMap('a'));
    await repo.commit('base');
    await repo.git('checkout', '--quiet', '-b', 'prod');
    await repo.write('deploy/prod/cm.yaml', configMap('b'));
    head = await repo.commit('prod: b');
    await repo.git('checkout', '--quiet', 'main');
    work = await mkdtemp(join(tmpdir(), 'bosun-unregistered-'));
    // Labels only: planned for, never connected to.
    const clustersFile = join(work, 'clusters.yaml');
    await writeFile(clustersFile, 'clusters:\n  staging:\n    labels: {tier: test}\n');
    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'prod', sha: head }, base: { ref: 'main' }, user: 'alice' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (repo) await rm(repo.dir, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('gets the neutral bosun check run naming the environment, its definition and the registered clusters', async () => {
    await s.pullRequestEvent(1, 'opened');
    const runs = await waitFor('the prod run and the bosun run', () => {
      const all = s.checkRuns(head);
      const done = all.filter((r) => r.status === 'completed').map((r) => r.name);
      return done.includes('bosun / prod') && done.includes('bosun') ? all : undefined;
    });
    const run = runs.find((r) => r.name === 'bosun')!;
    expect(run.conclusion).toBe('neutral');
    const output = run.output as { title: string; summary: string };
    expect(output.title).toBe('bosun cannot judge 1 changed file');
    expect(output.summary).toContain('`deploy/prod/cm.yaml`: feeds environment `prod` (.bosun.yaml:5), which bosun does not preview: its cluster `nowhere` is not in the cluster registry, which defines `staging`');
    const comment = await waitFor('the sticky comment', () => {
      const found = s.planComments(1);
      return found.length === 1 ? String(found[0].body) : undefined;
    });
    expect(comment).toContain('**bosun cannot judge 1 changed file**');
  });
});
