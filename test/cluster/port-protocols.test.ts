import { describe, expect, it } from 'vitest';
import { withPortProtocols } from '../../src/cluster/port-protocols.ts';

describe('port protocols for server-side apply', () => {
  it('defaults protocol to TCP on Service ports and on container and init-container ports of workloads, keeping explicit ones', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] } };
    expect((withPortProtocols(svc).spec as { ports: unknown[] }).ports).toEqual([{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]);
    expect(svc.spec.ports[0]).toEqual({ port: 80 });
    const cron = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 1 }] }], initContainers: [{ name: 'b', ports: [{ containerPort: 2 }] }] } } } } },
    };
    const out = withPortProtocols(cron) as typeof cron;
    expect(out.spec.jobTemplate.spec.template.spec.containers[0]!.ports).toEqual([{ containerPort: 1, protocol: 'TCP' }]);
    expect(out.spec.jobTemplate.spec.template.spec.initContainers[0]!.ports).toEqual([{ containerPort: 2, protocol: 'TCP' }]);
  });

  it('returns the same object when nothing needs a default, and leaves other kinds alone', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } };
    expect(withPortProtocols(svc)).toBe(svc);
    const custom = { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ ports: [{ containerPort: 1 }] }] } } } };
    expect(withPortProtocols(custom)).toBe(custom);
  });
});
