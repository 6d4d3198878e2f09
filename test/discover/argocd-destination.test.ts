// Which registry cluster an Argo CD Application deploys to (argocd-destination.ts): destination.server
// against the entries' `server:` URLs as Argo CD matches its cluster secrets, destination.name against
// their names, and the clusters generator's `server` parameter.
import { describe, expect, it } from 'vitest';
import { inventoryOf, parseClusterRegistry } from '../../src/cluster/registry.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { discoverEnvironments, noteText } from '../../src/discover/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const byName = (envs: Environment[]) => Object.fromEntries(envs.map((e) => [e.name, e]));

function app(name: string, destination: string): string {
  return yaml`
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: { name: ${name}, namespace: argocd }
    spec:
      source: { repoURL: ${repoUrl}, path: apps/web }
      destination: ${destination}
  `;
}

// As an operator writes it: Argo CD's cluster secrets' URLs, one with a trailing "/" (Argo CD trims it).
const registry = inventoryOf(parseClusterRegistry(yaml`
  clusters:
    prod:
      server: https://10.0.0.5:6443/
      labels: { env: prod }
    edge:
      server: https://edge.example.com
      labels: { env: prod }
    staging:
      labels: { env: staging }
`, 'clusters.yaml'));

describe('Argo CD destinations and the cluster registry', () => {
  it('matches destination.server with an entry\'s server URL and destination.name with its name', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'argocd/by-url.yaml': app('by-url', '{ server: "https://10.0.0.5:6443", namespace: web }'),
      'argocd/by-host.yaml': app('by-host', '{ server: "https://edge.example.com", namespace: web }'),
      'argocd/by-name.yaml': app('by-name', '{ name: staging, namespace: web }'),
      'argocd/legacy.yaml': app('legacy', '{ server: staging, namespace: web }'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], clusters: registry });
    const envs = byName(environments);
    expect(envs['by-url'].cluster).toBe('prod');
    expect(envs['by-host'].cluster).toBe('edge');
    expect(envs['by-name'].cluster).toBe('staging');
    // A server that is a registry name: what ApplicationSets over entries without server: produce.
    expect(envs.legacy.cluster).toBe('staging');
    expect(notes.map(noteText).filter((n) => n.includes('cluster registry'))).toEqual([]);
  });

  it('shows an Application whose destination matches no entry, planned but not previewed, with how to fix it', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      // Argo CD compares the URL as written: the default port is not the same text.
      'argocd/port.yaml': app('port', '{ server: "https://edge.example.com:443", namespace: web }'),
      'argocd/slash.yaml': app('slash', '{ server: "https://edge.example.com/", namespace: web }'),
      'argocd/name.yaml': app('name', '{ name: nowhere, namespace: web }'),
      'argocd/both.yaml': app('both', '{ name: prod, server: "https://10.0.0.5:6443", namespace: web }'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], clusters: registry });
    const envs = byName(environments);
    expect(Object.keys(envs).sort()).toEqual(['both', 'name', 'port', 'slash']);
    expect(envs.port.cluster).toBe('https://edge.example.com:443');
    expect(envs.slash.cluster).toBe('https://edge.example.com/');
    expect(envs.both.cluster).toBe('prod');
    const text = notes.map(noteText);
    expect(text).toContainEqual(expect.stringMatching(/^argocd\/port\.yaml:1: .*destination\.server `https:\/\/edge\.example\.com:443` matches no cluster of bosun's cluster registry: its changes are planned, but not previewed against a cluster and not applied; give the registry entry of that cluster `server: https:\/\/edge\.example\.com:443`$/));
    expect(text).toContainEqual(expect.stringContaining('destination.server `https://edge.example.com/` matches no cluster of bosun\'s cluster registry: its changes are planned, but not previewed against a cluster and not applied; Argo CD compares the URL as written, and cluster `edge` has `https://edge.example.com`: drop the trailing "/"'));
    expect(text).toContainEqual(expect.stringContaining('destination.name `nowhere` matches no cluster of bosun\'s cluster registry'));
    expect(text).toContainEqual(expect.stringContaining('sets both destination.name (prod) and destination.server (https://10.0.0.5:6443), which Argo CD refuses'));
  });

  it('without a registry the destination is kept as written, with no note', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'argocd/by-url.yaml': app('by-url', '{ server: "https://10.0.0.5:6443", namespace: web }'),
      'argocd/local.yaml': app('local', '{ server: "https://kubernetes.default.svc", namespace: web }'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(byName(environments)['by-url'].cluster).toBe('https://10.0.0.5:6443');
    expect(byName(environments).local.cluster).toBe('in-cluster');
    expect(notes.map(noteText).filter((n) => n.includes('cluster registry'))).toEqual([]);
  });

  it('the clusters generator gives an entry\'s server URL as `server` (its name without one), and the Applications land on those entries', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'sets/web.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: { name: web, namespace: argocd }
        spec:
          goTemplate: true
          generators:
            - clusters: {}
          template:
            metadata: { name: 'web-{{.name}}' }
            spec:
              source: { repoURL: ${repoUrl}, path: apps/web }
              destination: { server: '{{.server}}', namespace: 'web' }
              info: [{ name: server, value: '{{.server}}' }]
      `,
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], clusters: registry });
    const envs = byName(environments);
    // `clusters: {}` also generates for Argo CD's own cluster, which has no cluster secret (applicationset/generators/
    // cluster.go adds in-cluster when the selector is empty); this registry lacks it, and the note says so.
    expect(Object.fromEntries(Object.entries(envs).map(([n, e]) => [n, e.cluster]))).toEqual({ 'web-prod': 'prod', 'web-edge': 'edge', 'web-staging': 'staging', 'web-in-cluster': 'in-cluster' });
    expect(notes.map(noteText).filter((n) => n.includes('cluster registry'))).toEqual([
      'sets/web.yaml:1: environment web-in-cluster: destination.server `https://kubernetes.default.svc` (Argo CD\'s own cluster) matches no cluster of bosun\'s cluster registry: its changes are planned, but not previewed against a cluster and not applied; add a cluster named `in-cluster` (or one with that `server:`) to the registry',
    ]);
  });
});

