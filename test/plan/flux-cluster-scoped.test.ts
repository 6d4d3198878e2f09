// A cluster-scoped custom resource in a Flux Kustomization with targetNamespace. kustomize's namespace
// transformer (targetNamespace is the generated kustomization's `namespace:`) puts the namespace on every
// kind its built-in schema does not know as cluster-scoped, GatewayClass and ClusterIssuer included;
// kustomize-controller applies it so and the API server drops it for a cluster-scoped kind. The plan shows
// the object as the cluster keeps it — no namespace, so moving targetNamespace is no delete + create of it —
// when its CustomResourceDefinition is in the repository (or the kind is a Cluster* one); when bosun cannot
// know the scope it says so in a warning instead of presenting the namespace as the object's.
import { describe, expect, it } from 'vitest';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';

const infra = (targetNamespace: string) => fluxKustomization('infra', './infrastructure', `  targetNamespace: ${targetNamespace}\n`);

const gatewayClassCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gatewayclasses.gateway.networking.k8s.io}
spec:
  group: gateway.networking.k8s.io
  names: {kind: GatewayClass, plural: gatewayclasses, singular: gatewayclass, listKind: GatewayClassList}
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const objects = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {level: info}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: public}
spec: {controllerName: example.com/gateway}
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
spec: {acme: {server: https://acme.example.com/directory}}
`;

function files(withCrd: boolean): Record<string, string> {
  return {
    'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
    'clusters/staging/infra.yaml': infra('infra'),
    'infrastructure/objects.yaml': objects,
    ...(withCrd ? { 'crds/gatewayclass.yaml': gatewayClassCrd } : {}),
  };
}

const planOf = twoCommitPlanner();

describe('a cluster-scoped custom resource under a Flux targetNamespace', () => {
  it('carries no namespace when its CRD is in the repository, so moving targetNamespace moves only the namespaced objects', async () => {
    const plan = await planOf(files(true), { 'clusters/staging/infra.yaml': infra('edge') });
    const env = plan.environments.find((e) => e.name === 'staging/infra')!;
    expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`).sort()).toEqual([
      'create ConfigMap edge/settings',
      'delete ConfigMap infra/settings',
    ]);
    expect(env.validation.warnings.filter((w) => w.message.includes('cluster-scoped'))).toEqual([]);
  });

  it('shows a change to such an object without a namespace', async () => {
    const plan = await planOf(files(true), { 'infrastructure/objects.yaml': objects.replace('example.com/gateway', 'example.com/gateway-v2') });
    const env = plan.environments.find((e) => e.name === 'staging/infra')!;
    expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`)).toEqual(['update GatewayClass public']);
  });

  it('says so when the kind\'s scope is unknown (no CRD in the repository), naming the namespace kustomize set', async () => {
    const plan = await planOf(files(false), { 'infrastructure/objects.yaml': objects.replace('example.com/gateway', 'example.com/gateway-v2') });
    const env = plan.environments.find((e) => e.name === 'staging/infra')!;
    expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`)).toEqual(['update GatewayClass infra/public']);
    const warning = env.validation.warnings.find((w) => w.object.includes('GatewayClass'));
    expect(warning?.message).toContain('targetNamespace');
    expect(warning?.message).toContain('cluster-scoped');
    expect(warning?.file).toBe('infrastructure/objects.yaml');
    // ClusterIssuer is taken as cluster-scoped by its name: no namespace, no warning.
    expect(env.validation.warnings.filter((w) => w.object.includes('ClusterIssuer'))).toEqual([]);
  });
});
