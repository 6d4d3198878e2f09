// A Fleet bundle's `defaultNamespace` on a custom resource whose CRD is not in the bundle. The agent installs
// the bundle as a Helm release in `defaultNamespace`, and Helm creates every namespaced object that names no
// namespace there (the release namespace) — the API server knows the kind's scope, whatever the bundle
// holds. bosun takes a custom kind whose scope it cannot see as namespaced (as for Argo CD and .bosun.yaml
// namespaces: render/default-namespace.ts), unless its CRD in the repository says Cluster or it is a
// Cluster* kind: moving `defaultNamespace` then moves such a ServiceMonitor too, never "no changes".
import { describe, expect, it } from 'vitest';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';

const objects = `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http}]
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
spec: {acme: {server: https://acme.example.com/directory}}
`;

const planOf = twoCommitPlanner({ clusters: { clusters: [{ name: 'dev', labels: {} }] } });

describe('a Fleet bundle\'s defaultNamespace on custom resources whose CRD is not in the bundle', () => {
  it('puts a namespaced one there, so moving defaultNamespace moves it (a Cluster* kind stays without)', async () => {
    const plan = await planOf(
      { 'monitoring/fleet.yaml': 'defaultNamespace: monitoring\n', 'monitoring/objects.yaml': objects },
      { 'monitoring/fleet.yaml': 'defaultNamespace: observability\n' },
    );
    const env = plan.environments.find((e) => e.name.endsWith('@dev'))!;
    expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`).sort()).toEqual([
      'create ServiceMonitor observability/web',
      'delete ServiceMonitor monitoring/web',
    ]);
  });
});
