import { objectApplyOptions, syncSemanticsOf, type ObjectApplyOptions } from '../model/apply-options.ts';
import { helmCrdsApply, type HelmReleaseAction } from '../model/helm-crds.ts';
import type { Environment } from '../model/environment.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import { groupOf, idKey, objectId } from '../model/object.ts';
import type { ResourceInfo } from './discovery.ts';
import { pruneAnnotation, pruneDisabled, withOwnerLabels } from './labels.ts';
import { withPortProtocols } from './port-protocols.ts';
import { withSecretData } from './secret-data.ts';
import { compareApplyOrder, isCrd, phaseOf, type ApplyPhase } from './order.ts';
import type { ObjectRef } from './types.ts';

export interface PreparedObject extends ObjectRef {
  /** The object exactly as it will be sent: owner labels added, namespace defaulted. */
  object: KubeObject;
  phase: ApplyPhase;
  /** Unset while the kind is defined only by a CRD in this same set that the cluster does not serve yet. */
  info?: ResourceInfo;
  /** The environment's apply policy and the object's own annotations, resolved (wave, prune, replace…). */
  options: ObjectApplyOptions;
  /**
   * A CRD of a Helm chart's crds/ folder (a Flux HelmRelease's, a Fleet bundle's): Helm never deletes one, so bosun never tracks it
   * in the inventory (environment.ts) — the annotation alone cannot keep one its crds policy leaves alone
   * (`Create` and it exists, `Skip`), which an earlier apply labelled for this environment without it.
   */
  untracked?: true;
}

export interface PreparedSet {
  /** In apply order. */
  objects: PreparedObject[];
  /** Objects that cannot be applied at all; when there are any, nothing should be applied. */
  invalid: Array<ObjectRef & { error: string }>;
}

export interface PrepareContext {
  env: Pick<Environment, 'name' | 'namespace'> & Partial<Pick<Environment, 'source' | 'apply'>>;
  partOf: string;
  defaultNamespace: string;
  cluster: string;
  find(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
}

export function refOf(obj: KubeObject, source?: RenderedObject['source']): ObjectRef {
  const id = objectId(obj);
  return { id, key: idKey(id), apiVersion: obj.apiVersion, kind: id.kind, namespace: id.namespace, name: id.name, ...(source ? { source } : {}) };
}

/** The identity part of a prepared object, for results and reports. */
export function refOnly(o: PreparedObject): ObjectRef {
  const { object: _o, phase: _p, info: _i, options: _op, untracked: _u, ...ref } = o;
  return ref;
}

/**
 * Resolves every desired object to its REST resource and apply phase, defaults namespaces, adds owner
 * labels, and finds what can never be applied (no name, a kind the cluster does not serve and no CRD in
 * the set defines, the same object twice) before anything touches the cluster.
 */
export async function prepareObjects(rendered: readonly RenderedObject[], ctx: PrepareContext): Promise<PreparedSet> {
  const crdScopes = scopesFromCrds(rendered.map((r) => r.object));
  const invalid: PreparedSet['invalid'] = [];
  const seen = new Map<string, RenderedObject>();
  // Lookups share one request per group-version; transport failures propagate (the cluster is unreachable).
  const infos = await Promise.all(rendered.map(({ object }) => (object.apiVersion && object.kind ? ctx.find(object.apiVersion, object.kind) : undefined)));

  const objects: PreparedObject[] = [];
  rendered.forEach(({ object, source }, i) => {
    const ref = refOf(object, source);
    if (!object.metadata?.name) {
      invalid.push({ ...ref, error: 'metadata.name is missing' });
      return;
    }
    const info = infos[i];
    const crdScope = crdScopes.get(`${groupOf(object.apiVersion)}/${object.kind}`);
    const namespaced = info ? info.namespaced : crdScope === 'Namespaced';
    if (!info && crdScope === undefined) {
      invalid.push({ ...ref, error: `cluster "${ctx.cluster}" does not serve ${object.kind} in ${object.apiVersion}, and no CustomResourceDefinition in this environment defines it; install the CRD first or fix the apiVersion` });
      return;
    }
    let desired = withSecretData(withPortProtocols(withOwnerLabels(object, ctx.env.name, ctx.partOf)));
    // Helm (helm-controller, the Fleet agent) never deletes a CRD of a chart's crds/ folder (Helm keeps them out of the release): neither does prune.
    if (rendered[i].helmCrds) desired = { ...desired, metadata: { ...desired.metadata, annotations: { ...desired.metadata?.annotations, [pruneAnnotation]: pruneDisabled } } };
    if (namespaced && !desired.metadata?.namespace) {
      desired = { ...desired, metadata: { ...desired.metadata, namespace: ctx.env.namespace ?? ctx.defaultNamespace } };
    } else if (!namespaced && desired.metadata?.namespace !== undefined) {
      const { namespace: _ignored, ...metadata } = desired.metadata ?? {};
      desired = { ...desired, metadata };
    }
    const options = withHelmCrds(objectApplyOptions(object, ctx.env.apply, syncSemanticsOf(ctx.env)), rendered[i], ctx.env.apply?.helmRelease);
    const prepared: PreparedObject = { ...refOf(desired, source), object: desired, phase: phaseOf(desired, namespaced), ...(info ? { info } : {}), options, ...(rendered[i].helmCrds ? { untracked: true as const } : {}) };
    const previous = seen.get(prepared.key);
    if (previous) {
      invalid.push({ ...prepared, error: `the same object appears twice${previous.source ? ` (also in ${previous.source.file}${previous.source.line ? `:${previous.source.line}` : ''})` : ''}; keep one` });
      return;
    }
    seen.set(prepared.key, { object, source });
    objects.push(prepared);
  });
  objects.sort(compareApplyOrder);
  return { objects, invalid };
}

/** A chart's crds/ CRD is applied as its crds policy says (a HelmRelease's install/upgrade.crds; a Fleet bundle's: Helm's create-only), unless an annotation already keeps it out. */
function withHelmCrds(options: ObjectApplyOptions, r: RenderedObject, action: HelmReleaseAction | undefined): ObjectApplyOptions {
  if (!r.helmCrds || options.apply === 'never') return options;
  const rule = helmCrdsApply(r.helmCrds, action);
  if (rule.apply === 'always') return options;
  return { ...options, apply: rule.apply, ...(rule.reason ? { skipReason: rule.reason } : {}) };
}

/** `group/Kind` → scope for every kind that a CRD in the set defines. */
export function scopesFromCrds(objects: readonly KubeObject[]): Map<string, 'Namespaced' | 'Cluster'> {
  const scopes = new Map<string, 'Namespaced' | 'Cluster'>();
  for (const obj of objects) {
    if (!isCrd(obj)) continue;
    const spec = obj.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind) scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced');
  }
  return scopes;
}
