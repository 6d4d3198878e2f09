import type { KubeObject } from '../model/object.ts';

/**
 * Fields that the server or a client tool writes and that say nothing about desired state. The change
 * diff drops them; the apply preview (live vs dry-run) reuses the same lists so both diffs agree on what
 * counts as noise.
 */
export const noiseFields = {
  /** Top-level fields owned by controllers. */
  topLevel: ['status'],
  metadata: ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink'],
  /** Annotations written by client tools; last-applied also holds a full copy of the object (Secret values included). */
  annotations: ['kubectl.kubernetes.io/last-applied-configuration'],
} as const;

/**
 * A copy of `obj` without noise, with empty `labels`/`annotations` removed and every map's keys sorted
 * (arrays keep their order), so two renders of the same desired state dump to identical YAML.
 */
export function normalize(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj) as Record<string, unknown>;
  for (const field of noiseFields.topLevel) delete copy[field];
  const metadata = copy.metadata;
  if (isPlainObject(metadata)) {
    for (const field of noiseFields.metadata) delete metadata[field];
    const annotations = metadata.annotations;
    if (isPlainObject(annotations)) {
      for (const key of noiseFields.annotations) delete annotations[key];
    }
    for (const field of ['annotations', 'labels']) {
      const value = metadata[field];
      if (value === null || (isPlainObject(value) && Object.keys(value).length === 0)) delete metadata[field];
    }
  }
  dropNullTemplateTimestamps(copy);
  return sortKeys(copy) as KubeObject;
}

/**
 * `kubectl create --dry-run -o yaml` and many charts emit `creationTimestamp: null` inside pod and job
 * templates; it is meaningless in desired state and would otherwise show up as a diff between tools.
 */
function dropNullTemplateTimestamps(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) dropNullTemplateTimestamps(item);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'metadata' && isPlainObject(child) && child.creationTimestamp === null) delete child.creationTimestamp;
    dropNullTemplateTimestamps(child);
  }
}

/** Deep copy with object keys in code-unit order; arrays keep their order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
