// An Argo CD app of apps whose parent is a chart fetched from a Helm repository: the Applications the chart
// renders that deploy folders of this repository are environments of the plan, as a local app of apps'
// children are — each rendered and diffed base vs head, a change in its folder affecting it alone, a child a
// chart version bump adds or removes planned as a new or removed environment. A child of another repository
// stays a not-previewed note. `bosun plan` (the CLI, for its exit code) on real git repositories, against the
// local Helm repository of test/support/chart-repo.ts (real `helm package` + `helm repo index` on loopback),
// rendered by the real helm in the sandbox.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { loadDesiredState } from '../../src/plan/desired-state.ts';
import type { EnvironmentPlan, PlanResult } from '../../src/model/plan.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { makeGitRepo, makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/platform.git';
const repos: GitRepoBuilder[] = [];
let dataDir: string;
let served: ServedRepo;

/** A child Application of this repository (or of `repo`), deploying `path`, deleting what it deployed when it is deleted. */
const child = (name: string, path: string, repo = repoUrl) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: ${repo}
    path: ${path}
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
  syncPolicy:
    automated:
      prune: true
`;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-argocd-chart-children-'));
  // `platform` 1.0.0 deploys frontend, backend (folders here) and billing (another repository);
  // 1.1.0 drops backend and adds worker.
  served = await serveChartRepo([
    { name: 'platform', version: '1.0.0', templates: { 'frontend.yaml': child('frontend', 'envs/frontend'), 'backend.yaml': child('backend', 'envs/backend'), 'billing.yaml': child('billing', 'deploy', 'https://github.com/acme/billing.git') } },
    { name: 'platform', version: '1.1.0', templates: { 'frontend.yaml': child('frontend', 'envs/frontend'), 'worker.yaml': child('worker', 'envs/worker'), 'billing.yaml': child('billing', 'deploy', 'https://github.com/acme/billing.git') } },
  ]);
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

/** The parent: the `platform` chart at `version`, pruning the Applications it stops rendering. */
const root = (version: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${served.url}
    chart: platform
    targetRevision: "${version}"
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
  syncPolicy:
    automated:
      prune: true
`;

/** The parent with its chart from `url`. */
const rootFrom = (url: string, version: string) => root(version).replace(`repoURL: ${served.url}`, `repoURL: ${url}`);

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

const baseFiles = () => ({
  'apps/root.yaml': root('1.0.0'),
  'envs/frontend/config.yaml': configMap('frontend', 'one'),
  'envs/backend/config.yaml': configMap('backend', 'one'),
  'envs/worker/config.yaml': configMap('worker', 'one'),
});

interface Run { code: number; plan: PlanResult; stderr: string; repo: GitRepoBuilder }

/** `bosun plan --format json` of a two-commit repository: `before` files, then `after` files over them. */
async function plan(before: Record<string, string>, after: Record<string, string>): Promise<Run> {
  const repo = await makeTwoCommitRepo(before, after);
  repos.push(repo);
  return planAgain(repo);
}

/** The same plan of the repository's last commit (its input index, in the git folder, now holds both commits). */
async function planAgain(repo: GitRepoBuilder): Promise<Run> {
  const { code, stdout, stderr } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--format', 'json'], repo.dir, { ...process.env, BOSUN_DATA_DIR: dataDir, BOSUN_CHART_SOURCES: served.url });
  return { code, plan: JSON.parse(stdout) as PlanResult, stderr, repo };
}

const env = (r: Run, name: string): EnvironmentPlan | undefined => r.plan.environments.find((e) => e.name === name);
const changes = (e: EnvironmentPlan | undefined) => (e?.changes ?? []).map((c) => `${c.action} ${c.kind} ${c.namespace ?? ''}/${c.name}`);

