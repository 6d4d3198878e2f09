// A pull request that changes a GitOps file no environment deploys, end to end through the App: signed
// webhooks, Redis, a worker cloning from the GitHub stand-in. bosun cannot judge that file, so it must
// not look green: a neutral `bosun` check run says which files and why, and so does the sticky comment.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';

const owner = 'acme';
const name = 'gitops';

const configMap = (cmName: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cmName}\n  namespace: default\ndata:\n  value: "${value}"\n`;
const applicationSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
spec:
  generators:
    - clusterDecisionResource:
        configMapRef: ocm-placement
        labelSelector:
          matchLabels:
            placement: billing
  template:
    metadata:
      name: 'billing-{{name}}'
    spec:
      source:
        repoURL: https://github.com/${owner}/${name}
        path: apps/billing
      destination:
        namespace: billing
`;

describe('a pull request that changes a file no environment deploys', () => {
  let h: Harness;
  let repo: GitRepoBuilder;
  let firstHead: string;
  const s = scenario(owner, name, () => h);

  const stickyComment = (): string | undefined => {
    const found = s.planComments(1);
    return found.length === 1 ? String(found[0].body) : undefined;
  };
  const runsOn = (sha: string): Json[] => s.checkRuns(sha);

  beforeAll(async () => {
    repo = await makeGitRepo();
    // clusters/staging is the only environment bosun finds; apps/billing is deployed by an ApplicationSet whose
    // generator needs the cluster (Open Cluster Management placement), which bosun cannot expand.
    await repo.write('clusters/staging/settings.yaml', configMap('settings', 'a'));
    await repo.write('argocd/apps.yaml', applicationSet);
    await repo.write('apps/billing/settings.yaml', configMap('billing', 'a'));
    await repo.commit('base');
    await repo.git('checkout', '--quiet', '-b', 'billing');
    await repo.write('apps/billing/settings.yaml', configMap('billing', 'b'));
    firstHead = await repo.commit('billing: b');
    await repo.git('checkout', '--quiet', 'main');

    h = await startHarness();
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'billing', sha: firstHead }, base: { ref: 'main' }, user: 'alice' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('gets a neutral bosun check run naming the file and why, and a line in the comment — even with no environment affected', async () => {
    await s.pullRequestEvent(1, 'opened');

    const comment = await waitFor('the sticky comment', stickyComment);
    const run = runsOn(firstHead).find((r) => r.name === 'bosun');
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    const output = run!.output as { title: string; summary: string; text: string | null };
    expect(output.title).toBe('bosun cannot judge 1 changed file');
    expect(output.summary).toContain('- `apps/billing/settings.yaml`: read by Argo CD ApplicationSet `apps` (argocd/apps.yaml:1): generators[0] not expanded: the clusterDecisionResource generator needs the outside world');
    expect(output.text).toContain('Not deployed by any environment bosun found');
    expect(h.gh.annotations(Number(run!.id))).toEqual([expect.objectContaining({ path: 'apps/billing/settings.yaml', annotation_level: 'warning', title: 'bosun cannot judge this file' })]);
    // No environment changed, and nothing on this head is green.
    expect(runsOn(firstHead).filter((r) => String(r.name).startsWith('bosun / '))).toEqual([]);
    expect(runsOn(firstHead).filter((r) => r.conclusion === 'success')).toEqual([]);

    expect(comment).toContain(firstHead.slice(0, 7));
    expect(comment).toContain('**bosun cannot judge 1 changed file**');
    expect(comment).toContain('`apps/billing/settings.yaml`: read by Argo CD ApplicationSet `apps`');
  });

  it('keeps the neutral run next to the environment\'s own check when the next commit also changes an environment', async () => {
    await repo.git('checkout', '--quiet', 'billing');
    await repo.write('clusters/staging/settings.yaml', configMap('settings', 'b'));
    const head = await repo.commit('staging: b');
    await repo.git('checkout', '--quiet', 'main');
    await h.gh.updatePullRequest(owner, name, 1, { head: { sha: head } });
    await s.pullRequestEvent(1, 'synchronize');

    const runs = await waitFor('the staging run and the bosun run on the new head', () => {
      const all = runsOn(head);
      const done = all.filter((r) => r.status === 'completed').map((r) => r.name);
      return done.includes('bosun / staging') && done.includes('bosun') ? all : undefined;
    });
    expect(runs.find((r) => r.name === 'bosun / staging')).toMatchObject({ conclusion: 'success' });
    expect(runs.find((r) => r.name === 'bosun')).toMatchObject({ conclusion: 'neutral', output: expect.objectContaining({ title: 'bosun cannot judge 1 changed file' }) });
    const comment = await waitFor('the comment on the new head', () => {
      const body = stickyComment();
      return body?.includes(head.slice(0, 7)) ? body : undefined;
    });
    expect(comment).toContain('**bosun cannot judge 1 changed file**');
  });
});
