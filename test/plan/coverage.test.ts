// Coverage and discovery notes through planChange on real git repositories: every GitOps file is read by
// an environment or listed with why, every object bosun saw and does not preview is in the report, and a
// change to a file bosun cannot judge is said at the top — never a silent "no changes".
import { rm } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { planJsonSchema, renderJson, renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops';
const validate = new Ajv({ strict: true, allErrors: true }).compile(planJsonSchema);
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

function deployment(name: string, image: string): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: ${name}\n          image: ${image}\n`;
}

const configMap = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  value: "${value}"\n`;

/** A repository with `files` committed on main, then `change` on top; the plan of that change, as JSON and markdown. */
async function planOf(files: Record<string, string>, change: Record<string, string | null>, opts: { repoUrls?: string[] } = {}): Promise<{ plan: PlanResult; json: PlanResult; markdown: string }> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  await repo.commit('base');
  for (const [path, content] of Object.entries(change)) {
    if (content === null) await repo.remove(path);
    else await repo.write(path, content);
  }
  await repo.commit('change');
  const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', ...opts });
  const json = JSON.parse(renderJson(plan)) as PlanResult;
  expect(validate(json) ? [] : validate.errors).toEqual([]);
  return { plan, json, markdown: renderMarkdown(plan, { maxPartChars: 1_000_000 })[0] };
}

describe('an Argo CD repository with an ApplicationSet whose generator needs the cluster, and a chart from a Helm repository', () => {
  const files = {
    'argocd/guestbook.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
spec:
  source:
    repoURL: ${repoUrl}
    path: apps/guestbook
  destination:
    namespace: guestbook
`,
    'argocd/apps.yaml': `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
spec:
  generators:
    - clusterDecisionResource:
        configMapRef: ocm-placement
        labelSelector:
          matchLabels:
            placement: billing
  template:
    metadata:
      name: 'billing-{{name}}'
    spec:
      source:
        repoURL: ${repoUrl}
        path: apps/billing
      destination:
        namespace: billing
`,
    'argocd/podinfo.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: podinfo
spec:
  source:
    repoURL: https://stefanprodan.github.io/podinfo
    chart: podinfo
    targetRevision: 6.5.0
  destination:
    namespace: podinfo
`,
    'apps/guestbook/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
    'apps/guestbook/deployment.yaml': deployment('guestbook', 'guestbook:1'),
    'apps/billing/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
    'apps/billing/deployment.yaml': deployment('billing', 'billing:1'),
  };

  it('lists the files only an ApplicationSet bosun cannot expand deploys, with why, and says bosun cannot judge the changed one', async () => {
    const { json, markdown } = await planOf(files, { 'apps/billing/deployment.yaml': deployment('billing', 'billing:2') }, { repoUrls: [repoUrl] });

    // The Helm repository chart is an environment (fetched at render time), untouched by this change.
    expect(json.environments.map((e) => [e.name, e.affected])).toEqual([['guestbook', false], ['podinfo', false]]);
    const notExpanded = 'generators[0] not expanded: the clusterDecisionResource generator needs the outside world: it reads a cluster decision resource (Open Cluster Management placement) from the cluster; the Applications it generates are not previewed';
    const setReason = `read by Argo CD ApplicationSet \`apps\` (argocd/apps.yaml:1): ${notExpanded}`;
    expect(json.coverage).toEqual({
      covered: 4,
      uncovered: [
        { file: 'apps/billing/deployment.yaml', reason: setReason, changed: true },
        { file: 'apps/billing/kustomization.yaml', reason: setReason },
        { file: 'argocd/apps.yaml', reason: `defines Argo CD ApplicationSet \`apps\`: ${notExpanded}` },
      ],
    });
    expect(json.discovery).toEqual([
      expect.objectContaining({ status: 'not-an-environment', kind: 'ApplicationSet', name: 'apps', file: 'argocd/apps.yaml', line: 1, reads: ['apps/billing'] }),
    ]);

    // At the top, before any environment: what bosun cannot judge, and what it cannot preview.
    const top = markdown.slice(0, markdown.indexOf('<details>'));
    expect(top).toContain('**bosun cannot judge 1 changed file**');
    expect(top).toContain('- `apps/billing/deployment.yaml`: read by Argo CD ApplicationSet `apps`');
    expect(markdown).toContain('<details><summary>Not deployed by any environment bosun found (3 files, 1 changed)</summary>');
    expect(markdown).toContain('| ✏️ changed: `apps/billing/deployment.yaml` | read by Argo CD ApplicationSet `apps`');
    expect(markdown).toContain('<details><summary>Seen by discovery: 1 not an environment</summary>');
  });
});

