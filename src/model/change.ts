/** Risk classes, riskiest first. The order of this list is the report order. */
export const riskClasses = ['deletion-critical', 'deletion', 'rbac', 'image', 'replicas', 'other'] as const;
export type RiskClass = (typeof riskClasses)[number];

export interface Change {
  action: 'create' | 'update' | 'delete';
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  risk: RiskClass;
  /** Normalised unified diff, Secret values masked. */
  diff: string;
  /** For Secrets: which data/stringData keys were added, removed or changed. */
  secretKeys?: { added: string[]; removed: string[]; changed: string[] };
  /** Provenance of the head-side (or base-side for deletions) object. */
  file?: string;
  line?: number;
  /**
   * Set when this update is a kustomize generator's hash-suffix rename (`api-config-hf678c7m2b` →
   * `api-config-5t2m9b7k8h`): shown as one change of the generated object, though applying it creates
   * the new object and prune deletes the old one.
   */
  rename?: HashSuffixRename;
  /** Objects renamed by a hash suffix that this object now references by their new name. */
  renamedReferences?: RenamedReference[];
  /** True when those references are this object's only change. */
  referenceOnly?: boolean;
}

export interface HashSuffixRename {
  /** The base-side name. */
  from: string;
  /** The generator whose content hash renamed it: `ConfigMapGenerator` or `SecretGenerator`. */
  generator: string;
  /** Fields whose content changed, e.g. `data.LOG_LEVEL` (for Secrets the key names, never values). */
  changed: string[];
}

export interface RenamedReference {
  kind: string;
  /** The generator's name, without the hash suffix: `api-config`. */
  name: string;
  from: string;
  to: string;
}
