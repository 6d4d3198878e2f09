import { describe, expect, it } from 'vitest';
import { collectInputs, discoverEnvironments, noteText } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

async function argoRepo(): Promise<string> {
  return makeTree({
    'argocd/web.yaml': yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata:
        name: web
        namespace: argocd
      spec:
        project: default
        source:
          repoURL: https://github.com/acme/fleet.git
          targetRevision: HEAD
          path: charts/web
          helm:
            releaseName: web-prod
            valueFiles:
              - values-prod.yaml
            values: |
              replicaCount: 3
            parameters:
              - name: image.tag
                value: "1.4.2"
                forceString: true
        destination:
          name: prod-eu
          namespace: web
        syncPolicy:
          automated:
            prune: true
            selfHeal: true
    `,
    'argocd/guestbook.yaml': yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata:
        name: guestbook
        namespace: argocd
      spec:
        source:
          repoURL: git@github.com:acme/fleet.git
          path: apps/guestbook/overlays/staging
          kustomize:
            namePrefix: gb-
            nameSuffix: -v2
            images: [gcr.io/heptio-images/ks-guestbook-demo:0.2]
            commonLabels: {team: web}
            commonAnnotations: {owner: web-team}
            namespace: guestbook
            patches:
              - target: {kind: Deployment, name: guestbook-ui}
                patch: |-
                  - op: replace
                    path: /spec/replicas
                    value: 2
        destination:
          server: https://kubernetes.default.svc
          namespace: default-for-objects-without-one
    `,
    'argocd/multi.yaml': yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata:
        name: monitoring
        namespace: argocd
      spec:
        sources:
          - repoURL: https://prometheus-community.github.io/helm-charts
            chart: kube-prometheus-stack
            targetRevision: 45.0.0
          - repoURL: https://github.com/acme/fleet
            path: charts/web
            helm:
              valueFiles:
                - $values/environments/prod/web-values.yaml
          - repoURL: https://github.com/acme/fleet
            ref: values
        destination:
          name: prod-eu
          namespace: monitoring
    `,
    'argocd/elsewhere.yaml': yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata:
        name: podinfo
        namespace: argocd
      spec:
        source:
          repoURL: https://github.com/stefanprodan/podinfo
          path: kustomize
        destination:
          name: prod-eu
    `,
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'charts/web/values-prod.yaml': 'replicaCount: 2\n',
    'environments/prod/web-values.yaml': 'replicaCount: 5\n',
    'apps/guestbook/overlays/staging/kustomization.yaml': 'resources: []\n',
  });
}

