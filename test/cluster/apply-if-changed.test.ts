// What the apply engine decides without the server: when Git certainly changes an object (so the dry run
// is not needed), and when a dry-run result is the live object again (so the apply is skipped).
import { describe, expect, it } from 'vitest';
import { certainlyChanges, wouldChange } from '../../src/cluster/apply-if-changed.ts';
import type { KubeObject } from '../../src/model/object.ts';

const desiredDeployment = (image: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    replicas: 2, selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' }, creationTimestamp: null },
      spec: { hostNetwork: false, containers: [{ name: 'web', image, resources: { requests: { cpu: '0.5', memory: '1Gi' } }, ...extra }] },
    },
  },
});

// As the server stores it: defaults filled in, quantities canonical, zero values dropped, status and server metadata added.
const liveDeployment: KubeObject = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', 'bosun.dev/environment': 'prod' }, resourceVersion: '42', generation: 3, annotations: { 'deployment.kubernetes.io/revision': '3' } },
  spec: {
    replicas: 2, progressDeadlineSeconds: 600, selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        restartPolicy: 'Always', dnsPolicy: 'ClusterFirst',
        containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', resources: { requests: { cpu: '500m', memory: '1Gi' } } }],
      },
    },
  },
  status: { replicas: 2, readyReplicas: 2 },
};

describe('certainlyChanges: when the apply needs no dry run first', () => {
  it('leaves an object the server stores as it is to the dry run: defaults, canonical quantities, dropped zero values, status', () => {
    expect(certainlyChanges(desiredDeployment('nginx:1.27'), liveDeployment)).toBe(false);
    expect(certainlyChanges({ ...desiredDeployment('nginx:1.27'), status: { replicas: 9 } }, liveDeployment)).toBe(false);
  });

  it('is sure when a value bosun sends is another one live: an image, a replica count, a label, a quantity', () => {
    expect(certainlyChanges(desiredDeployment('nginx:1.28'), liveDeployment)).toBe(true);
    const replicas = desiredDeployment('nginx:1.27');
    (replicas.spec as { replicas: number }).replicas = 3;
    expect(certainlyChanges(replicas, liveDeployment)).toBe(true);
    expect(certainlyChanges({ ...desiredDeployment('nginx:1.27'), metadata: { name: 'web', namespace: 'shop', labels: { app: 'shop' } } }, liveDeployment)).toBe(true);
    const cpu = desiredDeployment('nginx:1.27');
    ((cpu.spec as { template: { spec: { containers: Array<{ resources: { requests: { cpu: string } } }> } } }).template.spec.containers[0].resources.requests.cpu) = '1';
    expect(certainlyChanges(cpu, liveDeployment)).toBe(true);
  });

  it('is sure when Git adds something live lacks: a key, a container, an argument', () => {
    expect(certainlyChanges(desiredDeployment('nginx:1.27', { args: ['--verbose'] }), liveDeployment)).toBe(true);
    const sidecar = desiredDeployment('nginx:1.27');
    (sidecar.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers.push({ name: 'proxy', image: 'envoy:1' });
    expect(certainlyChanges(sidecar, liveDeployment)).toBe(true);
    const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
    expect(certainlyChanges(cm({ a: '1', b: '2' }), cm({ a: '1' }))).toBe(true);
    expect(certainlyChanges(cm({ a: '2' }), cm({ a: '1' }))).toBe(true);
  });

  it('leaves removals, stringData and values of another type to the dry run', () => {
    const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
    expect(certainlyChanges(cm({ a: '1' }), cm({ a: '1', b: '2' }))).toBe(false);
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'x' } };
    expect(certainlyChanges(secret, { ...secret, stringData: undefined, data: { password: 'eA==' } })).toBe(false);
    const port = (targetPort: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] } });
    expect(certainlyChanges(port('8080'), port(8080))).toBe(false);
    // An unnamed list of another length may be merged with other managers' items.
    const rules = (n: number): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec: { rules: Array.from({ length: n }, (_, i) => ({ host: `h${i}` })) } });
    expect(certainlyChanges(rules(1), rules(2))).toBe(false);
  });
});

describe('wouldChange: whether a dry-run result differs from the live object', () => {
  const live: KubeObject = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'c', resourceVersion: '7', managedFields: [{ manager: 'bosun', operation: 'Apply', time: '2026-12-06T10:00:00Z', fieldsV1: { 'f:data': { 'f:a': {} } } }, { manager: 'other', operation: 'Update', time: '2026-12-06T09:00:00Z', fieldsV1: { 'f:data': { 'f:b': {} } } }] },
    data: { a: '1', b: '2' },
  };

  it('is false when only the managed-fields times differ, or the order of keys and entries', () => {
    const managed = live.metadata!.managedFields as Array<Record<string, unknown>>;
    const dryRun: KubeObject = { data: { b: '2', a: '1' }, kind: 'ConfigMap', apiVersion: 'v1', metadata: { ...live.metadata, managedFields: [managed[1], { ...managed[0], time: '2026-12-06T11:00:00Z' }] } };
    expect(wouldChange(live, dryRun)).toBe(false);
  });

  it('is true when a value or the field ownership changes', () => {
    expect(wouldChange(live, { ...live, data: { a: '1', b: '3' } })).toBe(true);
    const managed = live.metadata!.managedFields as Array<Record<string, unknown>>;
    expect(wouldChange(live, { ...live, metadata: { ...live.metadata, managedFields: [{ ...managed[0], fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } }, managed[1]] } })).toBe(true);
  });
});
