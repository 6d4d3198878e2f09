import { describe, expect, it } from 'vitest';
import { discoverEnvironments, noteText } from '../../src/discover/index.ts';
import { BosunError } from '../../src/model/errors.ts';
import { makeTree, yaml } from './temp-tree.ts';

const ks = (name: string, spec: string, namespace = 'flux-system', sourceNamespace?: string) => yaml`
  apiVersion: kustomize.toolkit.fluxcd.io/v1
  kind: Kustomization
  metadata:
    name: ${name}
    namespace: ${namespace}
  spec:
    interval: 10m
    sourceRef:
      kind: GitRepository
      name: flux-system
${sourceNamespace ? `      namespace: ${sourceNamespace}\n` : ''}${spec}
`;

async function fluxRepo(): Promise<string> {
  return makeTree({
    'clusters/staging/flux-system/gotk-sync.yaml': yaml`
      apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      metadata:
        name: flux-system
        namespace: flux-system
      spec:
        url: ssh://git@github.com/acme/fleet
      ---
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata:
        name: flux-system
        namespace: flux-system
      spec:
        interval: 10m
        path: ./clusters/staging
        prune: true
        sourceRef:
          kind: GitRepository
          name: flux-system
    `,
    'clusters/staging/flux-system/kustomization.yaml': 'resources: [gotk-sync.yaml]\n',
    'clusters/staging/infrastructure.yaml': ks('infrastructure', '    path: ./infrastructure/staging\n    prune: true\n    timeout: 2m\n'),
    'clusters/staging/apps.yaml': ks(
      'apps',
      [
        '    dependsOn:',
        '      - name: infrastructure',
        '    path: ./apps/staging',
        '    prune: true',
        '    targetNamespace: web',
        '    patches:',
        '      - patch: |',
        '          - op: replace',
        '            path: /spec/replicas',
        '            value: 1',
        '        target:',
        '          kind: Deployment',
        '    postBuild:',
        '      substitute:',
        '        cluster_env: staging',
        '        replicas: "2"',
        '      substituteFrom:',
        '        - kind: ConfigMap',
        '          name: cluster-vars',
        '',
      ].join('\n'),
    ),
    // production commits no GitRepository manifest: flux-system is still the repository by convention
    'clusters/production/flux-system/gotk-sync.yaml': ks('flux-system', '    path: ./clusters/production\n    prune: true\n'),
    'clusters/production/apps.yaml': ks(
      'apps',
      '    path: apps/production\n    suspend: true\n    images:\n      - name: ghcr.io/acme/web\n        newTag: 1.2.3\n    components:\n      - ../components/tls\n',
    ),
    'clusters/production/external.yaml': yaml`
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata:
        name: podinfo
        namespace: flux-system
      spec:
        path: ./kustomize
        sourceRef:
          kind: GitRepository
          name: podinfo
      ---
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata:
        name: from-oci
        namespace: flux-system
      spec:
        sourceRef:
          kind: OCIRepository
          name: manifests
    `,
    'clusters/production/fleet-source.yaml': yaml`
      apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      metadata:
        name: fleet
        namespace: flux-system
      spec:
        url: https://github.com/Acme/fleet.git
      ---
      apiVersion: kustomize.toolkit.fluxcd.io/v1
      kind: Kustomization
      metadata:
        name: shared
        namespace: flux-system
      spec:
        path: ./shared
        sourceRef:
          kind: GitRepository
          name: fleet
    `,
    // Outside clusters/: named by metadata.name, qualified with the namespace because the name is ambiguous
    'tenants/a/team.yaml': ks('team', '    path: ./tenants/a/manifests\n', 'team-a', 'flux-system'),
    'tenants/b/team.yaml': ks('team', '    path: ./tenants/b/manifests\n', 'team-b', 'flux-system'),
    // sourceRef without namespace means the Kustomization's own namespace: not the bootstrap repository
    'tenants/c/team.yaml': ks('other', '    path: ./tenants/c\n', 'team-c'),
    'broken/ks.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: [oops\n',
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'charts/web/templates/ks.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {{ .Release.Name }}\n',
    'apps/staging/deploy.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
  });
}

