// Argo CD fields bosun does not model are said, never silently dropped: Helm options bosun does not
// pass to helm, and an Application deployed through the source hydrator.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments, noteText } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';

describe('Argo CD fields bosun does not model', () => {
  it('names each helm option it does not pass to helm, on the Application\'s line, and passes the rest', async () => {
    const root = await makeTree({
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'argocd/web.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: { name: web, namespace: argocd }
        spec:
          source:
            repoURL: ${repoUrl}
            path: charts/web
            helm: { namespace: other, kubeVersion: "1.30", apiVersions: [monitoring.coreos.com/v1], skipSchemaValidation: true, skipTests: true, passCredentials: true }
          destination: { name: in-cluster, namespace: web }
      `,
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments.map((e) => e.name)).toEqual(['web']);
    expect(notes.map(noteText).filter((n) => n.includes('helm.')).sort()).toEqual([
      'argocd/web.yaml:1: environment web: helm.skipSchemaValidation is not passed to helm: bosun\'s helm checks values.schema.json, so values Argo CD would accept may fail here',
    ]);
    // namespace, kubeVersion and apiVersions go to helm as Argo CD passes them.
    expect(environments[0].helm).toMatchObject({ namespace: 'other', kubeVersion: '1.30', apiVersions: ['monitoring.coreos.com/v1'] });
  });

  it('names the kustomize options its render does not apply', async () => {
    const root = await makeTree({
      'apps/web/kustomization.yaml': 'resources: [cm.yaml]\n',
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'argocd/web.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: { name: web, namespace: argocd }
        spec:
          source:
            repoURL: ${repoUrl}
            path: apps/web
            kustomize: { namePrefix: shop-, version: v5.4.3, ignoreMissingComponents: true }
          destination: { name: in-cluster, namespace: web }
      `,
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments[0].kustomize).toEqual({ namePrefix: 'shop-' });
    expect(notes.map(noteText).filter((n) => n.includes('kustomize.')).sort()).toEqual([
      'argocd/web.yaml:1: environment web: kustomize.ignoreMissingComponents is not applied by bosun\'s render',
      'argocd/web.yaml:1: environment web: kustomize.version is not applied by bosun\'s render',
    ]);
  });

  it('lists an Application deployed through the source hydrator as not previewed, reading its dry source', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'argocd/web.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: { name: web, namespace: argocd }
        spec:
          sourceHydrator:
            drySource: { repoURL: ${repoUrl}, path: apps/web, targetRevision: HEAD }
            syncSource: { targetBranch: environments/prod, path: web }
          destination: { name: in-cluster, namespace: web }
      `,
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments).toEqual([]);
    expect(notes).toContainEqual(expect.objectContaining({
      status: 'not-previewed',
      kind: 'Application',
      name: 'web',
      file: 'argocd/web.yaml',
      reads: ['apps/web'],
      reason: 'uses Argo CD\'s source hydrator (spec.sourceHydrator), which bosun does not model: what it deploys (drySource apps/web rendered and committed to syncSource) is not previewed',
    }));
  });
});
