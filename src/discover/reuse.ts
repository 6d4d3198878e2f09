import { posix } from 'node:path';
import { repoConfigFiles } from '../config/load-repo-config.ts';
import { kustomizationFileNames } from './render-kind.ts';
import { gitOpsApiPattern } from './discover.ts';
import type { DiscoveryResult } from './types.ts';

/**
 * When one commit's discovery result is also the other's: a plan then discovers once (or not at all,
 * with a stored result) instead of at both commits. Deliberately narrow, because discovery reads more
 * than its YAML documents — an Argo CD ApplicationSet's git generators read any file, a HelmRelease its
 * chart and values, Fleet its `fleet.yaml` and overlays. The result is reused only when
 * - it holds nothing of those (`discoveryReadsOnlyObjects`): its environments come from `.bosun.yaml`,
 *   Flux Kustomizations or `clusters/<name>/` folders, whose discovery reads the YAML documents that
 *   mention a GitOps API group, `.bosun.yaml`, and which paths exist (folders, kustomization files,
 *   `Chart.yaml`, symlinks); and
 * - every changed path is a regular file at both commits (nothing added, deleted, or turned into a
 *   symlink: existence is all the rest of discovery looks at), named like none of the files discovery
 *   reads by name, at most 10 MB, mentioning no GitOps API group at either commit
 *   (`discoveryNeutralChange`).
 */
export function discoveryReadsOnlyObjects(result: DiscoveryResult): boolean {
  for (const env of result.environments) {
    if (!['config', 'flux', 'directory'].includes(env.source)) return false;
    if (env.helmRelease || env.fleet || env.producedBy || env.remoteChart || env.definedByFiles?.length) return false;
  }
  for (const note of result.notes) {
    if (riskyKinds.has(note.kind)) return false;
    if (note.apiVersion && !/^(kustomize|source)\.toolkit\.fluxcd\.io\//.test(note.apiVersion)) return false;
  }
  return true;
}

/** Kinds whose discovery reads files other than YAML documents with a GitOps API group. */
const riskyKinds: ReadonlySet<string> = new Set(['HelmRelease', 'HelmChart', 'Application', 'ApplicationSet', 'AppProject', 'Bundle', 'GitRepo', 'BundleDeployment']);

/** What discovery may read of one changed file, at the two commits (undefined: not a regular file there). */
export interface ChangedFileSides {
  path: string;
  before?: { text: string; size: number };
  after?: { text: string; size: number };
}

const maxBytes = 10 * 1024 * 1024;
const namedFiles: ReadonlySet<string> = new Set<string>([...repoConfigFiles, ...kustomizationFileNames, 'Chart.yaml', 'Chart.yml', 'fleet.yaml', 'fleet.yml', 'requirements.yaml']);
const valuesName = /(^|[-_.])values([-_.][\w.-]*)?\.ya?ml$/i;

/** Whether a change to this file cannot change what discovery finds (see above). */
export function discoveryNeutralChange(change: ChangedFileSides): boolean {
  const base = posix.basename(change.path);
  if (base.startsWith('.') || namedFiles.has(base) || valuesName.test(base)) return false;
  for (const side of [change.before, change.after]) {
    if (!side || side.size > maxBytes) return false;
    if (gitOpsApiPattern.test(side.text)) return false;
  }
  return true;
}
