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
  const copy = sortKeys(obj) as Record<string, unknown>;
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
  return copy as KubeObject;
}

/**
 * `kubectl create --dry-run -o yaml` and many charts emit `creationTimestamp: null` inside pod and job
 * templates; it is meaningless in desired state and would otherwise show up as a diff between tools.
 * The walks in this file are loops, not recursion: their depth is whatever the manifest's author chose.
 */
function dropNullTemplateTimestamps(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (Array.isArray(next)) {
      for (const item of next) stack.push(item);
    } else if (isPlainObject(next)) {
      for (const [key, child] of Object.entries(next)) {
        if (key === 'metadata' && isPlainObject(child) && child.creationTimestamp === null) delete child.creationTimestamp;
        stack.push(child);
      }
    }
  }
}

/** Deep copy with object keys in code-unit order; arrays keep their order. */
export function sortKeys(value: unknown): unknown {
  const stack: Array<{ from: unknown[] | Record<string, unknown>; to: unknown[] | Record<string, unknown> }> = [];
  // Containers are created empty and filled when popped, so each level costs a stack entry, not a call.
  const copyOf = (v: unknown): unknown => {
    if (!Array.isArray(v) && !isPlainObject(v)) return v;
    const to = Array.isArray(v) ? [] : {};
    stack.push({ from: v, to });
    return to;
  };
  const root = copyOf(value);
  while (stack.length > 0) {
    const { from, to } = stack.pop()!;
    if (Array.isArray(from)) {
      for (const item of from) (to as unknown[]).push(copyOf(item));
    } else {
      for (const key of Object.keys(from).sort()) (to as Record<string, unknown>)[key] = copyOf(from[key]);
    }
  }
  return root;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
