import type { ChartFetcher } from '../charts/index.ts';
import type { InventoryGroup } from '../model/cluster-inventory.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment, EnvironmentSettingDefaults, EnvironmentSource } from '../model/environment.ts';
import type { DiscoveryProgress, DiscoveryTally } from './discovery-progress.ts';
import type { RepoYaml } from './repo-yaml.ts';

export interface DiscoverOptions {
  /** URLs this repository is known by (clone URL, html URL, ssh URL). Matches Argo CD `repoURL` and Flux `GitRepository.spec.url`. */
  repoUrls?: string[];
  /**
   * The branch the change is planned against (a pull request's base), when known: an Argo CD
   * `targetRevision` or Flux `GitRepository` ref naming another one gets a note.
   */
  branch?: string;
  /**
   * The repository's default branch, when known: what an Argo CD `targetRevision: HEAD` (or none) and an
   * ApplicationSet git generator's `revision: HEAD` follow. When it is not `branch` (a pull request into a
   * release branch), such sources are pinned: the change does not reach them.
   */
  defaultBranch?: string;
  /**
   * The clusters of bosun's cluster registry, by name and labels (never credentials): what an Argo CD
   * ApplicationSet clusters generator lists. Absent when no registry was given.
   */
  clusters?: DiscoveryClusters;
  /** The chart fetcher's policy, for HelmReleases (and other sources) whose chart is remote; absent: none is fetched. */
  charts?: ChartDecider;
  /**
   * Fetches the chart of an Argo CD Application whose source is a Helm repository or OCI registry, so an app
   * of apps through a fetched chart is expanded as one of this repository is: the chart rendered, the
   * Applications it renders taken in (source-argocd.ts). Absent: such a chart's Applications are not expanded.
   */
  fetchCharts?: ChartFetcher;
  /**
   * Keep HelmRelease environments whose chart is not rendered (`helmRelease.refused`): a plan needs them
   * where the other side renders the release (plan/helmrelease-sides.ts). Left out otherwise.
   */
  keepRefusedReleases?: boolean;
  /** Told discovery's counts as it walks (discovery-progress.ts): progress lines on a large repository. */
  progress?: DiscoveryProgress;
}

/** Registered clusters as discovery may know them (structurally the registry's inventory, model/cluster-inventory.ts). */
export interface DiscoveryClusters {
  /** `server`: the API URL an Argo CD cluster secret would carry (registry `server:`), matched by `destination.server`. */
  clusters: Array<{ name: string; labels: Record<string, string>; annotations?: Record<string, string>; server?: string }>;
  /** The registry's cluster groups (Rancher Fleet targets `clusterGroup` / `clusterGroupSelector` select by them). */
  groups?: InventoryGroup[];
}

/**
 * Whether a chart source may be fetched (charts/fetch-chart.ts ChartFetcher.decide): a HelmRelease whose
 * chart comes from a Helm repository or an OCI registry is an environment only when it may.
 */
export interface ChartDecider {
  decide(url: string): Promise<{ allowed: true } | { allowed: false; reason: string }>;
}

export interface DiscoveryResult {
  environments: Environment[];
  /**
   * What a user should know: every GitOps object seen and not turned into an environment (with why),
   * what bosun cannot preview, fallbacks taken. `noteText` (notes.ts) gives the one-line form for logs.
   */
  notes: DiscoveryNote[];
}

export interface DiscoveryContext {
  /** The checkout folder. */
  root: string;
  repoUrls?: string[];
  branch?: string;
  defaultBranch?: string;
  clusters?: DiscoveryClusters;
  charts?: ChartDecider;
  fetchCharts?: ChartFetcher;
  /** Kubernetes-style YAML documents of the repository, scanned once per discovery and shared by sources. */
  repoYaml(): Promise<RepoYaml>;
  /**
   * `.bosun.yaml` `defaults` (when it has them): a discovered environment takes each setting its object
   * does not set from here (start from `discoveredEnvironmentBase(ctx.defaults)`).
   */
  defaults?: EnvironmentSettingDefaults;
  /** This discovery's running counts (files read, objects seen, environments made), told to its progress hook. */
  tally?: DiscoveryTally;
}

/**
 * One way of finding environments. Sources are tried in tiers (see discover.ts); adding another
 * (ApplicationSets, HelmReleases…) is a new file and an entry in the tier list.
 */
export interface DiscoverySource {
  readonly name: EnvironmentSource;
  discover(ctx: DiscoveryContext): Promise<DiscoveryResult>;
}

/**
 * Which repository files an environment's render reads, as repo-relative POSIX paths. `files` may
 * name files that do not exist yet when creating them would change the render (a second kustomization
 * file, say). `unsure` says why static analysis cannot be trusted: such an environment is always rendered.
 */
export interface EnvInputs {
  files: string[];
  /** Folders whose whole subtree counts. '.' is the whole repository. */
  dirs: string[];
  unsure?: string;
}
