// A HelmRelease whose chart is a folder of this repository, under source-controller's default
// reconcileStrategy ChartVersion: a change to the chart's files without a Chart.yaml version bump builds no
// new chart artifact, so helm-controller deploys nothing of it. The plan says so (a not-previewed note, the
// changed chart files ones bosun cannot judge) instead of a green preview of a change Flux will not make.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { planChange } from '../../src/plan/plan.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-hr-chartversion-'));
});
afterAll(async () => {
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

const release = (strategy?: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
${strategy ? `      reconcileStrategy: ${strategy}\n` : ''}      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
`;

const template = (port: number) => `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: ${port}}]
`;

const files = (strategy?: string): Record<string, string> => ({
  'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
  'clusters/staging/apps.yaml': fluxKustomization('apps', './apps'),
  'apps/release.yaml': release(strategy),
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/templates/service.yaml': template(80),
});

async function repoOf(strategy: string | undefined, change: Record<string, string>): Promise<GitRepoBuilder> {
  const repo = await makeTwoCommitRepo(files(strategy), change);
  repos.push(repo);
  return repo;
}

async function planOf(strategy: string | undefined, change: Record<string, string>): Promise<PlanResult> {
  const repo = await repoOf(strategy, change);
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir } });
}

/** What the merge of the change applies (affectedEnvironments is the push workflow's list). */
async function mergedApplies(strategy: string | undefined, change: Record<string, string>): Promise<string[]> {
  const repo = await repoOf(strategy, change);
  const affected = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
  return affected.filter((a) => a.env).map((a) => a.name).sort();
}

describe('a chart of this repository under reconcileStrategy ChartVersion (the default)', () => {
  it('changed without a version bump: the plan says Flux does not deploy it, and the template is a file bosun cannot judge', async () => {
    const plan = await planOf(undefined, { 'charts/web/templates/service.yaml': template(8080) });
    const note = plan.discovery?.find((n) => n.status === 'not-previewed' && n.name === 'staging/web');
    expect(note?.reason).toContain('keeps version 0.1.0');
    expect(note?.reason).toContain('reconcileStrategy ChartVersion');
    expect(changedUncovered(plan).map((u) => u.file)).toEqual(['charts/web/templates/service.yaml']);
  });

  it('says the same of a values file its chart.spec.valuesFiles names outside the chart folder', async () => {
    const plan = await planOf(undefined, { 'apps/release.yaml': release().replace('      sourceRef:', '      valuesFiles: [apps/web-values.yaml]\n      sourceRef:'), 'apps/web-values.yaml': 'port: 80\n' });
    expect(plan.discovery?.filter((n) => n.status === 'not-previewed') ?? []).toEqual([]); // the HelmRelease changed: a new HelmChart generation builds anew
    const repo = repos[repos.length - 1];
    await repo.write('apps/web-values.yaml', 'port: 8080\n');
    await repo.commit('values only');
    const next = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir } });
    expect(changedUncovered(next).map((u) => u.file)).toEqual(['apps/web-values.yaml']);
    expect(changedUncovered(next)[0].reason).toContain('reconcileStrategy ChartVersion');
  });

  it('changed with a version bump, or under reconcileStrategy Revision: previewed as usual, nothing to say', async () => {
    for (const plan of [
      await planOf(undefined, { 'charts/web/templates/service.yaml': template(8080), 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.2.0\n' }),
      await planOf('Revision', { 'charts/web/templates/service.yaml': template(8080) }),
    ]) {
      const web = plan.environments.find((e) => e.name === 'staging/web')!;
      expect(web.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Service web']);
      expect(plan.discovery?.filter((n) => n.status === 'not-previewed') ?? []).toEqual([]);
      expect(changedUncovered(plan)).toEqual([]);
    }
  });
});

// The merge does what the plan says: helm-controller deploys nothing of an unbumped chart change, so bosun's
// merge does not apply the release either (it applied the new templates Flux holds back).
describe('the merge of a change to a chart of this repository under ChartVersion', () => {
  it('does not apply the release when Chart.yaml keeps its version', async () => {
    expect(await mergedApplies(undefined, { 'charts/web/templates/service.yaml': template(8080) })).not.toContain('staging/web');
  });

  it('applies it once the version is bumped, or under reconcileStrategy Revision', async () => {
    expect(await mergedApplies(undefined, { 'charts/web/templates/service.yaml': template(8080), 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.1\n' })).toContain('staging/web');
    expect(await mergedApplies('Revision', { 'charts/web/templates/service.yaml': template(8080) })).toContain('staging/web');
  });
});
