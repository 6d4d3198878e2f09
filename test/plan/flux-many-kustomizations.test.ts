// Issue 10: a repository just under the cap of 10,000 Flux Kustomizations must stay bounded work. Many
// Kustomizations of one folder that differ only in name build the same objects (kustomize-controller's
// build never reads the Kustomization's name): they are rendered once per commit, not once each — and
// those that differ in anything that changes the build (here targetNamespace) are still rendered apart.
import { afterAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import { RenderCache } from '../../src/render/index.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => import('node:fs/promises').then((fs) => fs.rm(r.dir, { recursive: true, force: true }))));
});

const kustomization = (name: string, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: ${name}, namespace: flux-system}\nspec: {interval: 1m, path: ./apps/web, prune: true, sourceRef: {kind: GitRepository, name: flux-system}${extra}}\n`;
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;

describe('many Flux Kustomizations of one folder', () => {
  it('are rendered once per commit, each still planned with its own change; one with another targetNamespace renders apart', async () => {
    const n = 300;
    const many = Array.from({ length: n }, (_, i) => kustomization(`k${i}`));
    const other = kustomization('other', ', targetNamespace: team-b');
    const repo = await makeTwoCommitRepo(
      { 'clusters/many.yaml': [...many, other].join('---\n'), 'apps/web/cm.yaml': configMap('one') },
      { 'apps/web/cm.yaml': configMap('two') },
    );
    repos.push(repo);
    const cache = new RenderCache();
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', repoUrls: [repoUrl], cache });
    expect(plan.environments).toHaveLength(n + 1);
    for (const env of plan.environments) {
      expect(env.affected).toBe(true);
      expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.namespace ?? ''}/${c.name}`)).toEqual([`update ConfigMap ${env.name === 'other' ? 'team-b' : ''}/web`]);
    }
    // Base and head of the 300, and of the one in team-b: four renders, not 602.
    expect(cache.stats.renders).toBe(4);
  }, 120_000);
});
