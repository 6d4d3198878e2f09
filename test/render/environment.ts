import { environmentDefaults } from '../../src/model/environment.ts';
import type { Environment } from '../../src/model/environment.ts';

/** A complete Environment with the documented defaults, for renderer tests. */
export function environment(overrides: Partial<Environment> & { name: string; path: string }): Environment {
  return { ...environmentDefaults, source: 'config', dependsOn: [], requires: [], ...overrides };
}
