// What a merge applies for a Flux HelmRelease whose chart is a folder of this repository, under
// source-controller's default reconcileStrategy ChartVersion: a change to the chart's files without a
// Chart.yaml version bump builds no new chart artifact (source-controller docs/spec/v1/helmcharts.md,
// "Reconcile strategy"), so helm-controller deploys nothing of it. The plan says so
// (chart-reconcile-strategy.ts); the merge must hold it back too, not apply the new templates Flux would
// not — affectedEnvironments is what the push workflow applies.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
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
  'clusters/staging/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`,
  'apps/release.yaml': release(strategy),
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/templates/service.yaml': template(80),
});

async function mergedApplies(before: Record<string, string>, change: Record<string, string>): Promise<string[]> {
  const repo = await makeTwoCommitRepo(before, change);
  repos.push(repo);
  const affected = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
  return affected.filter((a) => a.env).map((a) => a.name).sort();
}

describe('a merge that changes an in-repository chart of a Flux HelmRelease', () => {
  it('does not apply the release when Chart.yaml keeps its version (ChartVersion, the default): Flux builds no new chart', async () => {
    expect(await mergedApplies(files(), { 'charts/web/templates/service.yaml': template(8080) })).not.toContain('staging/web');
  });

  it('applies it once the version is bumped', async () => {
    expect(await mergedApplies(files(), {
      'charts/web/templates/service.yaml': template(8080),
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.1\n',
    })).toContain('staging/web');
  });

  it('applies it under reconcileStrategy Revision, where every new source revision builds the chart', async () => {
    expect(await mergedApplies(files('Revision'), { 'charts/web/templates/service.yaml': template(8080) })).toContain('staging/web');
  });
});
