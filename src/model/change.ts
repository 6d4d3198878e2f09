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
}