describe('Flux discovery', () => {
  it('finds the Kustomizations whose source is this repository, named per cluster folder', async () => {
    const root = await fluxRepo();
    const { environments } = await discoverEnvironments(root);
    expect(environments.map((e) => e.name)).toEqual([
      'production/apps', 'production/flux-system', 'staging/apps', 'staging/flux-system', 'staging/infrastructure', 'team-a/team', 'team-b/team',
    ]);
    expect(environments.every((e) => e.source === 'flux')).toBe(true);
  });

  it('maps path, prune, dependsOn, targetNamespace, patches, substitute and timeouts', async () => {
    const root = await fluxRepo();
    const { environments } = await discoverEnvironments(root);
    const apps = environments.find((e) => e.name === 'staging/apps')!;
    expect(apps).toMatchObject({
      path: 'apps/staging',
      cluster: 'staging',
      render: 'auto',
      prune: true,
      autoApply: true,
      namespace: 'web',
      dependsOn: ['staging/infrastructure'],
      substitute: { cluster_env: 'staging', replicas: '2' },
      reconcileIntervalSeconds: 600,
      definedIn: { file: 'clusters/staging/apps.yaml', line: 1 },
    });
    expect(apps.kustomize?.patches).toEqual([{ patch: '- op: replace\n  path: /spec/replicas\n  value: 1\n', target: { kind: 'Deployment' } }]);
    expect(environments.find((e) => e.name === 'staging/infrastructure')).toMatchObject({ healthTimeoutSeconds: 120, path: 'infrastructure/staging' });
    expect(environments.find((e) => e.name === 'staging/flux-system')).toMatchObject({ path: 'clusters/staging', definedIn: { file: 'clusters/staging/flux-system/gotk-sync.yaml', line: 9 } });
    // substituteFrom is resolved at plan time from what the cluster's other environments apply (plan/substitute-from.ts).
    expect(apps.substituteFrom).toEqual([{ kind: 'ConfigMap', name: 'cluster-vars', namespace: 'flux-system', optional: false }]);
  });

  it('plans suspended Kustomizations without applying them, and keeps images and components', async () => {
    const root = await fluxRepo();
    const { environments, notes } = await discoverEnvironments(root);
    expect(environments.find((e) => e.name === 'production/apps')).toMatchObject({
      autoApply: false,
      prune: false,
      kustomize: { images: ['ghcr.io/acme/web:1.2.3'], components: ['../components/tls'] },
    });
    expect(notes.map(noteText)).toContainEqual('clusters/production/apps.yaml:1: environment production/apps: the Flux Kustomization is suspended: it is planned but never applied');
  });

  it('skips other sources with a note, and recognises a GitRepository by the repository URL', async () => {
    const root = await fluxRepo();
    const without = await discoverEnvironments(root);
    expect(without.environments.map((e) => e.name)).not.toContain('production/shared');
    const texts = without.notes.map(noteText);
    expect(texts).toContainEqual(expect.stringMatching(/external\.yaml:1: Flux Kustomization podinfo: not an environment: its source GitRepository flux-system\/podinfo is not defined in this repository/));
    expect(texts).toContainEqual(expect.stringMatching(/Flux Kustomization from-oci: not an environment: its source kind `OCIRepository` \(\S+\) is one bosun does not follow/));
    expect(texts).toContainEqual(expect.stringMatching(/tenants\/c\/team\.yaml:1: Flux Kustomization other: not an environment: its source GitRepository team-c\/flux-system/));
    expect(without.notes.find((n) => n.name === 'other')).toMatchObject({ status: 'not-an-environment', kind: 'Kustomization', reads: ['tenants/c'] });

    const withUrl = await discoverEnvironments(root, { repoUrls: ['git@github.com:acme/fleet.git'] });
    expect(withUrl.environments.find((e) => e.name === 'production/shared')).toMatchObject({ path: 'shared', cluster: 'production' });
  });

  it('does not plan a Kustomization that kustomize-controller applies on another cluster (spec.kubeConfig): a not-previewed note says why, and reads its folder', async () => {
    const root = await makeTree({
      'apps/remote/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote\n  namespace: default\n',
      'apps/local/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n  namespace: default\n',
      'clusters/hub/remote.yaml': ks('remote', '    path: ./apps/remote\n    prune: true\n    kubeConfig:\n      secretRef:\n        name: spoke-kubeconfig\n'),
      'clusters/hub/local.yaml': ks('local', '    path: ./apps/local\n    prune: true\n'),
    });
    const { environments, notes } = await discoverEnvironments(root);
    expect(environments.map((e) => e.name)).toEqual(['hub/local']);
    expect(notes.find((n) => n.name === 'remote')).toMatchObject({ status: 'not-previewed', kind: 'Kustomization', file: 'clusters/hub/remote.yaml', reads: ['apps/remote'] });
    expect(notes.map(noteText)).toContainEqual(expect.stringMatching(/remote\.yaml:1: Flux Kustomization remote: not an environment: spec\.kubeConfig: .*another cluster \(the kubeconfig in Secret spoke-kubeconfig\)/));
  });

  it('skips files that are not valid YAML and Helm templates, with a note for the former', async () => {
    const root = await fluxRepo();
    const { environments, notes } = await discoverEnvironments(root);
    expect(notes.map(noteText)).toContainEqual(expect.stringMatching(/^broken\/ks\.yaml:\d+: skipped for discovery, not valid YAML/));
    expect(environments.some((e) => e.definedIn?.file.startsWith('charts/'))).toBe(false);
  });

  it('refuses a Kustomization path that leaves the repository, naming file, line and field', async () => {
    const root = await makeTree({ 'clusters/dev/apps.yaml': ks('apps', '    prune: true\n    path: ../../elsewhere\n') });
    const error = await discoverEnvironments(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BosunError);
    expect((error as BosunError).toProblem()).toMatchObject({ kind: 'path', file: 'clusters/dev/apps.yaml', line: 12, field: 'spec.path' });
  });
});
