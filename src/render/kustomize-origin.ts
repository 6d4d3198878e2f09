import { realpathSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../model/object.ts';

/**
 * Kustomize's `buildMetadata: [originAnnotations]` records on every object where it came from: the file
 * of a resource (`path`), or the kustomization whose generator made it (`configuredIn`), relative to the
 * kustomization that was built. bosun always builds through its own overlay with this switched on, reads
 * the annotation for provenance and removes it again, so the desired state is what the user wrote — unless
 * the environment's kustomization asks for it itself (rebasedBuildAnnotations below).
 */
export const originAnnotation = 'config.kubernetes.io/origin';

/** `buildMetadata: [transformerAnnotations]`: the transformers that changed an object, each with its `configuredIn`. */
export const transformationsAnnotation = 'alpha.config.kubernetes.io/transformations';

export interface Origin {
  path?: string;
  configuredIn?: string;
  /** For a generated object, the generator: `{ apiVersion: builtin, kind: ConfigMapGenerator }`. */
  configuredBy?: { apiVersion?: string; kind?: string };
  repo?: string;
}

export function readOrigin(object: KubeObject): Origin | undefined {
  const text = object.metadata?.annotations?.[originAnnotation];
  if (typeof text !== 'string') return undefined;
  try {
    const value = parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Origin) : undefined;
  } catch {
    return undefined;
  }
}

/** A copy of the object without the origin annotation (and without `annotations` if that was all). */
export function withoutOrigin(object: KubeObject): KubeObject {
  const annotations = object.metadata?.annotations;
  if (!annotations || !(originAnnotation in annotations)) return object;
  const rest = { ...annotations };
  delete rest[originAnnotation];
  const metadata = { ...object.metadata };
  if (Object.keys(rest).length > 0) metadata.annotations = rest;
  else delete metadata.annotations;
  return { ...object, metadata };
}

/** The repo path an origin path (relative to the built kustomization folder) points at, if inside the repo. */
export function originRepoPath(originPath: string, builtDir: string, root: string): string | undefined {
  const abs = resolve(builtDir, originPath);
  const roots = [root];
  try {
    roots.push(realpathSync(root));
  } catch {
    // root vanished: nothing to match against but the path as given
  }
  for (const r of roots) {
    const rel = relative(r, abs);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return undefined;
}

/**
 * The object as the user's own kustomization would have annotated it when it asks for origin (or
 * transformer) annotations itself: kustomize writes `path:` and `configuredIn:` relative to the folder it
 * builds, and bosun built its overlay in a temporary folder, so the paths are rewritten from `overlayDir` to
 * `rootDir` (the overlay's own kustomization file becomes `rootFile`, the user's). Left as built, they named
 * the temporary folder: a new path on every render, so every object changed in every plan.
 */
export function rebasedBuildAnnotations(object: KubeObject, overlayDir: string, rootDir: string, rootFile: string): KubeObject {
  const annotations = object.metadata?.annotations;
  if (!annotations) return object;
  const overlayFile = resolve(overlayDir, 'kustomization.yaml');
  const rebase = (value: string): string => {
    if (/^["'{[]/.test(value)) return value;
    const abs = resolve(overlayDir, value);
    if (abs === overlayFile) return basename(rootFile);
    return relative(rootDir, abs).split(sep).join('/');
  };
  let changed = false;
  const next = { ...annotations };
  for (const key of [originAnnotation, transformationsAnnotation]) {
    const text = annotations[key];
    if (typeof text !== 'string') continue;
    next[key] = text.replace(/^(\s*(?:- )?(?:path|configuredIn): )(.+)$/gm, (_m, head: string, value: string) => head + rebase(value));
    changed ||= next[key] !== text;
  }
  return changed ? { ...object, metadata: { ...object.metadata, annotations: next } } : object;
}
