// Where the ecosystem schemas come from: the `@kubernetes-models/*` packages of the custom resources GitOps
// repositories are full of (Flux, Argo CD, cert-manager, Prometheus Operator, Gateway API…), and what bosun
// knows about each project's API versions.
import { packageDir, packageVersion } from './packages.ts';
import type { EcosystemGap } from './types.ts';

export interface EcosystemPackage {
  id: string;
  project: string;
  package: string;
  upstream: string;
  /** Only these API groups / kinds of the package (when it describes more than the project). */
  groups?: string[];
  kinds?: string[];
  /** Versions the packaged release no longer serves, with the release that removed them (objects at these versions are errors). */
  removed?: { apiVersion: string; since: string; use?: string }[];
  hint?: string;
}

export const ecosystemPackages: EcosystemPackage[] = [
  {
    id: 'flux', project: 'Flux', package: '@kubernetes-models/flux-cd', upstream: 'Flux 2.8 CRDs (source-controller 1.8, kustomize-controller 1.8, helm-controller 1.5, notification-controller 1.8, image controllers 1.1)',
    removed: [
      ...['source.toolkit.fluxcd.io/v1beta1', 'kustomize.toolkit.fluxcd.io/v1beta1', 'helm.toolkit.fluxcd.io/v2beta1', 'image.toolkit.fluxcd.io/v1beta1', 'notification.toolkit.fluxcd.io/v1beta1']
        .map((apiVersion) => ({ apiVersion, since: 'Flux 2.7' })),
      ...['source.toolkit.fluxcd.io/v1beta2', 'kustomize.toolkit.fluxcd.io/v1beta2', 'helm.toolkit.fluxcd.io/v2beta2']
        .map((apiVersion) => ({ apiVersion, since: 'Flux 2.8' })),
    ],
    hint: '`flux migrate` rewrites manifests to the served versions',
  },
  { id: 'argocd', project: 'Argo CD', package: '@kubernetes-models/argo-cd', upstream: 'Argo CD 2.14 CRDs', groups: ['argoproj.io'], kinds: ['Application', 'ApplicationSet', 'AppProject'] },
  { id: 'rollouts', project: 'Argo Rollouts', package: '@kubernetes-models/argo-rollouts', upstream: 'Argo Rollouts Go API types (the package does not record the release)', groups: ['argoproj.io'] },
  {
    id: 'certmanager', project: 'cert-manager', package: '@kubernetes-models/cert-manager', upstream: 'cert-manager 1.20 CRDs, trust-manager 0.22, approver-policy 0.25, aws-privateca-issuer 1.8',
    removed: [
      ...['cert-manager.io', 'acme.cert-manager.io'].flatMap((g) => ['v1alpha2', 'v1alpha3', 'v1beta1'].map((v) => ({ apiVersion: `${g}/${v}`, since: 'cert-manager 1.7' }))),
      { apiVersion: 'certmanager.k8s.io/v1alpha1', since: 'cert-manager 0.11', use: 'cert-manager.io/v1' },
    ],
  },
  { id: 'externalsecrets', project: 'External Secrets', package: '@kubernetes-models/external-secrets', upstream: 'External Secrets Go API types (the package does not record the release)' },
  { id: 'gatewayapi', project: 'Gateway API', package: '@kubernetes-models/gateway-api', upstream: 'Gateway API Go types, standard and experimental (the package does not record the release)' },
  { id: 'istio', project: 'Istio', package: '@kubernetes-models/istio', upstream: 'Istio 1.29 CRDs' },
  { id: 'kyverno', project: 'Kyverno', package: '@kubernetes-models/kyverno', upstream: 'Kyverno Go API types (the package does not record the release)' },
  { id: 'prometheus', project: 'Prometheus Operator', package: '@kubernetes-models/prometheus-operator', upstream: 'Prometheus Operator 0.90 CRDs' },
  { id: 'sealedsecrets', project: 'Sealed Secrets', package: '@kubernetes-models/sealed-secrets', upstream: 'Sealed Secrets Go API types (the package does not record the release)' },
];

/** Projects GitOps repositories use that no package on the registry describes: named, not validated. */
export const ecosystemGaps: EcosystemGap[] = [
  { project: 'Flagger', groups: ['flagger.app'], why: 'no package on the npm registry ships its CRDs or models' },
];

/** `@kubernetes-models/flux-cd@3.0.1 …`: part of the schema stamp, so a package update regenerates. */
export function ecosystemStamp(): string {
  return ecosystemPackages.map((p) => {
    try {
      return `${p.package}@${packageVersion(packageDir(p.package))}`;
    } catch {
      return `${p.package}@missing`;
    }
  }).join(' ');
}
