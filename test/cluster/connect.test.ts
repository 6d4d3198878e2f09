import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { connect, parseClusterRegistry } from '../../src/cluster/registry.ts';
import { BosunError } from '../../src/model/errors.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';

interface Kubeconfig {
  clusters: Array<{ cluster: Record<string, unknown> }>;
  users: Array<{ user: Record<string, unknown> }>;
}

/** A registry with one cluster "edge" whose kubeconfig is the test cluster's, edited by `change`. */
function registryWith(change: (kc: Kubeconfig) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-connect-'));
  const kc = parse(readFileSync(testKubeconfig(), 'utf8')) as Kubeconfig;
  change(kc);
  writeFileSync(join(dir, 'kubeconfig'), stringify(kc));
  return parseClusterRegistry('clusters:\n  edge:\n    kubeconfig: kubeconfig\n', join(dir, 'clusters.yaml'));
}

async function failure(promise: Promise<unknown>): Promise<BosunError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BosunError);
  return error as BosunError;
}

describe('connecting to a registered cluster', () => {
  it('connects with the kubeconfig and context the registry names', async () => {
    const client = await connect(registryWith(() => undefined), 'edge');
    expect(client.name).toBe('edge');
    expect(await client.resources.find('apps/v1', 'Deployment')).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true });
    expect(await client.resources.find('v1', 'Namespace')).toMatchObject({ plural: 'namespaces', namespaced: false });
    client.close();
  });

  it('says the credentials were rejected, naming the cluster but not the token', async () => {
    const badToken = 'bogus-token-0123456789abcdef';
    const error = await failure(connect(registryWith((kc) => { kc.users[0].user = { token: badToken }; }), 'edge'));
    expect(error.kind).toBe('cluster');
    expect(error.message).toMatch(/^cluster "edge" \(https:\/\/127\.0\.0\.1:\d+\) rejected our credentials \(401\)/);
    expect(error.message).not.toContain(badToken);
  });

  it('says TLS verification failed when the kubeconfig does not trust the server', async () => {
    const error = await failure(connect(registryWith((kc) => {
      delete kc.clusters[0].cluster['certificate-authority'];
      delete kc.clusters[0].cluster['certificate-authority-data'];
    }), 'edge'));
    expect(error.message).toMatch(/^cluster "edge" .*TLS verification failed \([A-Z_]+\); check the certificate-authority/);
  });
});
