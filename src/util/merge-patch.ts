/**
 * RFC 7386 JSON merge patch, as github.com/evanphx/json-patch MergePatch applies it — Argo CD's
 * ApplicationSet `templatePatch` and parameter override files, kustomize's merge of a kind it has no schema
 * for, Fleet's overlays: a mapping merges key by key, `null` removes a key, anything else replaces (copied).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMapping(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isMapping(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
