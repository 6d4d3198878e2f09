import type { ApplyPolicy } from './apply-options.ts';
import type { FleetBundleRender } from './fleet.ts';
import type { SourceRef } from './object.ts';
import type { RolloutOrder } from './rollout.ts';

/** Where an environment's definition came from. */
export type EnvironmentSource = 'config' | 'flux' | 'argocd' | 'fleet' | 'directory' | 'path';

/**
 * How an environment's path is rendered; 'auto' = decided from the folder's contents at render time;
 * 'fleet' = a Rancher Fleet bundle (raw YAML with overlays, kustomize or a chart, as `fleet` says).
 */
export type RenderKind = 'auto' | 'plain' | 'kustomize' | 'helm' | 'fleet';

export interface HelmOptions {
  releaseName?: string;
  /** Value files, relative to the chart folder (Argo CD `valueFiles` semantics). */
  valueFiles: string[];
  /** Inline values merged last (Argo CD `helm.values` / `valuesObject`). */
  values?: Record<string, unknown>;
  /** Argo CD `helm.skipCrds`: leave the chart's crds/ folder out (helm --skip-crds). */
  skipCrds?: boolean;
  /** Argo CD `helm.ignoreMissingValueFiles`: a value file that does not exist is skipped, not an error. */
  ignoreMissingValueFiles?: boolean;
  /** Argo CD `helm.fileParameters`: a value set to a file's content (helm --set-file), path relative to the chart folder. */
  fileParameters?: Array<{ name: string; path: string }>;
  /**
   * Argo CD `helm.parameters`: passed to helm as Argo CD passes them, `--set name=value` (`--set-string` with
   * `forceString`), after the inline values, so helm's own `--set` syntax applies (`hosts[0].name`, `a\.b`, `{x,y}`).
   */
  parameters?: Array<{ name: string; value: string; forceString: boolean }>;
  /** Argo CD `helm.namespace`: the release namespace helm templates with (`.Release.Namespace`), in place of the environment's. */
  namespace?: string;
  /** Argo CD `helm.kubeVersion`: `.Capabilities.KubeVersion` (helm --kube-version). */
  kubeVersion?: string;
  /** Argo CD `helm.apiVersions`: `.Capabilities.APIVersions`, in place of the destination cluster's (helm --api-versions). */
  apiVersions?: string[];
}

/** An API group and kind pattern of an AppProject list (globs, as Argo CD matches them). */
export interface GroupKindPattern {
  group: string;
  kind: string;
}

/**
 * An Argo CD AppProject's resource rules (spec.clusterResourceWhitelist / Blacklist,
 * namespaceResourceWhitelist / Blacklist, destinations), as written in `file`. An absent
 * namespaceResourceWhitelist allows every namespaced kind; an absent clusterResourceWhitelist allows no
 * cluster-scoped kind (AppProject.IsGroupKindPermitted).
 */
export interface ArgoProject {
  name: string;
  file: string;
  clusterResourceWhitelist: GroupKindPattern[];
  clusterResourceBlacklist: GroupKindPattern[];
  namespaceResourceWhitelist?: GroupKindPattern[];
  namespaceResourceBlacklist: GroupKindPattern[];
  /** Its destinations as written ('' for a field not set): where the Application and its namespaced objects may go. */
  destinations: ArgoProjectDestination[];
  /** `spec.sourceRepos`: the repositories its Applications may use (globs, `!` denies). */
  sourceRepos: string[];
  /** `spec.sourceNamespaces`: where else than Argo CD's namespace its Applications may live. */
  sourceNamespaces: string[];
  /**
   * Set on an environment's copy: the Application's destination (server and name as written) and why Argo CD
   * refuses the Application itself (discover/argocd-project.ts projectForApplication).
   */
  application?: { destination: { server: string; name: string }; refusals: string[] };
}

export interface ArgoProjectDestination {
  server: string;
  name: string;
  namespace: string;
}

/**
 * A chart an environment renders from a Helm repository or an OCI registry instead of a repository folder
 * (an Argo CD Application source with `chart` + `repoURL` + `targetRevision`), fetched by bosun's chart
 * fetcher at render time (render/argocd-remote-chart.ts).
 */
export interface RemoteChart {
  source: { kind: 'repo'; repoUrl: string; chart: string; version?: string } | { kind: 'oci'; ref: string; version?: string };
  /** Value files in order: `repo` paths are repository files (`$ref/…` of this repository), `chart` paths are inside the chart. */
  valueFiles: Array<{ from: 'repo' | 'chart'; path: string }>;
  /** Where the source is written, for errors: the field of its version (`spec.source.targetRevision`) and of its chart. */
  versionField: string;
  chartField: string;
  line?: number;
}

/**
 * How Argo CD reads a plain folder (an Application's `source.directory`): sub-folders only with `recurse`,
 * files filtered by `include` / `exclude` globs on their path below the folder, `*.jsonnet` evaluated.
 */
export interface DirectoryOptions {
  recurse: boolean;
  include?: string;
  exclude?: string;
  jsonnet?: JsonnetOptions;
}

