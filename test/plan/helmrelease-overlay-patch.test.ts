// A HelmRelease patched by an overlay, as fluxcd/flux2-kustomize-helm-example does it
// (apps/staging/podinfo-values.yaml: a partial HelmRelease listed under `patches:`). The patch is not a
// release of its own even when it sets something under spec.chart.spec (its valuesFiles, its version), and
// the values files and valuesFrom objects it adds are inputs of the release it patches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-hr-patch-'));
});

afterAll(async () => {
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

async function planOf(files: Record<string, string>, change: Record<string, string>): Promise<PlanResult> {
  const repo = await makeTwoCommitRepo(files, change);
  repos.push(repo);
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir } });
}

const patch = (image: string, valuesFile: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  chart:
    spec:
      valuesFiles:
        - ./charts/podinfo/values.yaml
        - ${valuesFile}
  values:
    image: ${image}
`;

const files = {
  'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
  'clusters/staging/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/staging
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`,
  'apps/base/podinfo/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n',
  'apps/base/podinfo/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  interval: 5m
  chart:
    spec:
      chart: ./charts/podinfo
      # Revision: every commit builds the chart (with its values files) anew, so a values file change is deployed.
      reconcileStrategy: Revision
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
`,
  'apps/staging/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: podinfo
resources:
  - ../base/podinfo
patches:
  - path: podinfo-values.yaml
    target: {kind: HelmRelease}
`,
  'apps/staging/podinfo-values.yaml': patch('podinfo:6.5.0', './apps/staging/values-staging.yaml'),
  'apps/staging/values-staging.yaml': 'replicaCount: 2\n',
  'charts/podinfo/Chart.yaml': 'apiVersion: v2\nname: podinfo\nversion: 6.5.0\n',
  'charts/podinfo/values.yaml': 'replicaCount: 1\nimage: podinfo:6.4.0\n',
  'charts/podinfo/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: podinfo}
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
        - name: podinfo
          image: {{ .Values.image }}
`,
};

describe('a HelmRelease overlay patch that sets spec.chart.spec.valuesFiles', () => {
  it('is not a release of its own: a change to it is previewed in the release it patches, and the plan is not "cannot judge"', async () => {
    const plan = await planOf(files, { 'apps/staging/podinfo-values.yaml': patch('podinfo:6.5.1', './apps/staging/values-staging.yaml') });
    expect(plan.discovery?.filter((n) => n.kind === 'HelmRelease' || (n.name ?? '').startsWith('staging/podinfo')) ?? []).toEqual([]);
    expect(plan.environments.map((e) => e.name).sort()).toEqual(['staging/apps', 'staging/flux-system', 'staging/podinfo']);
    const podinfo = plan.environments.find((e) => e.name === 'staging/podinfo')!;
    expect(podinfo.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment podinfo']);
    expect(podinfo.changes[0].diff).toMatch(/\n-.*image: podinfo:6\.5\.0\n\+.*image: podinfo:6\.5\.1\n/);
    // Nothing bosun cannot judge: the plan exits 0, not 3.
    expect(changedUncovered(plan)).toEqual([]);
  });

  it('makes the values file it adds an input of the release: a change to that file alone shows the release\'s change', async () => {
    const plan = await planOf(files, { 'apps/staging/values-staging.yaml': 'replicaCount: 3\n' });
    const podinfo = plan.environments.find((e) => e.name === 'staging/podinfo')!;
    expect(podinfo).toMatchObject({ affected: true, reason: 'apps/staging/values-staging.yaml changed' });
    expect(podinfo.changes[0].diff).toMatch(/\n- +replicas: 2\n\+ +replicas: 3\n/);
    // Nothing bosun cannot judge: the plan exits 0, not 3.
    expect(changedUncovered(plan)).toEqual([]);
  });
});
