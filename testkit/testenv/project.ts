import { expect, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The vitest project (vitest.config.ts) whose global setup ran for this file. */
    testProject: 'unit' | 'cluster';
  }
}

/**
 * Throws when the running file belongs to the `unit` project: its global setup starts no test cluster, so
 * a suite that reaches for one is in the wrong project (missing from clusterSuites in vitest.config.ts).
 */
export function requireClusterProject(): void {
  if (inject('testProject') !== 'unit') return;
  const file = expect.getState().testPath ?? 'this file';
  throw new Error(
    `this suite needs the cluster project: ${file} uses the test Kubernetes cluster but runs in the unit project, ` +
      'which starts none. Add it to clusterSuites in vitest.config.ts (npm run test:cluster runs it)',
  );
}