describe('a Flux repository with a Kustomization whose source is an OCIRepository, and a HelmRelease', () => {
  const files = {
    'clusters/prod/flux-system/gotk-sync.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  url: ${repoUrl}
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  path: ./clusters/prod
  sourceRef:
    kind: GitRepository
    name: flux-system
`,
    'clusters/prod/flux-system/kustomization.yaml': 'resources:\n  - gotk-sync.yaml\n',
    'clusters/prod/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  path: ./apps/prod
  sourceRef:
    kind: GitRepository
    name: flux-system
`,
    'clusters/prod/podinfo.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  url: oci://ghcr.io/acme/manifests/podinfo
  ref:
    tag: latest
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: podinfo
  namespace: flux-system
spec:
  path: ./deploy/podinfo
  sourceRef:
    kind: OCIRepository
    name: podinfo
`,
    'deploy/podinfo/deployment.yaml': deployment('podinfo', 'podinfo:6.5.0'),
    'apps/prod/kustomization.yaml': 'resources:\n  - settings.yaml\n  - redis.yaml\n',
    'apps/prod/settings.yaml': configMap('settings', 'a'),
    'apps/prod/redis.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: redis
  namespace: default
spec:
  interval: 10m
  chart:
    spec:
      chart: redis
      version: 18.x
      sourceRef:
        kind: HelmRepository
        name: bitnami
`,
  };

  it('names the OCI-sourced Kustomization as the reason for its folder, and shows the HelmRelease as not previewed in its environment', async () => {
    const { json, markdown } = await planOf(files, {
      'deploy/podinfo/deployment.yaml': deployment('podinfo', 'podinfo:6.5.1'),
      'apps/prod/settings.yaml': configMap('settings', 'b'),
    });

    expect(json.environments.filter((e) => e.affected).map((e) => e.name)).toEqual(['prod/apps']);
    expect(json.coverage?.uncovered).toEqual([{
      file: 'deploy/podinfo/deployment.yaml',
      reason: 'read by Flux Kustomization `podinfo` (clusters/prod/podinfo.yaml:11): not an environment: its source kind `OCIRepository` (podinfo) is one bosun does not follow, so what it deploys is not previewed',
      changed: true,
    }]);
    expect(json.coverage?.covered).toBe(7);
    expect(json.discovery).toEqual(expect.arrayContaining([
      expect.objectContaining({ status: 'not-an-environment', kind: 'Kustomization', name: 'podinfo', reads: ['deploy/podinfo'], environments: ['prod/flux-system'] }),
      expect.objectContaining({ status: 'not-an-environment', kind: 'OCIRepository', name: 'podinfo' }),
      expect.objectContaining({
        status: 'not-previewed', kind: 'HelmRelease', name: 'redis', file: 'apps/prod/redis.yaml', environments: ['prod/apps'],
        reason: expect.stringContaining('chart redis 18.x not fetched: it comes from HelmRepository bitnami, which is not in this repository, so bosun does not know its URL'),
      }),
    ]));
    expect(markdown).toContain('**bosun cannot judge 1 changed file**');
    expect(markdown).toContain('- Flux HelmRelease `redis` in `prod/apps` (`apps/prod/redis.yaml:1`): chart redis 18.x not fetched: it comes from HelmRepository bitnami');
  });
});

