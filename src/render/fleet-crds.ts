import { helmResourcePolicyAnnotation } from '../model/apply-options.ts';
import { fleetChartCrds } from '../model/helm-crds.ts';
import type { RenderedObject } from '../model/object.ts';

/**
 * What the Fleet agent's Helm does with a bundle's CustomResourceDefinitions, marked on the rendered objects:
 *
 * - the objects of a chart's `crds/` folder (a chart's render that is no template: fleet-chart.ts
 *   markChartTemplates) are installed apart from the release, created on the install and never upgraded nor
 *   deleted (model/helm-crds.ts fleetChartCrds): they carry `helmCrds`, which the plan's sync section, the
 *   apply preview, the apply and prune read as they do a HelmRelease's crds policy;
 * - a CRD the agent's post-renderer gets (a chart template, a raw YAML file, a kustomize bundle's output; not
 *   a Helm hook) is annotated `helm.sh/resource-policy: keep` unless the bundle sets `deleteCRDResources`
 *   (rancher/fleet internal/helmdeployer/postrender.go postRender.Run: `if !p.opts.DeleteCRDResources &&
 *   Kind == CRDKind { objAnnotations[kube.ResourcePolicyAnno] = kube.KeepPolicy }`; rancher/fleet#2024). The
 *   annotation is on the object Fleet deploys, so bosun applies it too, and Helm's keep rule then holds: the
 *   upgrade leaves the CRD when the bundle drops it, the uninstall when the bundle goes
 *   (model/apply-options.ts controllerKeepReason). Fleet matches the kind alone, so does this.
 *
 * The post-renderer's other marks — the object set's label `objectset.rio.cattle.io/hash` and annotation
 * `objectset.rio.cattle.io/id` (wrangler apply GetLabelsAndAnnotations) — and Helm's own
 * `meta.helm.sh/release-*` annotations and `app.kubernetes.io/managed-by` label change no behaviour of
 * bosun's apply and are not added (docs/gitops-sources.md, Rancher Fleet).
 */
export function withFleetCrds(
  objects: readonly RenderedObject[],
  bundle: { fromChart: boolean; deleteCRDResources?: boolean },
  postRendered: (r: RenderedObject) => boolean,
): RenderedObject[] {
  return objects.map((rendered) => {
    if (bundle.fromChart && rendered.helmTemplate !== true) return { ...rendered, helmCrds: fleetChartCrds };
    if (bundle.deleteCRDResources || rendered.object.kind !== 'CustomResourceDefinition' || !postRendered(rendered)) return rendered;
    const { object } = rendered;
    return { ...rendered, object: { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata?.annotations, [helmResourcePolicyAnnotation]: 'keep' } } } };
  });
}
