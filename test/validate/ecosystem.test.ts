import { describe, expect, it } from 'vitest';
import { createCrdSource, createValidator } from '../../src/validate/index.ts';
import { enc, sopsMetadata } from '../support/sops-fixtures.ts';
import { rendered } from './support.ts';

const validate = (text: string) => createValidator().validate(rendered('apps.yaml', text)).map((f) => [f.severity, f.path, f.message]);

describe('built-in ecosystem schemas', () => {
  it('check types, enums, patterns and required fields read back from the packages', () => {
    expect(validate(`apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: c, namespace: default }
spec:
  secretName: s
  issuerRef: { name: le }
  privateKey: { algorithm: DSA }
  isCA: "true"
`)).toEqual([
      ['error', '/spec/isCA', 'expected boolean, got string'],
      ['error', '/spec/privateKey/algorithm', 'unsupported value "DSA"; allowed: RSA, ECDSA, Ed25519'],
    ]);
    expect(validate('apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: { name: k, namespace: flux-system }\nspec:\n  interval: 10m\n  prune: true\n'))
      .toEqual([['error', '/spec', 'missing required field "sourceRef"']]);
  });

  it('accept what controllers write (status) and free-form fields (HelmRelease values, Kyverno patterns)', () => {
    expect(validate(`apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: h, namespace: default }
spec:
  interval: 5m
  chart: { spec: { chart: podinfo, sourceRef: { kind: HelmRepository, name: podinfo } } }
  values: { anything: { goes: [1, two] } }
status:
  observedGeneration: 3
  conditions: [{ type: Ready, status: "True" }]
`)).toEqual([]);
  });

  it('leave kinds and versions newer than the package to the missing-schema warning, never a typo or removal', () => {
    const findings = validate(`apiVersion: notification.toolkit.fluxcd.io/v1
kind: Alert
metadata: { name: a, namespace: flux-system }
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w, namespace: default }
`);
    expect(findings.map(([severity, , message]) => [severity, message.split(':')[0]])).toEqual([
      ['warning', 'Alert.notification.toolkit.fluxcd.io/v1'],
      ['warning', 'Workflow.argoproj.io/v1alpha1'],
    ]);
  });

  it('call an older version than any served an error with the version to use', () => {
    expect(validate('apiVersion: source.toolkit.fluxcd.io/v1alpha1\nkind: GitRepository\nmetadata: { name: g, namespace: flux-system }\n')).toEqual([
      ['error', '/apiVersion', 'source.toolkit.fluxcd.io/v1alpha1 GitRepository is not served (bosun\'s built-in schemas: Flux, @kubernetes-models/flux-cd@3.0.1): use source.toolkit.fluxcd.io/v1'],
    ]);
  });

  it('come after a CRD in the repository, which wins for its group and kind', () => {
    const crd = rendered('crds.yaml', `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: certificates.cert-manager.io }
spec:
  group: cert-manager.io
  names: { kind: Certificate, plural: certificates }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { anything: { type: string } } }
`)[0].object;
    const objects = rendered('c.yaml', 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: { name: c, namespace: default }\nspec:\n  anything: ok\n');
    expect(createValidator({ crds: [crd] }).validate(objects)).toEqual([]);
    expect(createCrdSource([crd]).lookup('cert-manager.io/v1', 'Certificate')).toMatchObject({ origin: 'CustomResourceDefinition certificates.cert-manager.io' });
  });

  it('skip what SOPS encrypted in any kind, and its metadata block, but still check the rest', () => {
    expect(validate(`apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: h, namespace: default }
spec:
  interval: ${enc('5m')}
  suspend: ${enc('false', 'bool')}
  chart: { spec: { chart: podinfo, sourceRef: { kind: HelmRepository, name: podinfo } } }
  bogus: 1
${sopsMetadata('m')}`)).toEqual([['error', '/spec/bogus', 'unknown field "bogus"']]);
  });
});
