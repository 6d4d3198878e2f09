// The shape of .cache/schemas/builtin.json, which the schema generator writes and the validator reads.

export interface GeneratedKind {
  /** Definition name in `definitions` (a @kubernetes/client-node model name, e.g. V1Deployment). */
  ref: string;
  /** Unknown for kinds that have no create endpoint of their own (Scale, Eviction…). */
  namespaced?: boolean;
}

/** A JSON schema (draft-07) node. */
export type JsonSchema = Record<string, unknown>;

export interface GeneratedSchemas {
  stamp: string;
  /** Kubernetes minor version the models were generated from, e.g. "1.34". */
  kubernetesVersion: string;
  /** API groups served by that version ('' is the core group). */
  groups: string[];
  /** `apps/v1/Deployment` → kind. */
  kinds: Record<string, GeneratedKind>;
  /** `apps/v1beta1/Deployment` → apiVersion to use instead ('' when the kind was removed outright). */
  removed: Record<string, string>;
  /** Custom resources of the GitOps ecosystem, from the `@kubernetes-models/*` packages (ecosystem-definitions.ts). */
  ecosystem: EcosystemSchemas;
  /** JSON schemas (draft-07), `$ref`s as `#/definitions/<name>`. */
  definitions: Record<string, JsonSchema>;
}

export interface EcosystemProject {
  /** Short id, e.g. `flux`. */
  id: string;
  /** Display name, e.g. `Flux`. */
  project: string;
  package: string;
  version: string;
  /** Which upstream release the package was generated from. */
  upstream: string;
  groups: string[];
  kinds: number;
  /** How to move off removed versions, when the project has a tool for it. */
  hint?: string;
}

export interface EcosystemGap {
  project: string;
  groups: string[];
  why: string;
}

export interface EcosystemSchemas {
  projects: EcosystemProject[];
  /** Projects no package describes, named so that their objects' warnings can say so. */
  gaps: EcosystemGap[];
  /** `cert-manager.io/v1/Certificate` → definition name and project id. */
  kinds: Record<string, { ref: string; project: string }>;
  /** `helm.toolkit.fluxcd.io/v2beta1/HelmRelease` → the release that stopped serving it. */
  removed: Record<string, { since: string; use?: string; project: string }>;
}