describe('the registry\'s server URLs', () => {
  const problems = (text: string) => {
    try {
      parseClusterRegistry(text, 'clusters.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems.map((p) => `${p.line}: ${p.field}: ${p.message}`);
    }
    throw new Error('no error');
  };

  it('refuses a URL that is not an API server address, and one URL for two clusters, naming the line and field', () => {
    expect(problems('clusters:\n  a:\n    server: 10.0.0.5:6443\n')).toEqual([expect.stringMatching(/^3: clusters\.a\.server: "10\.0\.0\.5:6443" is not an API server URL/)]);
    // A URL with credentials is refused without being quoted.
    const withUser = problems('clusters:\n  a:\n    server: https://admin:hunter2@10.0.0.5\n');
    expect(withUser).toEqual([expect.stringContaining('<url with credentials>')]);
    expect(withUser.join('')).not.toContain('hunter2');
    expect(problems('clusters:\n  a:\n    server: https://x.example.com\n  b:\n    labels: { env: dev }\n    server: https://x.example.com/\n')).toEqual([
      '6: clusters.b.server: cluster "a" has the same server URL; an Argo CD destination.server must name one cluster',
    ]);
  });

  it('keeps the URL (without a trailing "/") in the inventory discovery sees, never a credential', () => {
    const parsed = parseClusterRegistry('clusters:\n  prod:\n    kubeconfig: /etc/kube/prod\n    server: https://10.0.0.5:6443/\n', '/etc/bosun/clusters.yaml');
    expect(inventoryOf(parsed).clusters).toEqual([{ name: 'prod', labels: {}, server: 'https://10.0.0.5:6443' }]);
  });
});
