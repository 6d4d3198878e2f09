import { posix } from 'node:path';
import type { Environment } from '../model/environment.ts';
import type { FleetBundleRender } from '../model/fleet.ts';
import { fleetHelmHook } from '../model/helm-hooks.ts';
import { groupOf, type KubeObject, type RenderedObject } from '../model/object.ts';
import { isNamespacedKind } from '../validate/builtin-schemas.ts';
import { scopeOf, scopesOf } from './default-namespace.ts';
import { inRepo } from './files.ts';
import { renderBundleChart } from './fleet-chart.ts';
import { fleetPostRenderDir, postRenderFleetChart } from './fleet-post-render.ts';
import { withFleetCrds } from './fleet-crds.ts';
import { bundleFiles } from './fleet-files.ts';
import { rawBundle } from './fleet-raw.ts';
import { renderRemoteFleetChart } from './fleet-remote-chart.ts';
import { renderBundleTemplates } from './fleet-templates.ts';
import { kustomizeRenderer } from './kustomize.ts';
import { walkKustomizeTree } from './kustomize-tree.ts';
import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';

/**
 * A Rancher Fleet bundle on one cluster, rendered as the Fleet agent builds it (rancher/fleet
 * internal/bundlereader/style.go `DetermineStyle`, internal/helmdeployer/render/helm.go, postrender.go):
 *
 * - a **remote chart** (`helm.repo` + `helm.chart`, or `helm.chart: oci://…`) through the chart fetcher
 *   (fleet-remote-chart.ts);
 * - a **chart** when `<helm.chart>/Chart.yaml` (default: `Chart.yaml`) is among the bundle's files:
 *   `helm template` of that folder as the bundle holds it, with the bundle's values, into its release and
 *   namespace (fleet-chart.ts);
 * - else **kustomize** when `<kustomize.dir>/kustomization.yaml` (default: `kustomization.yaml`) is:
 *   the kustomize build of that folder;
 * - else **raw YAML**: the files of the folder with `yaml.overlays` applied, and `templates/` as Helm
 *   templates (fleet-raw.ts, fleet-templates.ts).
 *
 * A chart (local or remote) is then run through kustomize when the bundle holds `<kustomize.dir>/kustomization.yaml`,
 * as the agent's Helm post-renderer does (fleet-post-render.ts).
 *
 * Then, as the agent's post-render does: `namespace` is set on every object of the release (a
 * cluster-scoped object is an error, as in Fleet: "consider using defaultNamespace"), and namespaced
 * objects without a namespace get `defaultNamespace` — the Helm release namespace Fleet installs into
 * (`namespace` when set). Helm hooks never reach the post-renderer: they keep their own namespace (the
 * release namespace when they set none), cluster-scoped ones included.
 */
export const fleetRenderer: Renderer = {
  name: 'fleet',
  async render(req: RenderRequest): Promise<RenderOutcome> {
    const { root, env, opts } = req;
    const fleet = env.fleet;
    if (!fleet) throw new RenderFailure({ kind: 'internal', message: `environment ${env.name} is a Fleet bundle without its options` });
    if (fleet.problem) throw new RenderFailure({ kind: 'config', ...fleet.problem });
    const where = { file: env.definedIn?.file, line: env.definedIn?.line };
    const { files } = await bundleFiles(root, env.path, fleet.valuesFiles);
    const chartDir = posix.normalize(fleet.helm?.chart ?? '.');
    const kustomizeDir = posix.normalize(fleet.kustomizeDir ?? '.');
    // Fleet's style check is by name among the bundle's resources, `filepath.Join(dir, file)` with a
    // leading `/` trimmed (rancher/fleet internal/bundlereader/style.go `joinAndClean`): `/chart` is the
    // bundle's `chart/`, and a chart or kustomize folder reached by `..` is never found — Fleet's bundle
    // holds the files of its folder only (src/discover/fleet-options.ts `fleetChartInBundle`).
    const has = (name: string) => files.has(posix.normalize(name).replace(/^\/+/, ''));

    let objects: RenderedObject[];
    if (fleet.helm?.remote) {
      objects = await renderRemoteFleetChart(req, fleet, where);
    } else if (has(posix.join(chartDir, 'Chart.yaml'))) {
      // The chart folder among the bundle's files (`./`, `/chart` and `chart/` as Fleet's joinAndClean reads them).
      const dir = posix.normalize(`./${chartDir}`).replace(/^\/+|\/+$/g, '') || '.';
      const path = posix.join(env.path, dir);
      inRepo(root, path, { ...where, field: 'helm.chart' });
      objects = await renderBundleChart(req, files, { dir, path }, fleet, where);
    } else if (has(posix.join(kustomizeDir, 'kustomization.yaml'))) {
      const path = posix.normalize(posix.join(env.path, kustomizeDir));
      await requireInsideBundle(root, env.path, path, where);
      const { fleet: _fleet, ...rest } = env;
      objects = await delegate(kustomizeRenderer, req, { ...rest, path, render: 'kustomize', namespace: undefined, kustomize: undefined }, path, where);
    } else {
      const raw = await rawBundle(root, files, fleet.overlays, opts);
      const templated = await renderBundleTemplates(root, raw.templates, { name: fleet.bundle, release: fleet.releaseName, namespace: fleet.defaultNamespace, values: fleet.helm?.values ?? {}, where }, opts, { env, counted: raw.objects.length });
      objects = [...templated, ...raw.objects];
    }
    const fromChart = fleet.helm?.remote !== undefined || has(posix.join(chartDir, 'Chart.yaml'));
    const postRenderDir = fromChart ? fleetPostRenderDir(files.keys(), fleet.kustomizeDir) : undefined;
    if (postRenderDir) objects = await postRenderFleetChart(req, files, postRenderDir, objects, where);
    // Fleet's post-renderer sees neither Helm's hooks nor a chart's crds/ (the objects of a chart's render
    // that are no template): Helm 3 splits off the hooks and installs crds/ apart before it runs.
    const postRendered = (r: RenderedObject) => !fleetHelmHook(r) && !(fromChart && r.helmTemplate !== true);
    const marked = withFleetCrds(objects, { fromChart, ...(fleet.deleteCRDResources ? { deleteCRDResources: true } : {}) }, postRendered);
    return { ok: true, objects: withNamespaces(marked, fleet, where, postRendered) };
  },
};

