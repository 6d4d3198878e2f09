import { posix } from 'node:path';
import { environmentDefaults, type Environment } from '../model/environment.ts';
import { normalizeRepoPath } from '../config/to-environment.ts';
import { resolveInRepo } from '../util/paths.ts';

/**
 * An ad-hoc environment for a folder named on the command line (`bosun render apps/web`). Value files
 * are relative to the chart folder, as in Argo CD. Paths outside the repository are refused.
 */
export function environmentForPath(root: string, path: string, valueFiles: string[] = []): Environment {
  const normal = normalizeRepoPath(path);
  resolveInRepo(root, normal, { field: 'path' });
  valueFiles.forEach((file, i) => resolveInRepo(root, posix.join(normal, file), { field: `values[${i}]` }));
  const env: Environment = { ...environmentDefaults, name: normal, source: 'path', path: normal, render: 'auto', dependsOn: [], requires: [] };
  if (valueFiles.length > 0) env.helm = { valueFiles: [...valueFiles] };
  return env;
}
