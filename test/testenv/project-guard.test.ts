// The unit project starts no test cluster: a suite in it that reaches for one fails with an error that
// says which project it belongs in, instead of a connection error or a silently borrowed cluster.
import { describe, expect, inject, it } from 'vitest';
import { testCluster, testKubeconfig, writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';

describe('the cluster helpers in the unit project', () => {
  it('runs in the unit project, which provides no cluster', () => {
    expect(inject('testProject')).toBe('unit');
    expect(inject('kubeconfig')).toBe('');
    expect(inject('testCluster')).toBeNull();
  });

  it('testKubeconfig() and testCluster() throw "this suite needs the cluster project", naming this file', () => {
    expect(() => testKubeconfig()).toThrow(/this suite needs the cluster project: .*test\/testenv\/project-guard\.test\.ts .*clusterSuites in vitest\.config\.ts/);
    expect(() => testCluster()).toThrow(/this suite needs the cluster project/);
  });

  it('even when BOSUN_TEST_KUBECONFIG names a cluster (a run of both projects sets it for the cluster one)', async () => {
    const before = process.env.BOSUN_TEST_KUBECONFIG;
    process.env.BOSUN_TEST_KUBECONFIG = '/tmp/some-cluster/admin.kubeconfig';
    try {
      expect(() => testKubeconfig()).toThrow(/this suite needs the cluster project/);
      await expect(writeTestClusterRegistry('/tmp/never-written-clusters.yaml')).rejects.toThrow(/this suite needs the cluster project/);
    } finally {
      if (before === undefined) delete process.env.BOSUN_TEST_KUBECONFIG;
      else process.env.BOSUN_TEST_KUBECONFIG = before;
    }
  });
});
