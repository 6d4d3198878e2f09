import type { Environment } from './environment.ts';

/**
 * A Flux HelmRelease rendered as helm-controller would (render/helmrelease.ts): the HelmRelease is taken
 * from the render of the Kustomization environment that applies it (so that environment's patches,
 * targetNamespace and substitutions apply to it), then its chart is rendered with its values.
 */
export interface HelmReleaseTarget {
  /** The Flux Kustomization environment that applies the HelmRelease. */
  parent: Environment;
  name: string;
  /** As written in its file (the parent may set another). */
  namespace?: string;
  /** The HelmRelease document: file and line (how it is found in the parent's render). */
  file: string;
  line: number;
  /**
   * Where the chart comes from, as discovery resolved the source objects: a folder of this repository, or a
   * chart source the fetcher may fetch from (the chart name and version come from the rendered HelmRelease).
   */
  chart:
    | { kind: 'repository' }
    | { kind: 'helm-repository'; url: string; plainHttp?: boolean }
    | { kind: 'oci-repository'; url: string; tag?: string; semver?: string; digest?: string; plainHttp?: boolean };
  /**
   * For `spec.chartRef` to a HelmChart: that HelmChart's chart, version and values files, which stand in
   * for the HelmRelease's `spec.chart.spec`.
   */
  helmChart?: { chart: string; version?: string; valuesFiles?: string[]; ignoreMissingValuesFiles?: boolean };
  /**
   * What its render reads besides its Kustomization's inputs: the chart folder (a chart of this
   * repository), values files, the files defining its source objects and its valuesFrom ConfigMaps/Secrets.
   */
  inputs: { files: string[]; dirs: string[] };
  /**
   * Why its chart is not rendered (a source bosun may not fetch, a path leaving the repository…). Such an
   * environment exists only so that a plan whose other side renders it shows this instead of "every object
   * deleted" (plan/helmrelease-sides.ts); its render fails with this reason.
   */
  refused?: string;
  /** Repository files that define the ConfigMaps/Secrets `valuesFrom` names, by `Kind/name` (used when the parent's render lacks them). */
  valuesFromFiles: Record<string, string[]>;
}
