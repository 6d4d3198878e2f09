// A change that moves an Argo CD Application between the branch the change merges into and a tag (or back):
// Argo CD then deploys the repository at that revision (targetRevision), not this commit's files. bosun
// rendered this commit's folder on both sides and reported "0 changes", exit 0, for an Application that
// now deploys v1.0.0's content. Now the side that follows another revision is not previewed (exit 3),
// naming the revision. `bosun plan` (the CLI) on real git.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops.git';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const app = (revision: string, replicas = '1') => ({
  'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  project: default
  source: { repoURL: ${repoUrl}, targetRevision: ${revision}, path: web }
  destination: { server: https://kubernetes.default.svc, namespace: web }
  syncPolicy: { automated: { prune: true } }
`,
  'web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { replicas: "${replicas}" }\n`,
});

async function plan(before: Record<string, string>, after: Record<string, string>): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeTwoCommitRepo(before, after);
  repos.push(repo);
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--format', 'json'], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult };
}

describe('an Argo CD Application whose targetRevision moves to or from a tag', () => {
  it('is not previewed when the change pins it to a tag: Argo CD deploys v1.0.0, not this commit', async () => {
    const run = await plan(app('HEAD'), app('v1.0.0'));
    expect(run.code).toBe(3);
    const web = run.plan.environments.find((e) => e.name === 'web')!;
    expect(web.render).toMatchObject({ skipped: true });
    expect(web.reason).toContain('Argo CD deploys it from `v1.0.0` (targetRevision)');
  });

  it('is not previewed when the change moves it from a tag back to the branch: what runs now is v1.0.0\'s', async () => {
    const run = await plan(app('v1.0.0'), app('HEAD', '2'));
    expect(run.code).toBe(3);
    expect(run.plan.environments.find((e) => e.name === 'web')!.reason).toContain('`v1.0.0`');
  });

  it('stays skipped when it was and is pinned to the same tag and only its folder changed', async () => {
    const run = await plan(app('v1.0.0'), { 'web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { replicas: "5" }\n' });
    expect(run.code).toBe(0);
    expect(run.plan.environments.find((e) => e.name === 'web')!.reason).toContain('pinned to v1.0.0');
  });
});
