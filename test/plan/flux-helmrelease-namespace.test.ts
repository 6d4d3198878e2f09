// The namespace of a Flux HelmRelease's objects: helm-controller installs the release into targetNamespace
// (else the HelmRelease's namespace) and Helm creates every namespaced object that names none there — its
// kube client builds the manifest with the release namespace as the default (helm pkg/kube/client.go,
// NamespaceParam(...).DefaultNamespace()). The plan shows them there, so moving targetNamespace shows each
// such object deleted in the old namespace and created in the new one, never "0 changes" for a release
// whose objects all move.
import { describe, expect, it } from 'vitest';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';

const planOf = twoCommitPlanner();

const release = (targetNamespace: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: flux-system}
spec:
  interval: 10m
  targetNamespace: ${targetNamespace}
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
`;

describe('the objects of a Flux HelmRelease whose chart names no namespace', () => {
  it('are in the release namespace, so moving targetNamespace moves them', async () => {
    const plan = await planOf({
      'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
      'clusters/staging/apps.yaml': fluxKustomization('apps', './apps'),
      'apps/release.yaml': release('shop'),
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'charts/web/templates/objects.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {a: b}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: web-reader}\nrules: []\n',
    }, { 'apps/release.yaml': release('store') });
    const web = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(web.changes.map((c) => `${c.action} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`).sort()).toEqual([
      'create ConfigMap store/web',
      'delete ConfigMap shop/web',
    ]);
  });
});
