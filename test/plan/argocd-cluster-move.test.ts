// An Argo CD Application moved to another cluster (its destination changed from one registry cluster to
// another): Argo CD syncs it against the new cluster only, so everything it renders is created there, and what
// it deployed on the old cluster stays there, unmanaged. bosun compared the two renders as if on one cluster:
// same objects, "0 changes", exit 0. `bosun plan` (the CLI) on real git repositories with a cluster registry of
// labels only (no connection).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops.git';
const repos: GitRepoBuilder[] = [];
let dir: string;
let clusters: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bosun-cluster-move-'));
  clusters = join(dir, 'clusters.yaml');
  await writeFile(clusters, 'clusters:\n  staging:\n    labels: { env: staging }\n  prod:\n    labels: { env: prod }\n');
});

afterAll(async () => {
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dir, { recursive: true, force: true })]);
});

const application = (cluster: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: shop, namespace: argocd }
spec:
  project: default
  source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: shop }
  destination: { name: ${cluster}, namespace: shop }
  syncPolicy: { automated: { prune: true } }
`;

async function plan(after: Record<string, string>): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeGitRepo();
  repos.push(repo);
  await repo.write('argocd/shop.yaml', application('staging'));
  await repo.write('shop/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shop }\ndata: { tier: "1" }\n');
  await repo.commit('base');
  for (const [path, content] of Object.entries(after)) await repo.write(path, content);
  await repo.commit('change');
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--clusters', clusters, '--format', 'json'], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult };
}

describe('an Argo CD Application moved to another cluster', () => {
  it('creates everything it renders on the new cluster and keeps what it left on the old one, saying so', async () => {
    const run = await plan({ 'argocd/shop.yaml': application('prod') });
    const shop = run.plan.environments.find((e) => e.name === 'shop');
    expect(shop?.cluster).toBe('prod');
    expect(shop?.reason).toContain('moves from cluster staging to prod');
    expect(shop?.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['create ConfigMap shop/shop']);
    expect(shop?.sync?.kept).toEqual([expect.objectContaining({ kind: 'ConfigMap', namespace: 'shop', name: 'shop', reason: expect.stringContaining('stays on cluster staging') })]);
  });

  it('diffs as before when it stays on its cluster', async () => {
    const run = await plan({ 'shop/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shop }\ndata: { tier: "2" }\n' });
    expect(run.plan.environments[0].changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['update ConfigMap']);
  });
});
