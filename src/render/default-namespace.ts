import type { Environment } from '../model/environment.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
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
 * Which kinds are namespaced, without a cluster: Kubernetes' built-in kinds from the generated schemas,
 * kinds defined by a CustomResourceDefinition in the same render (its `scope`), `Cluster*` kinds of
 * other groups (ClusterIssuer, ClusterSecretStore, ClusterPolicy…) as cluster-scoped; any other custom
 * kind is taken as namespaced, as most are.
 */
export function withDestinationNamespace(env: Environment, objects: RenderedObject[]): RenderedObject[] {
  const namespace = env.namespace;
  if (!defaultedAtRender.has(env.source) || !namespace) return objects;
  const crdScopes = new Map<string, string>();
  for (const { object } of objects) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const spec = object.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind) crdScopes.set(`${spec.group}/${spec.names.kind}`, spec.scope ?? 'Namespaced');
  }
  return objects.map((r) => (needsNamespace(r.object, crdScopes) ? { ...r, object: { ...r.object, metadata: { ...r.object.metadata, namespace } } } : r));
}

function needsNamespace(object: KubeObject, crdScopes: Map<string, string>): boolean {
  if (object.metadata?.namespace) return false;
  const builtin = isNamespacedKind(object.apiVersion, object.kind);
  if (builtin !== undefined) return builtin;
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const scope = crdScopes.get(`${group}/${object.kind}`);
  if (scope !== undefined) return scope !== 'Cluster';
  return !/^Cluster[A-Z]/.test(object.kind);
}
