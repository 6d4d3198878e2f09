// The clusters generator gives each registry cluster's annotations as its Argo CD cluster secret carries them
// (applicationset/generators/cluster.go: `metadata.annotations.<key>` in fasttemplate, `.metadata.annotations`
// with goTemplate). gitops-bridge keeps each cluster's addons repository, base path and revision there.
import { describe, expect, it } from 'vitest';
import { inventoryOf, parseClusterRegistry } from '../../src/cluster/registry.ts';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/addons';
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const appset = (name: string, spec: string) => `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
const registry = parseClusterRegistry(yaml`
  clusters:
    staging:
      labels: { environment: staging, enable_metrics: "true" }
      annotations: { addons_repo_url: ${repoUrl}, addons_repo_basepath: "gitops/", addons_repo_revision: HEAD }
    prod:
      server: https://10.0.0.5:6443
      labels: { environment: prod, enable_metrics: "true" }
      annotations: { addons_repo_url: ${repoUrl}, addons_repo_basepath: "gitops/", addons_repo_revision: HEAD }
    lab:
      annotations: { addons_repo_url: ${repoUrl} }
`, 'clusters.yaml');

describe('clusters generator: cluster annotations from the registry', () => {
  it('reads annotations (an entry may have only annotations) and lists them for discovery', () => {
    expect(inventoryOf(registry).clusters.find((c) => c.name === 'lab')).toEqual({ name: 'lab', labels: {}, annotations: { addons_repo_url: repoUrl } });
  });

  it('goTemplate with missingkey=error: the repository, path and revision come from the annotations', async () => {
    const root = await makeTree({
      'gitops/addons/metrics/cm.yaml': cm('metrics'),
      'bootstrap/addons.yaml': appset('addons-metrics', yaml`
        goTemplate: true
        goTemplateOptions: ["missingkey=error"]
        generators:
          - clusters:
              selector:
                matchExpressions:
                  - { key: enable_metrics, operator: In, values: ["true"] }
              values:
                addon: metrics
        template:
          metadata:
            name: 'addon-{{.name}}-{{.values.addon}}'
          spec:
            project: default
            source:
              repoURL: '{{.metadata.annotations.addons_repo_url}}'
              targetRevision: '{{.metadata.annotations.addons_repo_revision}}'
              path: '{{.metadata.annotations.addons_repo_basepath}}addons/{{.values.addon}}'
            destination: { name: '{{.name}}', namespace: '{{.metadata.labels.environment}}-{{.values.addon}}' }
      `),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], clusters: inventoryOf(registry) });
    expect(notes.filter((n) => n.kind === 'ApplicationSet')).toEqual([]);
    expect(environments.map((e) => ({ name: e.name, path: e.path, namespace: e.namespace, cluster: e.cluster }))).toEqual([
      { name: 'addon-prod-metrics', path: 'gitops/addons/metrics', namespace: 'prod-metrics', cluster: 'prod' },
      { name: 'addon-staging-metrics', path: 'gitops/addons/metrics', namespace: 'staging-metrics', cluster: 'staging' },
    ]);
  });

  it('fasttemplate: {{metadata.annotations.<key>}}', async () => {
    const root = await makeTree({
      'gitops/addons/metrics/cm.yaml': cm('metrics'),
      'bootstrap/addons.yaml': appset('addons', yaml`
        generators:
          - clusters:
              selector: { matchLabels: { environment: staging } }
        template:
          metadata: { name: 'metrics-{{name}}' }
          spec:
            source: { repoURL: '{{metadata.annotations.addons_repo_url}}', targetRevision: HEAD, path: '{{metadata.annotations.addons_repo_basepath}}addons/metrics' }
            destination: { server: '{{server}}', namespace: metrics }
      `),
    });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl], clusters: inventoryOf(registry) });
    expect(environments.map((e) => [e.name, e.path, e.cluster])).toEqual([['metrics-staging', 'gitops/addons/metrics', 'staging']]);
  });
});

describe('clusters generator: Argo CD\'s own cluster', () => {
  const root = () => makeTree({
    'gitops/addons/metrics/cm.yaml': cm('metrics'),
    'bootstrap/addons.yaml': appset('everywhere', yaml`
      generators:
        - clusters: {}
      template:
        metadata: { name: 'metrics-{{name}}' }
        spec:
          source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: gitops/addons/metrics }
          destination: { server: '{{server}}', namespace: metrics }
    `),
  });

  it('an empty selector also generates for in-cluster, which has no cluster secret, unless the registry has its address', async () => {
    const names = async (clusters: ReturnType<typeof inventoryOf>) => (await discoverEnvironments(await root(), { repoUrls: [repoUrl], clusters })).environments.map((e) => e.name);
    expect(await names(inventoryOf(registry))).toEqual(['metrics-in-cluster', 'metrics-lab', 'metrics-prod', 'metrics-staging']);
    const withOwn = parseClusterRegistry('clusters:\n  hub:\n    server: https://kubernetes.default.svc\n    labels: { role: hub }\n  prod:\n    server: https://10.0.0.5:6443\n', 'c.yaml');
    expect(await names(inventoryOf(withOwn))).toEqual(['metrics-hub', 'metrics-prod']);
  });
});
