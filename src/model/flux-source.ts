/**
 * Where a Flux environment's files come from when that is not simply this repository's tree: the
 * artifact source-controller builds from a GitRepository of this repository (its `.spec.ignore`, the
 * repository's `.sourceignore` files, its `.spec.include`s of this same repository) and, for a
 * Kustomization that reads an `ExternalArtifact`, the copy operations of the ArtifactGenerator
 * (source-watcher) that builds it from that GitRepository. The render assembles the same folder
 * (src/render/flux-artifact.ts) and maps every file back to the repository file it was copied from.
 */
export interface FluxSourceSpec {
  /** What the environment reads, for messages: `GitRepository flux-system/flux-system`, `ExternalArtifact flux-system/apps`. */
  label: string;
  /** Repository files that define the source (GitRepository, ArtifactGenerator): inputs of the environment. */
  files: string[];
  /** The GitRepository's `.spec.ignore` (gitignore format). When set, or when `.sourceignore` files exist, only these rules and Git's own files are excluded (source-controller drops its default list then). */
  ignore?: string;
  /** `.sourceignore` files of the repository (source-controller loads every one, scoped to its folder). */
  sourceIgnoreFiles?: string[];
  /** `.spec.include` of a GitRepository of this same repository and branch: its `fromPath` copied to `toPath`. */
  includes?: Array<{ fromPath: string; toPath: string }>;
  /** The ArtifactGenerator's copy operations for this artifact, in order; `from` is relative to the GitRepository's artifact. */
  copy?: FluxCopyOperation[];
}

/** One ArtifactGenerator copy operation whose source alias is this repository. */
export interface FluxCopyOperation {
  /** The glob pattern after `@alias/`. */
  from: string;
  /** The destination after `@artifact/` (a trailing `/` means a folder; '' is the artifact root). */
  to: string;
  exclude?: string[];
  strategy?: 'Overwrite' | 'Merge';
  optional?: boolean;
}

/** Whether the environment's files must be assembled (copied) rather than read from the checkout as they are. */
export function needsAssembly(spec: FluxSourceSpec | undefined): boolean {
  if (!spec) return false;
  return spec.copy !== undefined || (spec.includes?.length ?? 0) > 0 || spec.ignore !== undefined || (spec.sourceIgnoreFiles?.length ?? 0) > 0;
}

/** One `postBuild.substituteFrom` entry: kustomize-controller reads it from the Kustomization's namespace. */
export interface SubstituteFromRef {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  namespace: string;
  /** A missing optional object is skipped; a missing required one fails the Kustomization. */
  optional: boolean;
}

// The Flux-only fields of an environment, declared beside their types (module augmentation keeps them out
// of the shared model file while every reader of Environment still sees them).
declare module './environment.ts' {
  interface Environment {
    /** Flux: how the files the Kustomization reads are assembled, when that is not the checkout as it is. */
    fluxSource?: FluxSourceSpec;
    /** Flux `postBuild.substituteFrom`, resolved at plan time from what the same cluster's environments apply (src/plan/substitute-from.ts). */
    substituteFrom?: SubstituteFromRef[];
    /**
     * Flux: the Kustomization object opts out of the postBuild substitution of the Kustomization that
     * applies it (`kustomize.toolkit.fluxcd.io/substitute: disabled`); without it, that parent's variables
     * are substituted into this object's `postBuild.substitute` values first (src/plan/substitute-from.ts).
     */
    substitutionDisabledByObject?: true;
    /** Flux `spec.commonMetadata`: labels and annotations set on every object kustomize-controller applies. */
    commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    /**
     * Flux: fields of the Kustomization object (its `spec.path`, `targetNamespace`, `sourceRef`…) hold `${…}`
     * that the Kustomization applying it substitutes with values discovery cannot know (from its
     * `postBuild.substituteFrom`), or cannot substitute at all: until the plan substitutes them
     * (src/plan/substitute-from.ts), the environment's fields are as written and it is not rendered.
     */
    fluxPending?: FluxPendingSubstitution;
  }
}

/** A Flux Kustomization object waiting for its applying Kustomization's variables (discover/flux-child-fields.ts). */
export interface FluxPendingSubstitution {
  /** The object as the applying build outputs it, before the substitution. */
  object: Record<string, unknown>;
  /** The fields that hold `${…}`, for notes: `spec.path`, `spec.targetNamespace`. */
  fields: string[];
  /** Why it cannot be substituted (two applying Kustomizations, a variable without value…): not previewed. */
  reason?: string;
}

/** Why an environment whose Kustomization object waits for its parent's variables is not previewed. */
export function pendingReason(pending: FluxPendingSubstitution): string {
  const fields = pending.fields.join(', ');
  return pending.reason
    ? `${fields} ${pending.fields.length === 1 ? 'holds' : 'hold'} \${…} that bosun cannot substitute: ${pending.reason}`
    : `${fields} ${pending.fields.length === 1 ? 'holds' : 'hold'} \${…} that the Kustomization applying it substitutes with values bosun did not resolve`;
}
