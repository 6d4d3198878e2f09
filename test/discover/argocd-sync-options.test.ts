// An Application's syncPolicy and ignoreDifferences as the apply policy of its environment: each option
// Argo CD documents is honoured (and then silent), or named in a note that says what bosun does instead.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments, noteText } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';

function application(syncPolicy: string, extra = ''): string {
  return yaml`
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: { name: web, namespace: argocd }
    spec:
      source: { repoURL: ${repoUrl}, path: apps/web }
      destination: { name: in-cluster, namespace: web }
      syncPolicy: ${syncPolicy}
  ` + extra;
}

async function discover(app: string) {
  const root = await makeTree({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n', 'argocd/web.yaml': app });
  const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
  return { env: environments[0], notes: notes.map(noteText) };
}

describe('Argo CD sync options and ignoreDifferences', () => {
  it('maps the options bosun honours onto the apply policy, silently', async () => {
    const { env, notes } = await discover(application(
      '{ automated: { prune: true }, syncOptions: [Prune=false, Delete=confirm, CreateNamespace=true, PruneLast=true, Replace=true, PrunePropagationPolicy=foreground, ServerSideApply=true, ApplyOutOfSyncOnly=true], managedNamespaceMetadata: { labels: { team: shop }, annotations: { owner: a } } }',
      yaml`
        ignoreDifferences:
          - { group: apps, kind: Deployment, jsonPointers: [/spec/replicas] }
          - { kind: ConfigMap, name: web, jqPathExpressions: [.data.generated], managedFieldsManagers: [kube-controller-manager] }
      `.replace(/^/gm, '  '),
    ));
    expect(env.apply).toEqual({
      prune: 'false',
      delete: 'confirm',
      createNamespace: { labels: { team: 'shop' }, annotations: { owner: 'a' } },
      pruneLast: true,
      replace: true,
      prunePropagationPolicy: 'foreground',
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
        { kind: 'ConfigMap', name: 'web', jqPathExpressions: ['.data.generated'], managedFieldsManagers: ['kube-controller-manager'] },
      ],
    });
    expect(notes).toEqual([]);
  });

  it('names each option it does not honour, with what it does instead', async () => {
    const { env, notes } = await discover(application('{ syncOptions: [ServerSideApply=false, Validate=false, RespectIgnoreDifferences=true, PrunePropagationPolicy=never], retry: { limit: 3 } }'));
    expect(env.apply).toBeUndefined();
    expect(notes).toEqual([
      'argocd/web.yaml:1: environment web: syncOptions `ServerSideApply=false`: bosun always applies with server-side apply (field manager `bosun`)',
      'argocd/web.yaml:1: environment web: syncOptions `Validate=false`: bosun still validates the objects offline and the API server still checks them',
      'argocd/web.yaml:1: environment web: syncOptions `RespectIgnoreDifferences=true` is not honoured by bosun (see docs/gitops-sources.md, "Sync semantics")',
      'argocd/web.yaml:1: environment web: syncOptions `PrunePropagationPolicy=never`: not a propagation policy (foreground, background, orphan); bosun prunes with background propagation',
      'argocd/web.yaml:1: environment web: syncPolicy.retry is not honoured: bosun retries transient API errors itself, and an apply that failed waits for the next change, `/bosun apply` or `/bosun sync`',
    ]);
  });
});
