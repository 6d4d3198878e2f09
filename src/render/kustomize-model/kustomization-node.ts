import type { ChartUse } from './fields.ts';
import type { InputSet } from './inputs.ts';
import type { InvalidKustomization } from './parse.ts';
import type { RefSite } from './repo-paths.ts';

/** One kustomization file, read once: what it and everything it reaches read, and what it says. */
export interface KustomizationNode {
  dir: string;
  /** Repo path of the kustomization file. */
  file: string;
  /** Every repository path this kustomization and all it reaches read: exactly what its build needs. */
  inputs: InputSet;
  /** Resource files and nested kustomizations, in the order kustomize meets them. */
  reads: Read[];
  /** Charts this file (and the plugin configs it lists) inflates. */
  charts: KustomizeChart[];
  /** This file or plugin config files it lists declare charts (kustomize then needs --enable-helm). */
  chartFiles: string[];
  /** The file asks for origin annotations itself (`buildMetadata: [originAnnotations]`). */
  keepsOriginAnnotations: boolean;
  /**
   * Its `buildMetadata` options. kustomize honours them only in the kustomization it builds (krusty
   * kustomizer.go Run: managedByLabel, then removal of origin / transformer annotations unless asked for;
   * target/kusttarget.go gives every nested kustomization the root's buildMetadata): a base's are ignored.
   */
  buildMetadata: string[];
  /** The file is not a readable kustomization: the renderer refuses it, affected detection is unsure. */
  invalid?: InvalidKustomization;
  /**
   * What the file says, as parsed once (its patches, namespace, name prefix…): for readers of fields that
   * name no file, such as Flux discovery's edits of the Kustomizations a build applies. Null for an empty
   * file; absent when `invalid`.
   */
  data?: Record<string, unknown> | null;
}

/** What a kustomization reads, in kustomize's order: a resource file, a nested kustomization, a folder of plugin configs. */
export type Read = { resource: string } | { kustomization: string } | { pluginFolder: string };

/** A chart a kustomization inflates (`helmCharts`, `helmChartInflationGenerator`, an inline or file HelmChartInflationGenerator), as data. */
export interface KustomizeChart extends Omit<ChartUse, 'at' | 'field' | 'inlineLine'> {
  /** Where it is declared: the kustomization or plugin config file, its line and field. */
  site: RefSite;
  /** Repo folder kustomize inflates it from (chartHome/name, or chartHome/name-version/name with a repo and version). */
  folder: string;
  /** Whether that folder is in the repository (kustomize would pull it from `repo` otherwise). */
  vendored: boolean;
}
