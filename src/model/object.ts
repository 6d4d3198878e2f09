import type { HelmCrdsPolicies, HelmReleaseAction } from './helm-crds.ts';

/** A Kubernetes object as parsed from YAML: only apiVersion and kind are guaranteed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * Where an object came from: a repo-relative file and the line of the document it was built from (also
 * when kustomize transformed it: validation follows a finding's field from there, see field-lines.ts).
 */
export interface SourceRef {
  file: string;
  line?: number;
  /** The kustomize generator that made the object (`ConfigMapGenerator`, `SecretGenerator`, …), from its origin. */
  generator?: string;
  /** Patches that apply to the object, in the order kustomize applies them (a field a patch set is found there). */
  patches?: PatchSource[];
}

/** One patch document: in a patch file (its first line), or inline in a kustomization or GitOps object. */
export interface PatchSource {
  file: string;
  /** First line of the patch document; for an inline patch, the line of its entry. */
  line: number;
  /**
   * An inline patch: its whole text, which document of it this is, and the file line of the text's first
   * line when the text maps line for line onto the file (a `|` block).
   */
  inline?: { text: string; doc: number; firstLine?: number };
}

/**
 * A SourceRef for output (`bosun render --format json`): where the object and its patches are, without an
 * inline patch's text, which would repeat in every object the patch applies to.
 */
export function sourceSummary(ref: SourceRef): SourceRef {
  const { patches, ...rest } = ref;
  return patches ? { ...rest, patches: patches.map((p) => ({ file: p.file, line: p.line })) } : rest;
}

/** An object as produced by a renderer, with provenance. */
export interface RenderedObject {
  object: KubeObject;
  source?: SourceRef;
  /**
   * A CustomResourceDefinition of a Flux HelmRelease chart's `crds/` folder: helm-controller creates or
   * updates it by these policies, apart from the release (model/helm-crds.ts).
   */
  helmCrds?: HelmCrdsPolicies;
  /**
   * Flux post-build substitution: the variables the object reads without a default that have no value.
   * kustomize-controller substitutes them as empty by default and fails the Kustomization with its
   * StrictPostBuildSubstitutions feature gate on (render/substitute.ts); the plan warns.
   */
  unsetVariables?: string[];
  /**
   * A template of a Flux HelmRelease chart whose hooks helm-controller disables on these release operations
   * (`spec.install.disableHooks`, `spec.upgrade.disableHooks`): Helm then neither runs nor installs them
   * (model/sync-role.ts). Absent: hooks run on both.
   */
  helmHooksDisabled?: HelmReleaseAction[];
  /**
   * Helm rendered it from a chart template (a Fleet bundle's chart, remote chart or raw `templates/`; not a
   * `crds/` file): the Fleet agent's Helm sorts it into hooks and resources by `helm.sh/hook` before its
   * post-renderer runs (model/helm-hooks.ts). Absent: Fleet's post-renderer added it (raw YAML, kustomize).
   */
  helmTemplate?: true;
}

/**
 * Identity of an object across versions: group/kind/namespace/name. The version is deliberately not part
 * of it, so `apps/v1beta2` → `apps/v1` is an update, not delete + create. Cluster-scoped objects (and
 * namespaced objects that have no namespace set) carry namespace ''.
 */
export interface ObjectId {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function objectId(obj: KubeObject): ObjectId {
  return {
    group: groupOf(obj.apiVersion ?? ''),
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
}

/** Stable string key for an identity, e.g. `apps/Deployment/web/frontend` or `/Namespace//web`. */
export function idKey(id: ObjectId): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

/** Human-readable identity: `Deployment web/frontend`, `Namespace web`. */
export function describeId(id: ObjectId): string {
  const kind = id.group ? `${id.kind}.${id.group}` : id.kind;
  return id.namespace ? `${kind} ${id.namespace}/${id.name}` : `${kind} ${id.name}`;
}

/** How messages name an object: `Deployment web/frontend`, or `Namespace web` for a cluster-scoped one. */
export function objectLabel(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

export function isKubeObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && typeof (value as KubeObject).apiVersion === 'string' && typeof (value as KubeObject).kind === 'string';
}

/**
 * The identity an object is shown under: its ObjectId, named `<generateName>*` when the cluster names it
 * at each run (`metadata.generateName` and no name: an Argo CD hook).
 */
export function shownId(obj: KubeObject): ObjectId {
  const id = objectId(obj);
  const generateName = obj.metadata?.generateName;
  if (id.name === '' && typeof generateName === 'string' && generateName !== '') id.name = `${generateName}*`;
  return id;
}
