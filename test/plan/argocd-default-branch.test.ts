// Argo CD resolves `targetRevision: HEAD` (or none) to the repository's default branch. A pull request into
// another branch (a release branch) does not change what such an Application deploys: it is pinned to the
// default branch, while an Application following the release branch is previewed. `bosun plan` (the CLI,
// for its exit code) on a real git repository, rendered by the real tools.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/platform.git';
const repos: GitRepoBuilder[] = [];
afterAll(async () => { await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true }))); });

const app = (name: string, revision?: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${repoUrl}
    path: apps/${name}
${revision ? `    targetRevision: ${revision}\n` : ''}  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
`;
const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

async function planBoth(args: string[]): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeGitRepo();
  repos.push(repo);
  await repo.write('argocd/tip.yaml', app('tip', 'HEAD'));
  await repo.write('argocd/unset.yaml', app('unset'));
  await repo.write('argocd/rel.yaml', app('rel', 'release-1'));
  for (const name of ['tip', 'unset', 'rel']) await repo.write(`apps/${name}/config.yaml`, configMap(name, 'one'));
  const base = await repo.commit('base');
  for (const name of ['tip', 'unset', 'rel']) await repo.write(`apps/${name}/config.yaml`, configMap(name, 'two'));
  const head = await repo.commit('change every app');
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--repo-url', repoUrl, '--format', 'json', ...args], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult };
}

const summary = (plan: PlanResult) => plan.environments.map((e) => [e.name, e.affected, e.pinned ?? null, e.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)]);

const appSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: generated
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: ${repoUrl}
        revision: HEAD
        directories:
          - path: generated/*
  template:
    metadata:
      name: 'gen-{{.path.basename}}'
    spec:
      project: default
      source:
        repoURL: ${repoUrl}
        targetRevision: HEAD
        path: '{{.path.path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{.path.basename}}'
`;

describe('Argo CD targetRevision HEAD follows the default branch', () => {
  it('an ApplicationSet git generator reading HEAD is not expanded from a pull request into a release branch, and says so', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    await repo.write('argocd/appset.yaml', appSet);
    await repo.write('generated/one/config.yaml', configMap('one', 'one'));
    const base = await repo.commit('base');
    await repo.write('generated/one/config.yaml', configMap('one', 'two'));
    const head = await repo.commit('change');
    const run = async (branch: string) => {
      const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--repo-url', repoUrl, '--format', 'json', '--base-branch', branch, '--default-branch', 'main'], repo.dir);
      return { code, plan: JSON.parse(stdout) as PlanResult };
    };
    const intoMain = await run('main');
    expect(summary(intoMain.plan)).toEqual([['gen-one', true, null, ['update ConfigMap one/one']]]);
    const intoRelease = await run('release-1');
    expect(intoRelease.plan.environments).toEqual([]);
    expect(intoRelease.plan.discovery?.find((n) => n.kind === 'ApplicationSet')?.reason).toContain('pinned to HEAD');
  }, 120_000);


  it('a pull request into a release branch previews the Application following that branch, and pins those following HEAD to the default branch', async () => {
    const { code, plan } = await planBoth(['--base-branch', 'release-1', '--default-branch', 'main']);
    expect(summary(plan)).toEqual([
      ['rel', true, null, ['update ConfigMap rel/rel']],
      ['tip', false, 'main', []],
      ['unset', false, 'main', []],
    ]);
    expect(code).toBe(0);
  }, 120_000);

  it('a pull request into the default branch previews the Applications following HEAD, and pins the one following the release branch', async () => {
    const { code, plan } = await planBoth(['--base-branch', 'main', '--default-branch', 'main']);
    expect(summary(plan)).toEqual([
      ['rel', false, 'release-1', []],
      ['tip', true, null, ['update ConfigMap tip/tip']],
      ['unset', true, null, ['update ConfigMap unset/unset']],
    ]);
    expect(code).toBe(0);
  }, 120_000);
});
