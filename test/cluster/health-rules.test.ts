import { describe, expect, it } from 'vitest';
import { assessHealth } from '../../src/cluster/health.ts';
import type { KubeObject } from '../../src/model/object.ts';

const deployment = (status: Record<string, unknown>, spec: Record<string, unknown> = { replicas: 2 }, generation = 3): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', generation }, spec, status,
});

describe('health rules', () => {
  it('reports a missing object as missing', () => {
    expect(assessHealth(undefined).status).toBe('missing');
  });

  it('keeps a Deployment progressing until its controller observed the latest generation', () => {
    const h = assessHealth(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }));
    expect(h.status).toBe('progressing');
    expect(h.message).toContain('generation 3');
  });

  it('keeps a Deployment progressing while replicas are not updated or not available', () => {
    expect(assessHealth(deployment({ observedGeneration: 3, replicas: 2, updatedReplicas: 1, availableReplicas: 1 })).message).toBe('1 of 2 replicas updated');
    expect(assessHealth(deployment({ observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).message).toBe('1 old replicas pending termination');
    expect(assessHealth(deployment({ observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 0 })).message).toBe('0 of 2 updated replicas available');
  });

  it('calls a Deployment healthy once all replicas are updated and available', () => {
    expect(assessHealth(deployment({ observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).status).toBe('healthy');
    // replicas defaults to 1
    expect(assessHealth(deployment({ observedGeneration: 3, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }, {})).status).toBe('healthy');
  });

  it('fails a Deployment whose rollout exceeded its progress deadline', () => {
    const h = assessHealth(deployment({
      observedGeneration: 3, replicas: 2, updatedReplicas: 1, availableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }],
    }));
    expect(h.status).toBe('failed');
    expect(h.message).toContain('timed out progressing');
  });

  it('judges StatefulSets by ready replicas, revision and partition', () => {
    const sts = (status: Record<string, unknown>, spec: Record<string, unknown> = { replicas: 3 }): KubeObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', generation: 1 }, spec, status });
    expect(assessHealth(sts({ observedGeneration: 1, readyReplicas: 2 })).status).toBe('progressing');
    expect(assessHealth(sts({ observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' })).status).toBe('progressing');
    expect(assessHealth(sts({ observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'b', updateRevision: 'b' })).status).toBe('healthy');
    expect(assessHealth(sts({ observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' },
      { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } })).status).toBe('healthy');
  });

  it('judges DaemonSets by scheduled, updated and available pods', () => {
    const ds = (status: Record<string, unknown>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', generation: 1 }, status });
    expect(assessHealth(ds({ observedGeneration: 1 })).status).toBe('progressing');
    expect(assessHealth(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 })).status).toBe('progressing');
    expect(assessHealth(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 })).status).toBe('healthy');
  });

  it('judges Jobs by their Complete and Failed conditions', () => {
    const job = (conditions: unknown[]): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' }, status: { conditions } });
    expect(assessHealth(job([])).status).toBe('progressing');
    expect(assessHealth(job([{ type: 'Complete', status: 'True' }])).status).toBe('healthy');
    const failed = assessHealth(job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]));
    expect(failed.status).toBe('failed');
    expect(failed.message).toContain('BackoffLimitExceeded');
  });

  it('waits for CRDs to be Established', () => {
    const crd = (conditions: unknown[]): KubeObject => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, status: { conditions } });
    expect(assessHealth(crd([{ type: 'NamesAccepted', status: 'True' }])).status).toBe('progressing');
    expect(assessHealth(crd([{ type: 'Established', status: 'True' }])).status).toBe('healthy');
    expect(assessHealth(crd([{ type: 'NamesAccepted', status: 'False', message: 'plural conflicts' }])).status).toBe('failed');
  });

  it('uses the Ready, Reconciling and Stalled conditions of custom resources', () => {
    const cr = (status?: Record<string, unknown>, generation = 2): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', generation }, ...(status ? { status } : {}) });
    expect(assessHealth(cr()).status).toBe('healthy');
    expect(assessHealth(cr({ conditions: [{ type: 'Ready', status: 'False', reason: 'Waiting' }] })).status).toBe('progressing');
    expect(assessHealth(cr({ conditions: [{ type: 'Ready', status: 'True' }] })).status).toBe('healthy');
    expect(assessHealth(cr({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] })).status).toBe('progressing');
    expect(assessHealth(cr({ conditions: [{ type: 'Stalled', status: 'True', message: 'bad spec' }] })).status).toBe('failed');
    expect(assessHealth(cr({ conditions: [{ type: 'Reconciling', status: 'True' }, { type: 'Ready', status: 'True' }] })).status).toBe('progressing');
  });

  it('follows a Flagger Canary through its phases', () => {
    const canary = (phase?: string): KubeObject => ({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'web' }, status: phase ? { phase } : {} });
    expect(assessHealth(canary('Progressing')).status).toBe('progressing');
    expect(assessHealth(canary()).status).toBe('progressing');
    expect(assessHealth(canary('Succeeded')).status).toBe('healthy');
    expect(assessHealth(canary('Initialized')).status).toBe('healthy');
    expect(assessHealth(canary('Failed')).status).toBe('failed');
  });

  it('calls objects without health signals healthy as soon as they exist', () => {
    expect(assessHealth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} }).status).toBe('healthy');
    expect(assessHealth({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {}, status: { loadBalancer: {} } }).status).toBe('healthy');
  });
});
