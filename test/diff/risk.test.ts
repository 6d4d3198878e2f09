import { describe, expect, it } from 'vitest';
import { diffRenders } from '../../src/diff/change-diff.ts';
import { classifyRisk, sortByRisk } from '../../src/diff/risk.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { deployment, rendered, simple } from './objects.ts';

function riskOf(base: KubeObject | undefined, head: KubeObject | undefined): string {
  const changes = diffRenders(base ? [rendered(base)] : [], head ? [rendered(head)] : []);
  expect(changes).toHaveLength(1);
  return changes[0].risk;
}

function statefulSet(storage: string, replicas = 1): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'data' },
    spec: {
      replicas,
      template: { spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage } } } }],
    },
  };
}

describe('risk classes', () => {
  it('marks deleting a Namespace, CRD, PVC or PV as critical and any other deletion as a deletion', () => {
    expect(riskOf(simple('v1', 'Namespace', 'web'), undefined)).toBe('deletion-critical');
    expect(riskOf(simple('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'), undefined)).toBe('deletion-critical');
    expect(riskOf(simple('v1', 'PersistentVolumeClaim', 'data', 'web'), undefined)).toBe('deletion-critical');
    expect(riskOf(simple('v1', 'PersistentVolume', 'pv-1'), undefined)).toBe('deletion-critical');
    expect(riskOf(deployment(), undefined)).toBe('deletion');
    expect(riskOf(simple('v1', 'ConfigMap', 'x', 'web'), undefined)).toBe('deletion');
  });

  it('marks a change of StatefulSet volumeClaimTemplates as critical: it forces a recreate', () => {
    expect(riskOf(statefulSet('10Gi'), statefulSet('20Gi'))).toBe('deletion-critical');
    expect(riskOf(statefulSet('10Gi', 1), statefulSet('10Gi', 3))).toBe('replicas');
  });

  it('marks creating or changing RBAC objects and ServiceAccounts as rbac', () => {
    const role = (verbs: string[]) => simple('rbac.authorization.k8s.io/v1', 'ClusterRole', 'admin', undefined, { rules: [{ apiGroups: [''], resources: ['pods'], verbs }] });
    expect(riskOf(role(['get']), role(['get', 'delete']))).toBe('rbac');
    expect(riskOf(undefined, simple('rbac.authorization.k8s.io/v1', 'RoleBinding', 'b', 'web', { roleRef: {}, subjects: [] }))).toBe('rbac');
    expect(riskOf(undefined, simple('v1', 'ServiceAccount', 'deployer', 'web'))).toBe('rbac');
    expect(riskOf(role(['get']), undefined)).toBe('deletion');
  });

  it('marks image changes in containers and init containers, wherever the pod template sits', () => {
    expect(riskOf(deployment({ image: 'nginx:1.27' }), deployment({ image: 'nginx:1.28' }))).toBe('image');
    const withInit = (image: string): KubeObject => {
      const obj = deployment({ image: 'app:1' });
      ((obj.spec as { template: { spec: Record<string, unknown> } }).template.spec).initContainers = [{ name: 'migrate', image }];
      return obj;
    };
    expect(riskOf(withInit('migrate:1'), withInit('migrate:2'))).toBe('image');
    const cron = (image: string) => simple('batch/v1', 'CronJob', 'nightly', 'web', { spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image }] } } } } } });
    expect(riskOf(cron('tool:1'), cron('tool:2'))).toBe('image');
  });

  it('marks replica changes, and calls everything else other', () => {
    expect(riskOf(deployment({ replicas: 2 }), deployment({ replicas: 4 }))).toBe('replicas');
    expect(riskOf(deployment({ replicas: 2, image: 'a:1' }), deployment({ replicas: 4, image: 'a:2' }))).toBe('image');
    expect(riskOf(simple('v1', 'ConfigMap', 'x', 'web', { data: { a: '1' } }), simple('v1', 'ConfigMap', 'x', 'web', { data: { a: '2' } }))).toBe('other');
    expect(riskOf(undefined, deployment())).toBe('other');
  });

  it('classifies from the change and the two objects alone', () => {
    expect(classifyRisk({ action: 'update', apiVersion: 'apps/v1', kind: 'Deployment' }, deployment({ image: 'a:1' }), deployment({ image: 'a:2' }))).toBe('image');
  });
});

describe('risk ordering', () => {
  it('puts a namespace deletion before an image change before a replica change, then sorts by identity', () => {
    const changes = diffRenders(
      [rendered(simple('v1', 'Namespace', 'legacy')), rendered(deployment({ name: 'api', replicas: 1 })), rendered(deployment({ name: 'web', image: 'web:1' })), rendered(simple('v1', 'ConfigMap', 'b', 'web', { data: { a: '1' } })), rendered(simple('v1', 'ConfigMap', 'a', 'web', { data: { a: '1' } }))],
      [rendered(deployment({ name: 'api', replicas: 3 })), rendered(deployment({ name: 'web', image: 'web:2' })), rendered(simple('v1', 'ConfigMap', 'b', 'web', { data: { a: '2' } })), rendered(simple('v1', 'ConfigMap', 'a', 'web', { data: { a: '2' } }))],
    );
    const sorted = sortByRisk(changes);
    expect(sorted.map((c) => `${c.risk} ${c.kind}/${c.name}`)).toEqual([
      'deletion-critical Namespace/legacy',
      'image Deployment/web',
      'replicas Deployment/api',
      'other ConfigMap/a',
      'other ConfigMap/b',
    ]);
    expect(sortByRisk([...changes].reverse())).toEqual(sorted);
  });
});