describe('an Argo CD app of apps through a fetched chart', () => {
  it('makes each Application of this repository the chart renders an environment: a change in one child\'s folder affects only that child, with its diff', async () => {
    const run = await plan(baseFiles(), { 'envs/frontend/config.yaml': configMap('frontend', 'two') });
    // Named as discovery names app-of-apps children (the Application's name), produced by the parent.
    expect(run.plan.environments.map((e) => e.name).sort()).toEqual(['backend', 'frontend', 'root']);
    expect(env(run, 'frontend')).toMatchObject({ source: 'argocd', path: 'envs/frontend', affected: true, producedBy: { kind: 'Application', name: 'root', environment: 'root' } });
    expect(changes(env(run, 'frontend'))).toEqual(['update ConfigMap frontend/frontend']);
    expect(env(run, 'frontend')!.changes[0].diff).toContain('-  value: one\n+  value: two');
    expect(env(run, 'frontend')!.changes[0].file).toBe('envs/frontend/config.yaml');
    expect(env(run, 'backend')).toMatchObject({ affected: false, render: { skipped: true } });
    expect(env(run, 'root')).toMatchObject({ affected: false });
    // The children's folders are inputs of environments, covered; a folder no child deploys at 1.0.0 is not.
    expect((run.plan.coverage?.uncovered ?? []).map((u) => u.file)).toEqual(['envs/worker/config.yaml']);
    expect(run.code).toBe(0);
    // Planned again with the commits' input index: the same environments (discovery with a fetched chart is not stored).
    const again = await planAgain(run.repo);
    expect(again.plan.environments.map((e) => [e.name, e.affected, changes(e)])).toEqual(run.plan.environments.map((e) => [e.name, e.affected, changes(e)]));
    // What an apply of the child renders (the default branch's commit, with the chart options): its folder.
    const desired = await loadDesiredState({ repoDir: run.repo.dir, ref: 'HEAD', env: 'frontend', repoUrls: [repoUrl], charts: { sources: [served.url], dataDir } });
    expect(desired.objects.map((o) => `${o.object.kind} ${o.object.metadata?.name} ${String((o.object as { data?: Record<string, unknown> }).data?.value)}`)).toEqual(['ConfigMap frontend two']);
    // Without a chart fetcher the chart is not expanded: no such environment, said.
    await expect(loadDesiredState({ repoDir: run.repo.dir, ref: 'HEAD', env: 'frontend', repoUrls: [repoUrl] })).rejects.toThrow('unknown environment "frontend"');
  }, 180_000);

  it('/bosun apply before merge renders a child at the pull request\'s head with the chart sources of its base, never one the head adds', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    for (const [path, content] of Object.entries(baseFiles())) await repo.write(path, content);
    const base = await repo.commit('base');
    await repo.write('envs/frontend/config.yaml', configMap('frontend', 'two'));
    const head = await repo.commit('change');
    // No operator sources: the chart's repository is allowed only because the base declares it.
    const charts = { sources: [], dataDir };
    const desired = await loadDesiredState({ repoDir: repo.dir, ref: head, env: 'frontend', repoUrls: [repoUrl], charts, chartSourcesAt: base });
    expect(desired.objects.map((o) => `${o.object.kind} ${o.object.metadata?.name} ${String((o.object as { data?: Record<string, unknown> }).data?.value)}`)).toEqual(['ConfigMap frontend two']);
    // A head that moves the parent to a repository its base does not declare: that chart is not fetched,
    // so the head has no such child to apply.
    const other = await serveChartRepo([{ name: 'platform', version: '1.0.0', templates: { 'frontend.yaml': child('frontend', 'envs/frontend') } }]);
    try {
      await repo.write('apps/root.yaml', rootFrom(other.url, '1.0.0'));
      const moved = await repo.commit('move the chart');
      await expect(loadDesiredState({ repoDir: repo.dir, ref: moved, env: 'frontend', repoUrls: [repoUrl], charts, chartSourcesAt: base })).rejects.toThrow('unknown environment "frontend"');
      expect(other.requests).toEqual([]);
    } finally {
      await other.close();
    }
  }, 180_000);

  it('a merge applies the child whose folder it changed: the push job\'s affected environments expand the fetched chart as the plan does', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    for (const [path, content] of Object.entries(baseFiles())) await repo.write(path, content);
    const base = await repo.commit('base');
    await repo.write('envs/frontend/config.yaml', configMap('frontend', 'two'));
    const head = await repo.commit('change');
    const charts = { sources: [served.url], dataDir };
    const affected = await affectedEnvironments({ repoDir: repo.dir, base, head, repoUrls: [repoUrl], charts });
    expect(affected.map((a) => [a.name, a.decision.affected, a.env?.path])).toEqual([['frontend', true, 'envs/frontend']]);
    // Without the chart options (no BOSUN_CHART_SOURCES), the merge knows only the parent, and does not apply it.
    const without = await affectedEnvironments({ repoDir: repo.dir, base, head, repoUrls: [repoUrl] });
    expect(without).toEqual([]);
  }, 120_000);

  it('a chart version bump: the child it adds is a new environment, the child it drops a removed one whose objects Argo CD prunes, and the child of another repository stays a not-previewed note', async () => {
    const run = await plan(baseFiles(), { 'apps/root.yaml': root('1.1.0') });
    expect(run.plan.environments.map((e) => e.name).sort()).toEqual(['backend', 'frontend', 'root', 'worker']);
    // The parent's own diff: the Application objects the chart renders.
    expect(changes(env(run, 'root')).sort()).toEqual(['create Application argocd/worker', 'delete Application argocd/backend']);
    expect(env(run, 'worker')).toMatchObject({ affected: true, lifecycle: 'added' });
    expect(changes(env(run, 'worker'))).toEqual(['create ConfigMap worker/worker']);
    expect(env(run, 'backend')).toMatchObject({ affected: true, lifecycle: 'removed' });
    expect(env(run, 'backend')!.reason).toContain('its objects will be deleted');
    expect(changes(env(run, 'backend'))).toEqual(['delete ConfigMap backend/backend']);
    // Rendered again (its definition is in the parent's chart), unchanged.
    expect(env(run, 'frontend')).toMatchObject({ affected: true, changes: [] });
    const billing = (run.plan.discovery ?? []).filter((n) => n.name === 'billing');
    expect(billing).toEqual([expect.objectContaining({
      status: 'not-previewed',
      kind: 'Application',
      file: 'apps/root.yaml',
      environments: ['root'],
      reason: expect.stringContaining(`rendered by the chart platform from ${served.url} of Argo CD Application root (app of apps): Argo CD creates this Application and syncs what it deploys, which is not previewed (spec.source is another repository (https://github.com/acme/billing.git))`),
    })]);
    // What billing deploys is not judged, and the change touches the parent that renders it: the neutral verdict.
    expect(run.code).toBe(3);
  }, 180_000);

  it('a chart the head cannot fetch leaves its children as they were, not removed: the parent is not previewed (exit 3)', async () => {
    const undeclared = served.url.replace('127.0.0.1', 'localhost');
    const run = await plan(baseFiles(), { 'apps/root.yaml': rootFrom(undeclared, '1.1.0') });
    expect(env(run, 'root')!.reason).toContain(`not previewed: chart not fetched: source ${undeclared} is not declared on the base branch`);
    expect(run.plan.environments.map((e) => e.name).sort()).toEqual(['backend', 'frontend', 'root']);
    for (const name of ['frontend', 'backend']) {
      expect(env(run, name)!.lifecycle).toBeUndefined();
      expect(env(run, name)!.changes).toEqual([]);
    }
    expect(run.code).toBe(3);
  }, 180_000);
});