describe('Argo CD discovery', () => {
  it('finds Applications whose source is this repository by URL', async () => {
    const root = await argoRepo();
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet'] });
    // monitoring[0]: its Helm repository chart (kube-prometheus-stack), fetched at render time.
    expect(environments.map((e) => e.name)).toEqual(['guestbook', 'monitoring', 'monitoring[0]', 'web']);
    expect(notes.map(noteText)).toContainEqual('argocd/elsewhere.yaml:1: Argo CD Application podinfo: not an environment: spec.source is another repository (https://github.com/stefanprodan/podinfo)');
  });

  it('maps Helm release name, value files, inline values and parameters', async () => {
    const root = await argoRepo();
    const { environments } = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet'] });
    expect(environments.find((e) => e.name === 'web')).toMatchObject({
      source: 'argocd',
      path: 'charts/web',
      cluster: 'prod-eu',
      namespace: 'web',
      definedIn: { file: 'argocd/web.yaml', line: 1 },
      // Parameters go to helm as Argo CD passes them (--set), not merged into the inline values.
      helm: { releaseName: 'web-prod', valueFiles: ['values-prod.yaml'], values: { replicaCount: 3 }, parameters: [{ name: 'image.tag', value: '1.4.2', forceString: true }] },
    });
  });

  it('maps syncPolicy: automated with prune and selfHeal applies on merge; without it nothing is applied or pruned', async () => {
    const root = await argoRepo();
    const { environments } = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet'] });
    expect(environments.find((e) => e.name === 'web')).toMatchObject({ autoApply: true, prune: true, selfHeal: true });
    expect(environments.find((e) => e.name === 'guestbook')).toMatchObject({ autoApply: false, prune: false, selfHeal: false });
  });

  it('maps kustomize options (namespace as a rewrite) and the in-cluster destination', async () => {
    const root = await argoRepo();
    const { environments } = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet'] });
    expect(environments.find((e) => e.name === 'guestbook')).toMatchObject({
      path: 'apps/guestbook/overlays/staging',
      cluster: 'in-cluster',
      namespace: 'default-for-objects-without-one',
      kustomize: {
        namespace: 'guestbook',
        namePrefix: 'gb-',
        nameSuffix: '-v2',
        images: ['gcr.io/heptio-images/ks-guestbook-demo:0.2'],
        commonLabels: { team: 'web' },
        commonAnnotations: { owner: 'web-team' },
        patches: [{ patch: '- op: replace\n  path: /spec/replicas\n  value: 2', target: { kind: 'Deployment', name: 'guestbook-ui' } }],
      },
    });
  });

  it('renders the in-repository source of a multi-source Application with $ref value files relative to the chart', async () => {
    const root = await argoRepo();
    const { environments } = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet'] });
    expect(environments.find((e) => e.name === 'monitoring')).toMatchObject({
      path: 'charts/web',
      helm: { releaseName: 'monitoring', valueFiles: ['../../environments/prod/web-values.yaml'] },
    });
    // The chart source beside it: fetched from its Helm repository, rendered with the same release name.
    expect(environments.find((e) => e.name === 'monitoring[0]')).toMatchObject({
      render: 'helm',
      namespace: 'monitoring',
      helm: { releaseName: 'monitoring', valueFiles: [] },
      remoteChart: { source: { kind: 'repo', repoUrl: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '45.0.0' }, versionField: 'spec.sources[0].targetRevision' },
    });
  });

  it('reads a chart source whose repoURL has no scheme as an OCI registry, as Argo CD does; $values files become its inputs', async () => {
    const root = await makeTree({
      'argocd/podinfo.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: podinfo
        spec:
          sources:
            - repoURL: ghcr.io/stefanprodan/charts
              chart: podinfo
              targetRevision: 6.5.*
              helm:
                valueFiles:
                  - values-prod.yaml
                  - $values/values/podinfo.yaml
            - repoURL: https://github.com/acme/fleet
              ref: values
          destination:
            namespace: web
      `,
      'values/podinfo.yaml': 'replicaCount: 2\n',
    });
    const { environments } = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet'] });
    expect(environments.map((e) => e.name)).toEqual(['podinfo']);
    expect(environments[0]).toMatchObject({
      path: 'argocd',
      namespace: 'web',
      helm: { releaseName: 'podinfo' },
      remoteChart: {
        source: { kind: 'oci', ref: 'oci://ghcr.io/stefanprodan/charts/podinfo', version: '6.5.*' },
        valueFiles: [{ from: 'chart', path: 'values-prod.yaml' }, { from: 'repo', path: 'values/podinfo.yaml' }],
        versionField: 'spec.sources[0].targetRevision',
        line: 9, // the targetRevision line
      },
    });
    const inputs = await collectInputs(root, environments[0]);
    expect(inputs).toEqual({ files: ['argocd/podinfo.yaml', 'values/podinfo.yaml'], dirs: [] });
  });

  it('without repository URLs, takes Applications whose source folder exists here', async () => {
    const root = await argoRepo();
    const { environments, notes } = await discoverEnvironments(root);
    // monitoring[0]: its Helm repository chart (kube-prometheus-stack), fetched at render time.
    expect(environments.map((e) => e.name)).toEqual(['guestbook', 'monitoring', 'monitoring[0]', 'web']);
    expect(notes.map(noteText)).toContainEqual(expect.stringContaining('not an environment: spec.source.path "kustomize" is not a folder in this repository'));
  });

  it('does not read an Application through a symlink that leaves the repository, and says so', async () => {
    const outside = await makeTree({
      'app.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: planted
        spec:
          source:
            path: apps/web
          destination:
            namespace: web
      `,
    });
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'argocd/planted.yaml': { symlink: `${outside}/app.yaml` },
    });
    const { environments, notes } = await discoverEnvironments(root);
    expect(environments.map((e) => e.name)).not.toContain('planted');
    expect(notes.map(noteText)).toContainEqual('argocd/planted.yaml: skipped for discovery, a symlink that points outside the repository');
  });
});
