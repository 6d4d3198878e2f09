// A Flux HelmRelease's chart hooks through planChange on a real git repository: helm-controller's Helm
// runs a `helm.sh/hook: pre-upgrade` Job as a hook when the release exists at the base (an upgrade), so the
// plan lists it under the environment's Sync, not among the release's objects; on the release's install it is not
// applied, and with `spec.upgrade.disableHooks: true` never (model/helm-hooks.ts helmReleaseSyncRoleOf).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { renderEnvironment } from '../../src/render/render-environment.ts';
import { renderMarkdown } from '../../src/report/index.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-hr-hooks-data-'));
});
afterAll(async () => {
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

const release = (values: string, extra = '') => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: shop}
spec:
  interval: 10m
  releaseName: web
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  values: ${values}
${extra}`;

const files = (hr: string): Record<string, string> => ({
  'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
  'clusters/staging/apps.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n',
  'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n',
  'apps/release.yaml': hr,
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  v: {{ .Values.v | quote }}\n',
  'charts/web/templates/migrate.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: web-migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-weight: "-1"\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: main, image: "busybox:1.36", command: ["true"]}]\n',
});

async function planOf(base: Record<string, string> | undefined, head: Record<string, string>): Promise<PlanResult> {
  const repo = await makeGitRepo();
  repos.push(repo);
  await repo.write('README.md', 'fleet\n');
  for (const [path, content] of Object.entries(base ?? {})) await repo.write(path, content);
  await repo.commit('base');
  for (const [path, content] of Object.entries(head)) await repo.write(path, content);
  await repo.commit('change');
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir } });
}

const web = (plan: PlanResult) => plan.environments.find((e) => e.name === 'staging/web');

describe('a Flux HelmRelease chart\'s hooks in the plan', () => {
  it('shows a pre-upgrade Job as a hook of the upgrade and as not applied on the install, never as an object of the release', async () => {
    const upgrade = await planOf(files(release('{v: "1"}')), { 'apps/release.yaml': release('{v: "2"}') });
    const env = web(upgrade);
    expect(env?.sync?.hooks.map((h) => `${h.phase} ${h.wave} ${h.kind} ${h.name} (${h.declaredBy})`)).toEqual(['PreSync -1 Job web-migrate (helm.sh/hook: pre-upgrade)']);
    expect(env?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap web-config']);
    expect(renderMarkdown(upgrade, { maxPartChars: 1_000_000 })[0]).toContain('web-migrate');

    const install = await planOf(undefined, files(release('{v: "1"}')));
    expect(web(install)?.sync?.hooks ?? []).toEqual([]);
    expect(web(install)?.sync?.skipped.map((s) => `${s.name}: ${s.reason}`)).toEqual(['web-migrate: helm.sh/hook: pre-upgrade: Helm runs it only on pre-upgrade, not during this install of the release']);
    expect(web(install)?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['create ConfigMap web-config']);
  });

  it('never applies it with spec.upgrade.disableHooks: true', async () => {
    const off = '  upgrade: {disableHooks: true}\n';
    const plan = await planOf(files(release('{v: "1"}', off)), { 'apps/release.yaml': release('{v: "2"}', off) });
    expect(web(plan)?.sync?.hooks ?? []).toEqual([]);
    expect(web(plan)?.sync?.skipped.map((s) => s.reason)).toEqual([expect.stringContaining('spec.upgrade.disableHooks is set')]);
    expect(web(plan)?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap web-config']);
  });
});

describe('a Flux HelmRelease chart\'s hooks through its post-renderers', () => {
  const postRendered = `  commonMetadata:
    labels: {team: shop}
  postRenderers:
    - kustomize:
        patches:
          - target: {kind: Job}
            patch: |
              - op: add
                path: /metadata/labels
                value: {patched: "yes"}
`;

  async function labelsOf(extra: string): Promise<Record<string, Record<string, string>>> {
    const repo = await makeGitRepo();
    repos.push(repo);
    for (const [path, content] of Object.entries(files(release('{v: "1"}', extra)))) await repo.write(path, content);
    const { environments } = await discoverEnvironments(repo.dir, { repoUrls: ['ssh://git@github.com/acme/fleet'], branch: 'main' });
    const env = environments.find((e) => e.helmRelease !== undefined)!;
    const out = await renderEnvironment(repo.dir, env);
    if (!out.ok) throw new Error(out.error.message);
    return Object.fromEntries(out.objects.map((o) => [`${o.object.kind}/${o.object.metadata?.name}`, o.object.metadata?.labels ?? {}]));
  }

  it('post-renders hooks by default (combined) and leaves them as the chart renders them with postRenderStrategy: nohooks', async () => {
    const origin = { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'shop' };
    expect(await labelsOf(postRendered)).toEqual({
      'ConfigMap/web-config': { team: 'shop', ...origin },
      'Job/web-migrate': { patched: 'yes', team: 'shop', ...origin },
    });
    expect(await labelsOf(`${postRendered}  postRenderStrategy: nohooks\n`)).toEqual({
      'ConfigMap/web-config': { team: 'shop', ...origin },
      'Job/web-migrate': {},
    });
  });
});
