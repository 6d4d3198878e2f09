/**
 * Discovery's running counts on one checkout, told to a hook as they grow: on a large repository one
 * side's discovery is tens of seconds of mostly synchronous work (listing folders, reading every YAML
 * file, reading what each Flux Kustomization builds), and the hook is the only way anything can be said
 * inside it. Pure: the hook (plan/progress.ts discoveryProgress) decides when a line is said.
 */
export interface DiscoveryCounts {
  /** Folders listed while looking for YAML files. */
  folders: number;
  /** YAML files to read, once the folders are listed (undefined before). */
  yamlFiles?: number;
  /** YAML files read. */
  files: number;
  /** Flux, Argo CD and Fleet objects seen in them. */
  objects: number;
  /** Environments made so far (by the sources that make many: Flux Kustomizations, Argo CD Applications). */
  environments: number;
  /** Environments whose inputs were read to find what they apply (Flux Kustomizations applying others, Argo CD app of apps). */
  walked: number;
}

/**
 * Told the counts after every folder, file, object and environment; says something when it decides to.
 * A returned promise is awaited where discovery can wait (between files, between environments): a
 * pause that lets the process's timers and I/O run — a job's lock renewal, a progress update on GitHub —
 * in the middle of a long synchronous walk.
 */
export type DiscoveryProgress = (counts: Readonly<DiscoveryCounts>) => void | Promise<void>;

/** The counts of one discovery, and its hook. */
export class DiscoveryTally {
  readonly counts: DiscoveryCounts = { folders: 0, files: 0, objects: 0, environments: 0, walked: 0 };

  private readonly hook?: DiscoveryProgress;

  constructor(hook?: DiscoveryProgress) {
    this.hook = hook;
  }

  /** Counts `n` more of `what`; the hook's pause, if it asks for one (await it where the caller can). */
  add(what: 'folders' | 'files' | 'objects' | 'environments' | 'walked', n = 1): void | Promise<void> {
    this.counts[what] += n;
    return this.hook?.(this.counts);
  }

  /** The YAML files found, once the folders are listed. */
  found(yamlFiles: number): void {
    this.counts.yamlFiles = yamlFiles;
  }
}
