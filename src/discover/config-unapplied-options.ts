import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoConfig } from '../config/schema.ts';
import { normalizeRepoPath } from '../config/to-environment.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import { detectRenderKind } from './render-kind.ts';

/**
 * `.bosun.yaml` options an environment sets that its render cannot apply: `kustomize:` on a folder that
 * renders as plain manifests or a Helm chart (there is no kustomization to put them on), `helm:` on one
 * that is not a chart. bosun renders the folder without them, so each is said in a note instead of being
 * dropped silently. Options the environment takes from `defaults` are not noted: defaults apply to the
 * environments they fit.
 */
export function unappliedOptionNotes(root: string, config: RepoConfig, file: string, lines: Array<number | undefined>): DiscoveryNote[] {
  const notes: DiscoveryNote[] = [];
  (config.environments ?? []).forEach((env, i) => {
    const kustomizeKeys = Object.keys(env.kustomize ?? {});
    const helmKeys = Object.keys(env.helm ?? {});
    if (kustomizeKeys.length === 0 && helmKeys.length === 0) return;
    const path = normalizeRepoPath(env.path);
    const abs = join(root, path);
    if (!(statSync(abs, { throwIfNoEntry: false })?.isDirectory() ?? false)) return; // the render says the path is wrong
    const render = env.render ?? config.defaults?.render ?? 'auto';
    const kind = render === 'auto' ? detectRenderKind(abs) : render;
    const as = kind === 'plain' ? 'a plain folder' : kind === 'helm' ? 'a Helm chart' : 'a kustomization';
    const note = (block: string, keys: string[], fix: string) => notes.push({
      status: 'info', kind: 'Environment', name: env.name, file, ...(lines[i] !== undefined ? { line: lines[i] } : {}), environments: [env.name],
      reason: `its \`${block}\` options (${keys.join(', ')}) are not applied: \`${path}\` renders as ${as}; ${fix}`,
    });
    if (kustomizeKeys.length > 0 && kind !== 'kustomize') note('kustomize', kustomizeKeys, 'they apply only to a kustomization: add a kustomization.yaml there, or remove them');
    if (helmKeys.length > 0 && kind !== 'helm') note('helm', helmKeys, 'they apply only to a Helm chart folder: remove them');
  });
  return notes;
}
