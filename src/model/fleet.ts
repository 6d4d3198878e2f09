/**
 * A Rancher Fleet bundle as deployed to one cluster: the bundle's options merged with the target
 * customization that cluster matched (rancher/fleet internal/cmd/controller/options/calculate.go `Merge`),
 * helm values templated for the cluster. Discovery resolves all of it; the renderer (src/render/fleet.ts)
 * only reads files. See docs/gitops-sources.md, "Rancher Fleet", for what each field models.
 */
export interface FleetBundleRender {
  /** The bundle's name in Fleet (or its folder when no GitRepo in the repository names it). */
  bundle: string;
  /**
   * The Helm release the Fleet agent installs the bundle as (every bundle is one, raw YAML and kustomize
   * included): `helm.releaseName`, else the bundle's name cut to 53 characters.
   */
  releaseName: string;
  /** `helm` options: present when fleet.yaml (or the customization) has a `helm` section or the bundle a chart. */
  helm?: FleetHelmRender;
  /** `kustomize.dir`, relative to the bundle folder. */
  kustomizeDir?: string;
  /** `yaml.overlays`: folders under `overlays/` applied in order to a raw-YAML bundle. */
  overlays: string[];
  /** `defaultNamespace` (Fleet's default: `default`): the namespace of namespaced objects that set none. */
  defaultNamespace: string;
  /** `namespace` (or the GitRepo's `targetNamespace`): forced on every object; a cluster-scoped one is an error. */
  namespace?: string;
  /**
   * `deleteCRDResources`: the agent's post-renderer then leaves out the `helm.sh/resource-policy: keep` it
   * otherwise sets on every CRD it gets (render/fleet-crds.ts), so Helm deletes such a CRD like any object.
   */
  deleteCRDResources?: true;
  /** `helm.valuesFiles`, relative to the bundle folder: merged into `helm.values` and never deployed themselves. */
  valuesFiles: string[];
  /**
   * A problem Fleet would fail this bundle on this cluster with (a values template, a missing values
   * file), found while resolving the options: the render fails with it, naming where it is.
   */
  problem?: { message: string; file?: string; line?: number; field?: string };
  /** Repository files besides `definedIn` that define the bundle on this cluster (its GitRepo). */
  definedBy: string[];
}

export interface FleetHelmRender {
  /** `helm.chart`, relative to the bundle folder; absent: a `Chart.yaml` in the bundle folder, if any. */
  chart?: string;
  /**
   * A remote chart, fetched by bosun's chart fetcher at render time (render/fleet-remote-chart.ts):
   * `helm.repo` + `helm.chart` (+ `helm.version`), or `helm.chart: oci://…` (+ `helm.version`).
   */
  remote?: { kind: 'repo'; repoUrl: string; chart: string; version?: string } | { kind: 'oci'; ref: string; version?: string };
  /** `helm.values` with `valuesFiles` merged over them, then the customization's, templated for the cluster. */
  values: Record<string, unknown>;
}
