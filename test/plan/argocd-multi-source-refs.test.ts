// A multi-source Argo CD Application whose `$values/…` value file comes from a `ref` source that follows a
// tag (promotion by tag: `ref: values, targetRevision: prod-v1`). Argo CD's repo server reads that file at the
// ref's own revision (resolveReferencedSources), not from the branch the change merges into: a values change on
// main changes nothing it deploys, and bumping the ref's targetRevision does. bosun read the file from the
// change's commits — a phantom change for the first, "0 changes" (exit 0) for the second. Now such a file is not
// an input, and the Application is not previewed over its definition and chart (exit 3 for the bump).
// `bosun plan` (the CLI) on real git repositories with tags.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops.git';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const application = (revision: string, valuesRepo = repoUrl) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  sources:
    - repoURL: ${repoUrl}
      targetRevision: HEAD
      path: chart
      helm:
        valueFiles: [$values/values/prod.yaml]
    - repoURL: ${valuesRepo}
      targetRevision: ${revision}
      ref: values
  destination: { server: https://kubernetes.default.svc, namespace: web }
`;

const files = {
  'argocd/web.yaml': application('prod-v1'),
  'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'chart/values.yaml': 'replicas: 1\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { replicas: "{{ .Values.replicas }}" }\n',
  'values/prod.yaml': 'replicas: 2\n',
};

/** Base commit tagged prod-v1, then `change`; `bosun plan` of base → head. */
async function plan(change: Record<string, string>): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  await repo.commit('base');
  await repo.git('tag', 'prod-v1');
  for (const [path, content] of Object.entries(change)) await repo.write(path, content);
  await repo.commit('change');
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--base-branch', 'main', '--repo-url', repoUrl, '--format', 'json'], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult };
}

describe('Argo CD $ref value files of a ref source that follows a tag', () => {
  it('a values change on the branch does not reach it: not affected, no phantom change', async () => {
    const run = await plan({ 'values/prod.yaml': 'replicas: 5\n' });
    expect(run.code).toBe(0);
    expect(run.plan.environments.find((e) => e.name === 'web')).toMatchObject({ affected: false, changes: [] });
  });

  it('bumping the ref\'s targetRevision is a change bosun cannot judge (exit 3), never "0 changes"', async () => {
    const run = await plan({ 'argocd/web.yaml': application('prod-v2') });
    expect(run.code).toBe(3);
    expect(JSON.stringify(run.plan)).toContain('value file $values/values/prod.yaml is read at `prod-v2` (its ref source\'s targetRevision)');
  });

  it('says so for a ref source in another repository too, and a change to the chart is one bosun cannot judge', async () => {
    const other = { 'argocd/web.yaml': application('HEAD', 'https://github.com/acme/values.git') };
    const repo = await plan({ ...other, 'chart/values.yaml': 'replicas: 3\n' });
    expect(repo.code).toBe(3);
    expect(JSON.stringify(repo.plan)).toContain('value file $values/values/prod.yaml comes from another repository (https://github.com/acme/values.git)');
  });

  it('says so for a value file Argo CD fetches from a URL: a change to the chart is one bosun cannot judge', async () => {
    const single = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  source:
    repoURL: ${repoUrl}
    targetRevision: HEAD
    path: chart
    helm:
      valueFiles: [values.yaml, https://config.example.com/web/prod.yaml]
  destination: { server: https://kubernetes.default.svc, namespace: web }
`;
    const run = await plan({ 'argocd/web.yaml': single, 'chart/values.yaml': 'replicas: 3\n' });
    expect(run.code).toBe(3);
    expect(JSON.stringify(run.plan)).toContain('value file https://config.example.com/web/prod.yaml is fetched by Argo CD from that URL, which bosun does not');
  });
});