describe('a Flux postBuild.substituteFrom ConfigMap bump', () => {
  it('changes the environment that substitutes from it as well as the one that deploys the ConfigMap, with nothing left to judge', async () => {
    const ks = (name: string, path: string, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  path: ${path}
  sourceRef:
    kind: GitRepository
    name: flux-system
${extra}`;
    const { json, markdown } = await planOf({
      'clusters/prod/flux-system.yaml': ks('flux-system', './clusters/prod'),
      'clusters/prod/cluster-vars.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  version: "1.22"\n',
      'clusters/prod/apps.yaml': ks('apps', './apps', '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n'),
      'apps/settings.yaml': configMap('settings', '${version}'),
    }, { 'clusters/prod/cluster-vars.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: flux-system\ndata:\n  version: "1.23"\n' });

    // The ConfigMap's own environment shows it, and the environment whose render it feeds shows the new value.
    expect(json.environments.map((e) => [e.name, e.affected])).toEqual([['prod/apps', true], ['prod/flux-system', true]]);
    const apps = json.environments.find((e) => e.name === 'prod/apps')!;
    expect(apps.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap settings']);
    expect(apps.changes[0].diff).toContain('+  value: 1.23');
    expect(json.coverage?.uncovered).toEqual([]);
    expect(json.discovery?.filter((n) => n.status === 'not-previewed')).toEqual([]);
    expect(markdown).not.toContain('bosun cannot judge');
  });
});

describe('a Rancher Fleet repository with no registered cluster to target', () => {
  it('says what bosun looked for, lists the bundle files with why (no target cluster), and that it cannot judge the change', async () => {
    const { json, markdown } = await planOf({
      'fleet/web/fleet.yaml': 'defaultNamespace: web\n',
      'fleet/web/deployment.yaml': deployment('web', 'web:1'),
    }, { 'fleet/web/deployment.yaml': deployment('web', 'web:2') });

    expect(json.environments).toEqual([]);
    const noTarget = 'no target cluster: register clusters with labels to preview per cluster (bosun plan --clusters FILE, the App\'s BOSUN_CLUSTERS; docs/gitops-sources.md "Rancher Fleet")';
    expect(json.coverage).toEqual({
      covered: 0,
      uncovered: [
        { file: 'fleet/web/deployment.yaml', reason: `read by Fleet bundle \`fleet/web\` (fleet/web/fleet.yaml): ${noTarget}`, changed: true },
        { file: 'fleet/web/fleet.yaml', reason: `defines Fleet bundle \`fleet/web\`: ${noTarget}` },
      ],
    });
    expect(json.discovery?.map((n) => [n.status, n.kind, n.name ?? ''])).toEqual([
      ['info', 'Bundle', ''],
      ['not-an-environment', 'Bundle', 'fleet/web'],
      ['info', 'Repository', ''],
    ]);
    expect(json.discovery?.[0].reason).toMatch(/^no Fleet GitRepo in this repository points at it: bosun takes every folder with a fleet\.yaml as a bundle/);
    expect(markdown).toContain('No environments found in this repository: bosun looked for environments in .bosun.yaml; Flux Kustomizations and Argo CD Applications whose source is this repository; Rancher Fleet bundles (fleet.yaml, GitRepo paths) on registered clusters; clusters/&lt;name&gt;/ folders; add a .bosun.yaml that lists them');
    expect(markdown).toContain('**bosun cannot judge 1 changed file**');
    expect(markdown).toContain('<details><summary>Not deployed by any environment bosun found (2 files, 1 changed)</summary>');
  });
});

describe('a repository with .bosun.yaml environments, stray manifests and an Argo CD Application', () => {
  const files = {
    '.bosun.yaml': 'version: 1\nenvironments:\n  - name: staging\n    path: clusters/staging\n',
    'clusters/staging/settings.yaml': configMap('settings', 'a'),
    'legacy/old.yaml': configMap('old', 'a'),
    'legacy/older.yaml': configMap('older', 'a'),
    'argocd/web.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    path: apps/web\n  destination:\n    namespace: web\n',
    'apps/web/deployment.yaml': deployment('web', 'web:1'),
    '.github/workflows/ci.yaml': 'on: push\njobs: {}\n',
    'README.md': '# gitops\n',
  };

  it('lists stray and Application-only files, marks the changed and deleted ones, and still plans the environment', async () => {
    const { json, markdown } = await planOf(files, {
      'clusters/staging/settings.yaml': configMap('settings', 'b'),
      'legacy/old.yaml': configMap('old', 'b'),
      'legacy/older.yaml': null,
    });

    expect(json.environments.map((e) => [e.name, e.affected, e.changes.length])).toEqual([['staging', true, 1]]);
    expect(json.coverage).toEqual({
      covered: 1,
      uncovered: [
        { file: 'legacy/old.yaml', changed: true },
        { file: 'legacy/older.yaml', reason: 'deleted; no environment read it', changed: true, deleted: true },
        { file: 'apps/web/deployment.yaml', reason: 'read by Argo CD Application `web` (argocd/web.yaml:1): not an environment: .bosun.yaml lists the environments; add one for apps/web if bosun should preview what this deploys' },
        { file: 'argocd/web.yaml', reason: 'defines Argo CD Application `web`: not an environment: .bosun.yaml lists the environments; add one for apps/web if bosun should preview what this deploys' },
      ],
    });
    expect(markdown).toContain('**bosun cannot judge 2 changed files**');
    expect(markdown).toContain('- `legacy/old.yaml`\n');
    expect(markdown).toContain('- `legacy/older.yaml` (deleted): deleted; no environment read it');
    expect(markdown).toContain('| ✏️ deleted: `legacy/older.yaml` |');
    expect(markdown).toContain('| ✏️ changed: `legacy/old.yaml` | no environment reads it |');
  });

  it('says nothing about coverage at the top when only covered files change', async () => {
    const { json, markdown } = await planOf(files, { 'clusters/staging/settings.yaml': configMap('settings', 'c') });
    expect(json.coverage?.uncovered.some((u) => u.changed)).toBe(false);
    expect(markdown).not.toContain('cannot judge');
    expect(markdown).toContain('<details><summary>Not deployed by any environment bosun found (4 files)</summary>');
  });
});