export interface JsonnetOptions {
  /** `--ext-str` / `--ext-code` values. */
  extVars?: Array<{ name: string; value: string; code: boolean }>;
  /** Top-level arguments (`--tla-str` / `--tla-code`). */
  tlas?: Array<{ name: string; value: string; code: boolean }>;
  /** Library folders (repo paths), searched for imports after the source folder. */
  libs?: string[];
}

/** The GitOps object that produced an environment (an app-of-apps parent, an ApplicationSet). */
/** An Argo CD Application's deletion, as Argo CD carries it out (discover/argocd-removal.ts). */
export interface ArgoRemovalFacts {
  /** The Application's name. */
  app: string;
  /** What deletes the Application when a change stops producing it while its producer stays; absent: nothing does. */
  deletedBy?: string;
  /** Its deletion finalizer: deleting it deletes what it deployed. Absent: a non-cascading deletion. */
  finalizer?: string;
  /** `Delete=false` / `Delete=confirm` in its sync-options: a parent's cascading deletion leaves it in place. */
  deleteOption?: 'false' | 'confirm';
  /** The files and folders an ApplicationSet git generator found it by: its ApplicationSet stops generating it without them. */
  generatedFrom?: string[];
}

export interface ProducedBy {
  kind: 'Application' | 'ApplicationSet';
  name: string;
  /** The environment that renders it, for a child found in a parent's rendered output. */
  environment?: string;
  file?: string;
}

/**
 * A patch bosun's overlay applies: inline (`patch`), or a patch file (`path`, Argo CD `kustomize.patches[].path`)
 * relative to the environment path, where Argo CD's kustomize reads it (the kustomization of the source path).
 */
export type KustomizePatch =
  | { patch: string; target?: Record<string, unknown> }
  | { path: string; target?: Record<string, unknown> };

export interface KustomizeOptions {
  /** Flux `spec.patches` / Argo CD `kustomize.patches`, in order. */
  patches?: KustomizePatch[];
  namePrefix?: string;
  nameSuffix?: string;
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  /** Kustomize components, relative to the environment path (Flux `spec.components`, Argo CD `kustomize.components`). */
  components?: string[];
  /** Argo CD `kustomize.namespace`: rewrites the namespace of the rendered objects (kustomize `namespace:`). */
  namespace?: string;
  /** Argo CD `kustomize.replicas`: kustomize `replicas` entries. */
  replicas?: Array<{ name: string; count: number }>;
}

/**
 * One deployable unit: a path in the repo rendered to a set of objects for one target. Everything later
 * (affected detection, render, validate, diff, apply) works on this shape, whatever discovered it.
 */
export interface Environment {
  name: string;
  source: EnvironmentSource;
  /** Repo-relative folder (POSIX separators, no leading './'); '.' is the repo root. */
  path: string;
  /** The file (and line) that defines this environment: .bosun.yaml, a Flux Kustomization, an Argo Application. */
  definedIn?: SourceRef;
  render: RenderKind;
  /**
   * Namespace for namespaced objects. For Flux environments (`targetNamespace`) it is forced on every
   * namespaced object at render time; otherwise (Argo CD `destination.namespace`, config `namespace`) it
   * is the default for objects that set none, set on them at render time (render/default-namespace.ts) so
   * that the plan shows where they go, and again at apply time. A forced rewrite for other sources is
   * `kustomize.namespace`.
   */
  namespace?: string;
  /** Name in the server-side cluster registry; never credentials. */
  cluster?: string;
  prune: boolean;
  autoApply: boolean;
  selfHeal: boolean;
  dependsOn: string[];
  /** Gates for a pre-merge `/bosun apply` (`approved`, `mergeable`, `up-to-date`). */
  requires: string[];
  /** Allow a pre-merge `/bosun apply`. */
  allowPreMergeApply: boolean;
  /** Force server-side apply on field-manager conflicts. Off by default. */
  forceConflicts: boolean;
  /** Allow prune when the render comes out empty. */
  allowEmpty: boolean;
  /** Seconds to wait for health after apply. */
  healthTimeoutSeconds: number;
  /** Seconds between drift reconciles. */
  reconcileIntervalSeconds: number;
  requireMatchingPlan: boolean;
  helm?: HelmOptions;
  kustomize?: KustomizeOptions;
  /** Argo CD directory options for a plain folder; absent for other sources (every file, recursively). */
  directory?: DirectoryOptions;
  /**
   * Argo CD: the revision this environment follows when it is not the branch the change merges into (a
   * tag, another branch, a commit): a change to that branch does not change what it deploys.
   */
  pinned?: string;
  /** Argo CD: the parent Application (app of apps) or ApplicationSet that produces this environment. */
  producedBy?: ProducedBy;
  /** Repository files besides `definedIn` whose content defines the environment (an ApplicationSet git files generator's file). */
  definedByFiles?: string[];
  /**
   * When this environment disappears, what it deployed stays in the cluster, and why (an ApplicationSet
   * with `preserveResourcesOnDeletion`: its generated Applications carry no resources finalizer; an Argo CD
   * Application without the resources finalizer, or that nothing deletes: discover/argocd-removal.ts).
   * The plan shows no deletions for it and a merge queues no prune.
   */
  keepObjectsOnRemoval?: string;
  /**
   * Argo CD: when this environment disappears, why Argo CD deletes what it deployed (the resources
   * finalizer, and what deletes the Application). Absent for other sources: their objects are deleted.
   */
  deleteObjectsOnRemoval?: string;
  /** Argo CD: what those verdicts rest on, for a change that also removes what produces it (discover/argocd-removal.ts). */
  argocdRemoval?: ArgoRemovalFacts;
  /** A Rancher Fleet bundle on this environment's cluster (render 'fleet'). */
  fleet?: FleetBundleRender;
  /** A chart fetched from a Helm repository or OCI registry, rendered with `helm` options (path is then unused). */
  remoteChart?: RemoteChart;
  /** Argo CD: the Application's AppProject when this repository defines it: what it lets the Application deploy. */
  argocdProject?: ArgoProject;
  /**
   * Argo CD: the config management plugin that renders this source (`source.plugin.name`, '' when the
   * Application names none and Argo CD picks one by its discovery rules). bosun cannot run it: the render is
   * not previewed (render/argocd-plugin.ts), never bosun's own reading of the folder.
   */
  argocdPlugin?: string;
  /** A Flux HelmRelease rendered from its parent Kustomization's output (see HelmReleaseTarget). */
  helmRelease?: HelmReleaseTarget;
  /** Flux `postBuild.substitute`: ${VAR} substitution applied after the build. */
  substitute?: Record<string, string>;
  /** How a missing schema is treated for this environment. */
  missingSchema: 'warn' | 'error';
  /**
   * The Kubernetes version ("1.<minor>") the environment runs, when its configuration says so; otherwise
   * the cluster registry's, the live cluster's, or the default (model/kubernetes-version.ts) applies.
   */
  kubernetesVersion?: string;
  /** How the cluster engine applies it beyond the defaults (sync options, hooks and waves, ignored differences). */
  apply?: ApplyPolicy;
  /** Argo CD: its step in the progressive sync (RollingSync) of the ApplicationSet that generates it. */
  rollout?: RolloutOrder;
}

