import { readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseDocument } from 'yaml';
import { BosunError } from '../model/errors.ts';
import { isRecord } from './object-fields.ts';
import { mergePatch } from '../util/merge-patch.ts';
import { resolveInRepo } from '../util/paths.ts';

/**
 * Argo CD's parameter override files: before rendering a source, the repo server merges
 * `.argocd-source.yaml` and then `.argocd-source-<app>.yaml` from the source folder into the source as JSON
 * merge patches (RFC 7386), keeping `chart`, `path`, `repoURL` and `targetRevision` as the Application writes
 * them (reposerver/repository/repository.go mergeSourceParameters, called by GetAppSourceType for every
 * source, so for each source of a multi-source Application). `<app>` is the Application's instance name
 * (`Application.InstanceName`): its name when it lives in Argo CD's own namespace, else `<namespace>_<name>`.
 * Argo CD Image Updater's git write-back writes these files (`helm.parameters`, `kustomize.images`).
 */
export const repoOverrideFile = '.argocd-source.yaml';

/** The namespace Argo CD is usually installed in: Applications there are known by their bare name. */
const controlPlaneNamespace = 'argocd';

export interface SourceOverrides {
  /** The source Argo CD renders: the Application's, with the override files merged in. */
  source: unknown;
  /** The override files that exist (repository paths), in the order they were merged. */
  files: string[];
  /** What bosun had to assume, said out loud. */
  notes: string[];
}

/** Argo CD's `Application.InstanceName`: the name in Argo CD's own namespace, else `<namespace>_<name>`. */
export function argocdInstanceName(name: string, namespace: string | undefined): string {
  return namespace === undefined || namespace === controlPlaneNamespace ? name : `${namespace}_${name}`;
}

/** The per-Application override file's name for an Application `name` in `namespace`. */
export function appOverrideFile(name: string, namespace: string | undefined): string {
  return `.argocd-source-${argocdInstanceName(name, namespace)}.yaml`;
}

/** `source` with the override files of its folder `path` (a repository path) merged in, as Argo CD's repo server merges them. */
export function withSourceOverrides(root: string, path: string, name: string, namespace: string | undefined, source: unknown): SourceOverrides {
  const own = appOverrideFile(name, namespace);
  const files: string[] = [];
  const notes: string[] = [];
  let merged: unknown = source;
  for (const file of [repoOverrideFile, own].map((f) => (path === '.' ? f : posix.join(path, f)))) {
    if (!statSync(join(root, file), { throwIfNoEntry: false })?.isFile()) continue;
    // A symlink leaving the repository is not read (discovery notes it; the folder's render refuses it by name).
    if (leavesRepository(root, file)) continue;
    files.push(file);
    const patch = readPatch(root, file);
    // An empty file patches nothing.
    if (patch !== null && patch !== undefined) merged = mergePatch(merged, patch);
  }
  if (namespace !== undefined && namespace !== controlPlaneNamespace) {
    const bare = path === '.' ? `.argocd-source-${name}.yaml` : posix.join(path, `.argocd-source-${name}.yaml`);
    if (statSync(join(root, bare), { throwIfNoEntry: false })?.isFile()) {
      notes.push(`${bare} is not merged: Argo CD reads the override file of an Application outside its own namespace (\`${controlPlaneNamespace}\` assumed) as ${own}`);
    }
  }
  if (files.length === 0) return { source, files, notes };
  // Only the config management fields may be overridden; where the source comes from stays as written.
  const out = isRecord(merged) ? { ...merged } : {};
  for (const key of ['chart', 'path', 'repoURL', 'targetRevision']) {
    const kept = isRecord(source) ? source[key] : undefined;
    if (kept === undefined) delete out[key];
    else out[key] = kept;
  }
  return { source: out, files, notes };
}

function leavesRepository(root: string, file: string): boolean {
  try {
    resolveInRepo(root, file);
    return false;
  } catch (e) {
    if (e instanceof BosunError) return true;
    throw e;
  }
}

function readPatch(root: string, file: string): unknown {
  const doc = parseDocument(readFileSync(join(root, file), 'utf8'));
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    throw new BosunError({
      kind: 'render',
      file,
      line: error.linePos?.[0].line,
      message: `Argo CD cannot read this parameter override file (${error.message.split('\n')[0]}), so it fails to render the Application; fix the YAML`,
    });
  }
  return doc.toJS() as unknown;
}

