import { describe, expect, it, onTestFinished } from 'vitest';
import { discoverEnvironments, noteText } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/fleet';
const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n';

describe('discovery notes: what bosun saw and does not preview', () => {
  it('an ApplicationSet whose generators need what bosun lacks (no cluster registry, another repository) says so and reads the folders of its git generators and template path', async () => {
    const root = await makeTree({
      'argocd/set.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata:
          name: platform
          namespace: argocd
        spec:
          generators:
            - matrix:
                generators:
                  - clusters: {}
                  - git:
                      repoURL: ${repoUrl}
                      directories:
                        - path: platform/*
                        - path: platform/legacy
                          exclude: true
                      files:
                        - path: config/**/cluster.json
          template:
            spec:
              source:
                repoURL: ${repoUrl}
                path: 'addons/{{path.basename}}'
      `,
      'platform/ingress/cm.yaml': cm,
      'config/prod/cluster.json': '{}',
      'addons/x/cm.yaml': cm,
      'argocd/foreign-set.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata:
          name: foreign
        spec:
          generators:
            - git:
                repoURL: https://github.com/other/repo
                directories:
                  - path: platform/*
      `,
    });
    const { notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(notes.find((n) => n.name === 'platform')).toEqual({
      status: 'not-an-environment', kind: 'ApplicationSet', apiVersion: 'argoproj.io/v1alpha1', name: 'platform', namespace: 'argocd',
      file: 'argocd/set.yaml', line: 1,
      reason: 'generators[0] not expanded: the clusters generator lists the clusters of bosun\'s cluster registry, and none was given (--clusters / BOSUN_CLUSTERS); the Applications it generates are not previewed',
      reads: ['addons', 'config', 'platform'],
    });
    const foreign = notes.find((n) => n.name === 'foreign');
    expect(foreign?.reason).toContain('its git generator reads another repository (https://github.com/other/repo), which bosun does not fetch');
    expect(foreign?.reads).toBeUndefined();
  });

  it('an Application with a jsonnet folder (when jsonnet is not installed), a plugin or another revision is an environment that says so', async () => {
    const saved = process.env.BOSUN_JSONNET;
    process.env.BOSUN_JSONNET = '/nonexistent/jsonnet';
    onTestFinished(() => {
      if (saved === undefined) delete process.env.BOSUN_JSONNET;
      else process.env.BOSUN_JSONNET = saved;
    });
    const app = (name: string, source: string) => `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\nspec:\n  source:\n    repoURL: ${repoUrl}\n${source}`;
    const root = await makeTree({
      'argocd/dash.yaml': app('dash', '    path: dash\n'),
      'argocd/cmp.yaml': app('cmp', '    path: cmp\n    plugin:\n      name: envsubst\n'),
      'argocd/rel.yaml': app('rel', '    path: cmp\n    targetRevision: release-1\n'),
      'dash/main.jsonnet': '{}',
      'dash/lib.libsonnet': '{}',
      'dash/cm.yaml': cm,
      'cmp/cm.yaml': cm,
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => e.name)).toEqual(['cmp', 'dash', 'rel']);
    expect(notes.find((n) => n.name === 'dash')).toMatchObject({
      status: 'not-previewed', kind: 'Environment', environments: ['dash'], reads: ['dash/lib.libsonnet', 'dash/main.jsonnet'],
      reason: expect.stringContaining('Argo CD evaluates the jsonnet in dash (2 files), and jsonnet is not installed here'),
    });
    // A plugin source: an environment whose render is not previewed (render/argocd-plugin.ts), never bosun's reading of the folder.
    expect(environments.find((e) => e.name === 'cmp')?.argocdPlugin).toBe('envsubst');
    // Following another branch than the base: pinned, so the change does not reach it.
    expect(environments.find((e) => e.name === 'rel')?.pinned).toBe('release-1');
  });

  it('a Flux GitRepository of this repository pinned to a tag, or following another branch, makes its Kustomizations pinned (not environments: this branch does not change what they deploy)', async () => {
    const sync = (ref: string, cluster: string) => yaml`
      apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      metadata:
        name: flux-system
        namespace: flux-system
      spec:
        url: ${repoUrl}
        ref:
          ${ref}
      ---
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata:
        name: flux-system
        namespace: flux-system
      spec:
        path: ./clusters/${cluster}
        sourceRef:
          kind: GitRepository
          name: flux-system
    `;
    const root = await makeTree({
      'clusters/prod/flux-system/gotk-sync.yaml': sync('tag: v1.2.0', 'prod'),
      'clusters/staging/flux-system/gotk-sync.yaml': sync('branch: staging', 'staging'),
      'clusters/dev/flux-system/gotk-sync.yaml': sync('branch: main', 'dev'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => e.name)).toEqual(['dev/flux-system']);
    const pinned = notes.filter((n) => n.kind === 'Kustomization');
    expect(pinned.map((n) => [n.file, n.status, n.reason.split(', so')[0]])).toEqual([
      ['clusters/prod/flux-system/gotk-sync.yaml', 'not-an-environment', 'not an environment: pinned: its source GitRepository flux-system (clusters/prod/flux-system/gotk-sync.yaml) is pinned to tag `v1.2.0` of this repository'],
      ['clusters/staging/flux-system/gotk-sync.yaml', 'not-an-environment', 'not an environment: pinned: its source GitRepository flux-system (clusters/staging/flux-system/gotk-sync.yaml) follows branch `staging` of this repository, not `main`'],
    ]);
    // Nothing at this branch explains what they deploy: no reads.
    expect(pinned.every((n) => n.reads === undefined)).toBe(true);
    // A pull request into `staging` previews the staging cluster instead.
    const intoStaging = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'staging' });
    expect(intoStaging.environments.map((e) => e.name)).toEqual(['staging/flux-system']);
    // Without the branch under plan, the branch the cluster's bootstrap GitRepository follows is this one.
    const unknownBranch = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(unknownBranch.environments.map((e) => e.name)).toEqual(['dev/flux-system', 'staging/flux-system']);
  });

  it('Flux artifact sources and ArtifactGenerators are listed; a HelmRelease with a chart from this repository is an environment', async () => {
    const root = await makeTree({
      'clusters/prod/apps.yaml': yaml`
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: apps
          namespace: flux-system
        spec:
          path: ./apps
          sourceRef:
            kind: GitRepository
            name: flux-system
      `,
      'apps/release.yaml': yaml`
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: web
        spec:
          chart:
            spec:
              chart: ./charts/web
              sourceRef:
                kind: GitRepository
                name: flux-system
                namespace: flux-system
      `,
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'apps/generator.yaml': yaml`
        apiVersion: source.extensions.fluxcd.io/v1beta1
        kind: ArtifactGenerator
        metadata:
          name: split
          namespace: flux-system
        spec:
          sources:
            - alias: repo
              kind: GitRepository
              name: flux-system
          artifacts:
            - name: networking
              copy:
                - from: "@repo/terraform/networking/**"
                  to: "@artifact/"
      `,
      'terraform/networking/main.tf': '',
      'apps/bucket.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: Bucket\nmetadata:\n  name: b\n',
    });
    const { notes, environments } = await discoverEnvironments(root);
    // The HelmRelease with a chart from this repository is an environment of its own, rendered as helm-controller would.
    expect(environments.map((e) => e.name)).toEqual(['prod/apps', 'prod/web']);
    expect(environments[1].helmRelease).toBeDefined();
    expect(notes.find((n) => n.kind === 'HelmRelease')).toBeUndefined();
    expect(notes.find((n) => n.kind === 'ArtifactGenerator')).toMatchObject({ status: 'not-an-environment', name: 'split', reads: ['terraform/networking'], reason: expect.stringContaining('builds ExternalArtifacts (networking) that no Kustomization of this repository reads') });
    expect(notes.find((n) => n.kind === 'Bucket')).toMatchObject({ status: 'not-an-environment', reason: expect.stringContaining('a Bucket source, which bosun does not follow') });
  });

  it('Argo CD Applications in a chart\'s templates (app of apps) are noted with the folders they name', async () => {
    const root = await makeTree({
      'clusters/prod/kustomization.yaml': 'resources: []\n',
      'charts/apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 0.1.0\n',
      'charts/apps/templates/guestbook.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: {{ .Values.prefix }}-guestbook
        spec:
          source:
            path: apps/guestbook
      `,
      'apps/guestbook/cm.yaml': cm,
    });
    const { notes } = await discoverEnvironments(root);
    expect(notes.find((n) => n.kind === 'Application')).toMatchObject({
      status: 'not-an-environment', file: 'charts/apps/templates/guestbook.yaml', reads: ['apps/guestbook'],
      reason: expect.stringContaining('written in the templates of Helm chart `charts/apps` (app of apps)'),
    });
  });

  it('with .bosun.yaml environments, Flux and Argo CD objects are listed as not environments with the folder they deploy; a broken one does not fail discovery', async () => {
    const root = await makeTree({
      '.bosun.yaml': 'version: 1\nenvironments:\n  - name: staging\n    path: clusters/staging\n',
      'clusters/staging/cm.yaml': cm,
      'argocd/web.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    path: apps/web\n',
      'argocd/broken.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: "bad name!"\nspec:\n  source:\n    path: apps/web\n    helm: {}\n',
      'apps/web/cm.yaml': cm,
    });
    const { environments, notes } = await discoverEnvironments(root);
    expect(environments.map((e) => e.name)).toEqual(['staging']);
    expect(notes).toEqual([
      expect.objectContaining({ status: 'not-an-environment', kind: 'Application', name: 'bad name!', file: 'argocd/broken.yaml', reads: ['apps/web'] }),
      expect.objectContaining({ status: 'not-an-environment', kind: 'Application', name: 'web', file: 'argocd/web.yaml', reads: ['apps/web'] }),
    ]);
    await makeTree({ 'argocd/broken.yaml': '' }, root);
    const clean = await discoverEnvironments(root);
    expect(clean.notes).toEqual([expect.objectContaining({ kind: 'Application', name: 'web', reason: 'not an environment: .bosun.yaml lists the environments; add one for apps/web if bosun should preview what this deploys' })]);
  });

  it('Fleet: each fleet.yaml under a GitRepo\'s paths (or the whole repository) is a bundle reading its folder; without registered clusters none has a target, said per bundle', async () => {
    const root = await makeTree({
      'clusters/dev/cm.yaml': cm,
      'bundles/web/fleet.yaml': 'defaultNamespace: web\n',
      'fleet/gitrepo.yaml': `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: apps\nspec:\n  repo: ${repoUrl}\n  paths:\n    - bundles\n`,
      'fleet/all.yaml': `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: all\nspec:\n  repo: ${repoUrl}\n`,
      'fleet/other.yaml': 'apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: other\nspec:\n  repo: https://github.com/other/repo\n  paths: [bundles]\n',
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments.map((e) => e.name)).toEqual(['dev']);
    // Without registered clusters no bundle has a target: each is listed (named as fleet apply names it) with why.
    expect(notes.map((n) => [n.kind, n.name, n.reads])).toEqual([
      ['GitRepo', 'other', undefined],
      ['Bundle', 'all', ['.']],
      ['Bundle', 'all-bundles-web', ['bundles/web']],
      ['Bundle', 'apps-bundles-web', ['bundles/web']],
    ]);
    expect(noteText(notes[0])).toBe('fleet/other.yaml:1: Fleet GitRepo other: another repository (https://github.com/other/repo): what it deploys is not in this one');
    expect(noteText(notes[2])).toBe('bundles/web/fleet.yaml: Fleet bundle all-bundles-web: no target cluster: register clusters with labels to preview per cluster (bosun plan --clusters FILE, the App\'s BOSUN_CLUSTERS; docs/gitops-sources.md "Rancher Fleet")');
  });
});