/**
 * The Fleet agent builds a kustomize bundle from the bundle's own files: an in-memory file system holding
 * its resources, LoadRestrictionsRootOnly (rancher/fleet internal/helmdeployer/kustomize/kustomize.go
 * `toFilesystem`, `kustomize`). A kustomization that reads anything outside the bundle folder (a base at
 * `../../base`) finds nothing there, and the bundle fails in Fleet — bosun fails it the same way rather
 * than preview a build Fleet cannot make.
 */
async function requireInsideBundle(root: string, bundleDir: string, kustomizeDir: string, where: { file?: string; line?: number }): Promise<void> {
  const tree = await walkKustomizeTree(root, kustomizeDir);
  const inside = (p: string) => bundleDir === '.' || p === bundleDir || p.startsWith(`${bundleDir}/`);
  // Named by folder: the model's inputs include the file names kustomize probes there.
  const folders = new Set([...[...(tree.inputs?.files ?? [])].map((f) => posix.dirname(f)), ...(tree.inputs?.dirs ?? [])].filter((p) => !inside(p)));
  const outside = [...folders].filter((d) => ![...folders].some((o) => o !== d && (o === '.' || d.startsWith(`${o}/`)))).sort();
  if (outside.length === 0) return;
  throw new RenderFailure({
    kind: 'render', tool: 'kustomize', ...where,
    message: `the kustomization in ${kustomizeDir} reads from ${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ` and ${outside.length - 3} more` : ''}, outside the bundle folder ${bundleDir}: Fleet's agent builds it from the bundle's own files only, so this bundle fails in Fleet. Keep what the kustomization reads inside ${bundleDir}, or make ${bundleDir === '.' ? 'the repository root' : 'a folder above it'} the bundle`,
  });
}

/** Another renderer on a sub-folder of the bundle, with the environment it would have had on its own. */
async function delegate(renderer: Renderer, req: RenderRequest, env: Environment, path: string, where: { file?: string; line?: number }): Promise<RenderedObject[]> {
  const dir = inRepo(req.root, path, { ...where, field: 'helm.chart' });
  const outcome = await renderer.render({ root: req.root, env, dir, opts: req.opts, renderEnvironment: req.renderEnvironment });
  if (!outcome.ok) throw new RenderFailure(outcome.error);
  return outcome.objects;
}

/**
 * Fleet's namespace rules after the render: `namespace` forced on the objects its post-renderer gets,
 * `defaultNamespace` where none is set. Helm hooks and a chart's crds/ never reach the post-renderer
 * (rancher/fleet internal/helmdeployer/postrender.go postRender.Run sees only the release manifest; helm
 * v3 pkg/action/action.go renderResources: hooks sorted out first, CRDObjects only with IncludeCRDs, which
 * the agent's install never sets), so `namespace` neither moves them nor forbids a cluster-scoped one;
 * Helm creates a namespaced hook without a namespace in the release namespace, `defaultNamespace` here.
 */
function withNamespaces(objects: RenderedObject[], fleet: FleetBundleRender, where: { file?: string; line?: number }, postRendered: (r: RenderedObject) => boolean): RenderedObject[] {
  const crdScopes = scopesOf(objects.map((r) => r.object));
  const namespaced = (o: KubeObject): boolean | undefined => isNamespacedKind(o.apiVersion, o.kind) ?? (crdScopes.has(`${groupOf(o.apiVersion)}/${o.kind}`) ? crdScopes.get(`${groupOf(o.apiVersion)}/${o.kind}`) !== 'Cluster' : undefined);
  return objects.map((rendered) => {
    const { object } = rendered;
    const scoped = namespaced(object);
    if (fleet.namespace && postRendered(rendered)) {
      if (scoped === false) {
        throw new RenderFailure({
          kind: 'render',
          ...(rendered.source ? { file: rendered.source.file, ...(rendered.source.line ? { line: rendered.source.line } : {}) } : where),
          message: `invalid cluster scoped object [name=${object.metadata?.name ?? ''} kind=${object.kind} apiVersion=${object.apiVersion}] found, consider using "defaultNamespace", not "namespace" in fleet.yaml (Fleet fails this bundle the same way)`,
        });
      }
      if (object.metadata?.namespace === fleet.namespace) return rendered;
      return { ...rendered, object: { ...object, metadata: { ...object.metadata, namespace: fleet.namespace } } };
    }
    // Helm puts a namespaced object that names none in the release namespace, the API server knowing its
    // scope: a custom kind whose CRD the bundle lacks is taken as namespaced unless it is a Cluster* kind
    // (default-namespace.ts scopeOf); the plan drops it again where the repository's CRD says Cluster.
    if (scopeOf(object, crdScopes) !== 'Cluster' && !object.metadata?.namespace) {
      return { ...rendered, object: { ...object, metadata: { ...object.metadata, namespace: fleet.defaultNamespace } } };
    }
    return rendered;
  });
}