/**
 * A Flux HelmRelease rendered as helm-controller would (render/helmrelease.ts): the HelmRelease is taken
 * from the render of the Kustomization environment that applies it (so that environment's patches,
 * targetNamespace and substitutions apply to it), then its chart is rendered with its values. In this
 * file because it and Environment name each other (its parent, an environment's `helmRelease`).
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
  /**
   * For a chart of this repository: when source-controller builds a new chart artifact — `ChartVersion`
   * (its default: only when Chart.yaml's version changes) or `Revision` (every commit); from
   * `spec.chart.spec.reconcileStrategy` or the chartRef HelmChart's `spec.reconcileStrategy`.
   */
  reconcileStrategy?: 'ChartVersion' | 'Revision';
  /** For a chart of this repository: the repository files its `valuesFiles` name (its own and its patches'), packaged into the chart artifact. */
  chartValuesFiles?: string[];
}

export const environmentDefaults = {
  render: 'auto',
  prune: true,
  autoApply: true,
  selfHeal: false,
  dependsOn: [],
  requires: [],
  allowPreMergeApply: false,
  forceConflicts: false,
  allowEmpty: false,
  healthTimeoutSeconds: 300,
  reconcileIntervalSeconds: 600,
  requireMatchingPlan: false,
  missingSchema: 'warn',
} as const satisfies Partial<Environment>;

/** What `.bosun.yaml` `defaults` may give every environment that does not set it, as Environment fields. */
export type EnvironmentSettingDefaults = Partial<
  Pick<
    Environment,
    | 'cluster'
    | 'namespace'
    | 'prune'
    | 'autoApply'
    | 'selfHeal'
    | 'requires'
    | 'allowPreMergeApply'
    | 'forceConflicts'
    | 'allowEmpty'
    | 'healthTimeoutSeconds'
    | 'reconcileIntervalSeconds'
    | 'requireMatchingPlan'
    | 'missingSchema'
    | 'kubernetesVersion'
  >
>;

/**
 * Where a discovered environment (Flux, Argo CD, Fleet, clusters/<name>/) starts: the built-in
 * defaults with the repository's `defaults` over them. The source then sets what its object says, so
 * what the object says wins and what it leaves out follows `defaults`. Fresh arrays on every call.
 */
export function discoveredEnvironmentBase(defaults: EnvironmentSettingDefaults = {}) {
  return { ...environmentDefaults, ...defaults, dependsOn: [] as string[], requires: [...(defaults.requires ?? environmentDefaults.requires)] };
}

/** The registry cluster an environment targets: its `cluster`, else its name. */
export function clusterNameOf(env: Pick<Environment, 'cluster' | 'name'>): string {
  return env.cluster ?? env.name;
}
