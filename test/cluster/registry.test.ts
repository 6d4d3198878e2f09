import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, inventoryOf, loadClusterRegistry, parseClusterRegistry } from '../../src/cluster/registry.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { BosunError } from '../../src/model/errors.ts';

const token = 'sekret-token-value-1234567890';
const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: u1
  user:
    token: ${token}
contexts:
- name: ctx1
  context: { cluster: c1, user: u1 }
- name: other
  context: { cluster: c1, user: u1, namespace: team }
current-context: ctx1
`;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bosun-registry-'));
}

async function failure(promise: Promise<unknown>): Promise<BosunError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BosunError);
  return error as BosunError;
}

describe('cluster registry', () => {
  it('resolves kubeconfig paths relative to the registry file', () => {
    const registry = parseClusterRegistry('clusters:\n  staging:\n    kubeconfig: kube/staging.yaml\n    context: admin\n  prod:\n    inCluster: true\n', '/etc/bosun/clusters.yaml');
    expect(registry.clusters.get('staging')).toEqual({ name: 'staging', kubeconfig: '/etc/bosun/kube/staging.yaml', context: 'admin' });
    expect(registry.clusters.get('prod')).toEqual({ name: 'prod', inCluster: true });
  });

  it('names the file, line and field of a bad entry', () => {
    const text = 'clusters:\n  staging:\n    kubeconfig: a.yaml\n  prod:\n    kubeconfg: b.yaml\n';
    let error: unknown;
    try {
      parseClusterRegistry(text, 'clusters.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toContainEqual(expect.objectContaining({ file: 'clusters.yaml', line: 5, field: 'clusters.prod.kubeconfg' }));
    expect(problems).toContainEqual(expect.objectContaining({ line: 4, field: 'clusters.prod', message: expect.stringContaining('needs either') }));
  });

  it('rejects an entry with both a kubeconfig and inCluster', () => {
    expect(() => parseClusterRegistry('clusters:\n  x:\n    kubeconfig: a\n    inCluster: true\n', 'r.yaml')).toThrow(/either "kubeconfig" or "inCluster"/);
  });

  it('reports malformed YAML as one configuration problem with its line', () => {
    let error: BosunError | undefined;
    try {
      parseClusterRegistry('clusters:\n  x: [\n', 'r.yaml');
    } catch (e) {
      error = e as BosunError;
    }
    expect(error?.kind).toBe('config');
    expect(error?.message).toMatch(/^not valid YAML: /);
    expect(error?.line).toBeGreaterThan(0);
  });

  it('says what to do when the registry file cannot be read', () => {
    expect(() => loadClusterRegistry('/nonexistent/clusters.yaml')).toThrow(/cannot read the cluster registry \(ENOENT\)/);
  });

  it('refuses an unknown cluster name and lists the known ones', async () => {
    const registry = parseClusterRegistry('clusters:\n  staging:\n    kubeconfig: a.yaml\n', 'r.yaml');
    const error = await failure(connect(registry, 'prod'));
    expect(error.kind).toBe('cluster');
    expect(error.message).toContain('unknown cluster "prod"');
    expect(error.message).toContain('"staging"');
  });

  it('names the cluster when its kubeconfig is unreadable or invalid, never quoting it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.yaml'), `clusters: [\n  token: ${token}\n`);
    const registry = parseClusterRegistry('clusters:\n  missing:\n    kubeconfig: nope.yaml\n  broken:\n    kubeconfig: broken.yaml\n', join(dir, 'clusters.yaml'));
    const missing = await failure(connect(registry, 'missing'));
    expect(missing.message).toContain('cluster "missing": cannot read its kubeconfig (ENOENT)');
    const broken = await failure(connect(registry, 'broken'));
    expect(broken.message).toContain('cluster "broken"');
    expect(broken.message).not.toContain(token);
  });

  it('refuses a context the kubeconfig does not have', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kc.yaml'), kubeconfig('https://127.0.0.1:1'));
    const registry = parseClusterRegistry('clusters:\n  a:\n    kubeconfig: kc.yaml\n    context: nope\n', join(dir, 'r.yaml'));
    const error = await failure(connect(registry, 'a'));
    expect(error.message).toContain('context "nope" is not in its kubeconfig (contexts: "ctx1", "other")');
  });

  it('reports an unreachable API server by cluster name without the token', async () => {
    const dir = tempDir();
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    writeFileSync(join(dir, 'kc.yaml'), kubeconfig('https://127.0.0.1:9'));
    const registry = parseClusterRegistry('clusters:\n  edge:\n    kubeconfig: kc.yaml\n', join(dir, 'r.yaml'));
    const error = await failure(connect(registry, 'edge', { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }));
    expect(error.kind).toBe('cluster');
    expect(error.message).toContain('cannot reach the API server of cluster "edge" at https://127.0.0.1:9 (ECONNREFUSED, 2 tries)');
    expect(error.message).not.toContain(token);
  });

  it('uses the namespace of the chosen context as the default namespace', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kc.yaml'), kubeconfig('https://127.0.0.1:9'));
    const registry = parseClusterRegistry('clusters:\n  a:\n    kubeconfig: kc.yaml\n    context: other\n', join(dir, 'r.yaml'));
    const client = await connect(registry, 'a', { verify: false });
    expect(client.defaultNamespace).toBe('team');
    client.close();
  });

  it('reads cluster labels and cluster groups, and lists them for discovery without credentials', () => {
    const text = [
      'clusters:',
      '  prod-eu:',
      '    kubeconfig: prod.yaml',
      '    labels: { env: prod, region: eu, gpu: true }',
      '  dev:',
      '    inCluster: true',
      '    labels: { env: dev }',
      'clusterGroups:',
      '  production:',
      '    selector: { matchLabels: { env: prod } }',
      '    labels: { tier: critical }',
      '  everything:',
      '    selector: {}',
      '',
    ].join('\n');
    const registry = parseClusterRegistry(text, '/etc/bosun/clusters.yaml');
    expect(registry.clusters.get('prod-eu')).toEqual({ name: 'prod-eu', kubeconfig: '/etc/bosun/prod.yaml', labels: { env: 'prod', region: 'eu', gpu: 'true' } });
    const inventory = inventoryOf(registry);
    expect(inventory.clusters).toEqual([{ name: 'dev', labels: { env: 'dev' } }, { name: 'prod-eu', labels: { env: 'prod', region: 'eu', gpu: 'true' } }]);
    expect(inventory.groups).toEqual([
      { name: 'production', selector: { matchLabels: { env: 'prod' } }, labels: { tier: 'critical' } },
      { name: 'everything', selector: {}, labels: {} },
    ]);
    expect(JSON.stringify(inventory)).not.toContain('prod.yaml');
  });

  it('refuses a cluster group selector Kubernetes would refuse, at its line', () => {
    const text = 'clusters:\n  a:\n    labels: {}\nclusterGroups:\n  g:\n    selector:\n      matchExpressions:\n        - { key: env, operator: In }\n';
    let error: unknown;
    try {
      parseClusterRegistry(text, 'r.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContainEqual(expect.objectContaining({ field: 'clusterGroups.g.selector', line: 6, message: 'matchExpressions[0]: In needs values' }));
  });

  it('plans for a cluster known only by its labels, and refuses to connect to it, saying why', async () => {
    const registry = parseClusterRegistry('clusters:\n  edge:\n    labels: { env: edge }\n', 'r.yaml');
    expect(inventoryOf(registry).clusters).toEqual([{ name: 'edge', labels: { env: 'edge' } }]);
    const error = await failure(connect(registry, 'edge'));
    expect(error.kind).toBe('cluster');
    expect(error.message).toContain('cluster "edge" has only labels in the cluster registry, no credentials');
    // An entry with nothing at all is still a mistake.
    expect(() => parseClusterRegistry('clusters:\n  edge: {}\n', 'r.yaml')).toThrow(/needs either "kubeconfig: <path>" or "inCluster: true"/);
  });
});
