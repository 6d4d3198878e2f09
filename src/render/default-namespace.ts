import type { Environment } from '../model/environment.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { isNamespacedKind } from '../validate/builtin-schemas.ts';

/** Sources whose `namespace` is a default for objects that name none (see below). */
const defaultedAtRender: ReadonlySet<Environment['source']> = new Set(['argocd', 'config', 'directory']);

/**
 * Argo CD puts a namespaced object that names no namespace in the Application's `destination.namespace`
 * before it compares and syncs (controller/state.go: DeduplicateTargetObjects / gitops-engine sync
 * context), so bosun does the same on the rendered objects of an Argo CD environment: moving an
 * Application to another destination namespace then shows every namespaced object deleted in the old
 * namespace and created in the new one, as Argo CD would do it.
 *
 * A `.bosun.yaml` environment's `namespace` (or `defaults.namespace`, also for `clusters/<name>/` folders)
 * is the same kind of default: cluster/prepare.ts puts such objects there when it applies. Done only at
 * apply, a change of that namespace moved every such object to another namespace while the plan showed
 * "no changes"; done here, the plan shows them deleted in the old namespace and created in the new one.
 * (Flux's `targetNamespace` is forced in the build; Fleet has its own `namespace` / `defaultNamespace`.)
 *
 * A Flux HelmRelease's release namespace (`targetNamespace`, else its own) is one too: helm-controller's
 * Helm creates a namespaced object that names none there (helm pkg/kube/client.go builds the manifest with
 * NamespaceParam(release namespace).DefaultNamespace()), so moving `targetNamespace` moves such objects.
 *
 * Which kinds are namespaced, without a cluster: Kubernetes' built-in kinds from the generated schemas,
 * kinds defined by a CustomResourceDefinition in the same render (its `scope`), `Cluster*` kinds of
 * other groups (ClusterIssuer, ClusterSecretStore, ClusterPolicy…) as cluster-scoped; any other custom
 * kind is taken as namespaced, as most are.
 */
export function withDestinationNamespace(env: Environment, objects: RenderedObject[]): RenderedObject[] {
  const namespace = env.namespace;
  if ((!defaultedAtRender.has(env.source) && !env.helmRelease) || !namespace) return objects;
  const crdScopes = scopesOf(objects.map((r) => r.object));
  return objects.map((r) => (needsNamespace(r.object, crdScopes) ? { ...r, object: { ...r.object, metadata: { ...r.object.metadata, namespace } } } : r));
}

function needsNamespace(object: KubeObject, crdScopes: Map<string, string>): boolean {
  if (object.metadata?.namespace) return false;
  return scopeOf(object, crdScopes) !== 'Cluster';
}

/**
 * What bosun knows of a kind's scope without a cluster: built-in kinds from the generated schemas, a
 * CustomResourceDefinition's `scope` (`crdScopes`, keyed `<group>/<kind>`), `Cluster*` kinds of other
 * groups (ClusterIssuer, ClusterSecretStore, ClusterPolicy…) as cluster-scoped; undefined for any other.
 */
export function scopeOf(object: KubeObject, crdScopes: ReadonlyMap<string, string>): 'Namespaced' | 'Cluster' | undefined {
  const builtin = isNamespacedKind(object.apiVersion, object.kind);
  if (builtin !== undefined) return builtin ? 'Namespaced' : 'Cluster';
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const scope = crdScopes.get(`${group}/${object.kind}`);
  if (scope !== undefined) return scope === 'Cluster' ? 'Cluster' : 'Namespaced';
  return /^Cluster[A-Z]/.test(object.kind) ? 'Cluster' : undefined;
}

/** The `scope` of each CustomResourceDefinition among `crds`, keyed `<group>/<kind>` (what scopeOf reads). */
export function scopesOf(crds: readonly KubeObject[]): Map<string, string> {
  const scopes = new Map<string, string>();
  for (const crd of crds) {
    if (crd.kind !== 'CustomResourceDefinition') continue;
    const spec = crd.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind) scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope ?? 'Namespaced');
  }
  return scopes;
}

/**
 * A Flux Kustomization's objects as the API server keeps them. Its `targetNamespace` is kustomize's
 * `namespace:` in the kustomization kustomize-controller builds (fluxcd/pkg kustomize generator), and
 * kustomize's namespace transformer sets it on every object whose kind its built-in schema does not call
 * cluster-scoped — so a custom resource of a cluster-scoped CRD (Gateway API's GatewayClass, cert-manager's
 * ClusterIssuer) comes out of the build with a namespace. kustomize-controller applies it as built, and the
 * API server drops the namespace of a cluster-scoped object (k8s.io/apiserver registry/rest BeforeCreate:
 * `else if len(objectMeta.GetNamespace()) > 0 { objectMeta.SetNamespace(metav1.NamespaceNone) }`), as
 * bosun's own apply does (cluster/prepare.ts). Shown with the namespace, the plan would call a change of
 * `targetNamespace` a delete and a create of every such object, which the cluster never sees.
 *
 * A Fleet bundle's `defaultNamespace` is the same kind of default (render/fleet.ts, which sees only the
 * bundle's own CRDs), so its cluster-scoped objects are dropped from it the same way.
 *
 * `crds` are the CustomResourceDefinitions known without a cluster (the render's own and the
 * repository's). An object of a kind whose scope none of them gives is left as built, and when its
 * namespace is the `targetNamespace` a warning (one per kind) says bosun took it as namespaced, rather
 * than present a namespace it may have invented as the object's.
 */
export function withClusterScope(env: Environment, objects: RenderedObject[], crds: readonly KubeObject[]): { objects: RenderedObject[]; warnings: ValidationFinding[] } {
  if (env.source !== 'flux' && env.source !== 'fleet') return { objects, warnings: [] };
  const scopes = scopesOf([...objects.map((r) => r.object), ...crds]);
  const unknown = new Map<string, RenderedObject>();
  const out = objects.map((r) => {
    const namespace = r.object.metadata?.namespace;
    if (!namespace) return r;
    const scope = scopeOf(r.object, scopes);
    if (scope === 'Cluster') {
      const { namespace: _dropped, ...metadata } = r.object.metadata ?? {};
      return { ...r, object: { ...r.object, metadata } };
    }
    const key = `${r.object.apiVersion}/${r.object.kind}`;
    if (env.source === 'flux' && scope === undefined && namespace === env.namespace && !unknown.has(key)) unknown.set(key, r);
    return r;
  });
  const warnings = [...unknown.values()].map(({ object, source }): ValidationFinding => ({
    severity: 'warning',
    ...(source ? { file: source.file, ...(source.line !== undefined ? { line: source.line } : {}) } : {}),
    object: `${object.apiVersion} ${object.kind} ${object.metadata?.namespace}/${object.metadata?.name ?? ''}`,
    path: '/metadata/namespace',
    message: `bosun cannot tell whether ${object.kind} is namespaced or cluster-scoped: no CustomResourceDefinition of it is in this repository or the render. It is shown in namespace ${object.metadata?.namespace}, which the build of this Kustomization sets from spec.targetNamespace on every kind kustomize does not know as cluster-scoped; if ${object.kind} is cluster-scoped, the API server drops the namespace and such objects are not moved by a change of targetNamespace. Commit its CRD to the repository to have it planned by its scope`,
  }));
  return { objects: out, warnings };
}
