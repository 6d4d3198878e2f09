import type { Environment } from '../../src/model/environment.ts';

/** A complete Environment with the documented defaults, for renderer tests. */
export function environment(overrides: Partial<Environment> & { name: string; path: string }): Environment {
  return {
    source: 'config',
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
    ...overrides,
  };
}
