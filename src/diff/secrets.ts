import type { KubeObject } from '../model/object.ts';
import { noiseFields, isPlainObject } from './normalize.ts';

/**
 * Fixed masks: they carry no length, hash or fragment of the value, yet a diff of two masked Secrets
 * still shows which keys were added, removed or changed (changed keys get a different mask per side).
 */
export const secretMasks = {
  unchanged: '*** (value unchanged)',
  old: '*** (old value)',
  new: '*** (new value)',
  annotation: '*** (masked)',
} as const;

export interface SecretKeyChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface MaskedSecrets {
  base?: KubeObject;
  head?: KubeObject;
  keys: SecretKeyChanges;
}

export function isSecret(obj: KubeObject | undefined): boolean {
  return obj?.apiVersion === 'v1' && obj.kind === 'Secret';
}

/**
 * Masks every `data`/`stringData` value of a `v1 Secret` (either side may be absent, for creations and
 * deletions). Keys are compared by decoded value, so moving a key between `stringData` and `data` with
 * the same content counts as unchanged. Objects that are not Secrets are returned as given.
 */
export function maskSecrets(base?: KubeObject, head?: KubeObject): MaskedSecrets {
  const baseValues = isSecret(base) ? effectiveValues(base!) : undefined;
  const headValues = isSecret(head) ? effectiveValues(head!) : undefined;
  const keys: SecretKeyChanges = { added: [], removed: [], changed: [] };
  if (!baseValues && !headValues) return { base, head, keys };

  const before = baseValues ?? new Map<string, Buffer>();
  const after = headValues ?? new Map<string, Buffer>();
  for (const [key, value] of after) {
    const old = before.get(key);
    if (old === undefined) keys.added.push(key);
    else if (!old.equals(value)) keys.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) keys.removed.push(key);
  keys.added.sort();
  keys.removed.sort();
  keys.changed.sort();

  const unchanged = (key: string): boolean => {
    const a = before.get(key);
    const b = after.get(key);
    return a !== undefined && b !== undefined && a.equals(b);
  };
  return {
    base: baseValues ? maskObject(base!, (key) => (unchanged(key) ? secretMasks.unchanged : secretMasks.old)) : base,
    head: headValues ? maskObject(head!, (key) => (unchanged(key) ? secretMasks.unchanged : secretMasks.new)) : head,
    keys,
  };
}

/** What the API server would store: `data` decoded, overlaid by `stringData` (which wins on a clash). */
function effectiveValues(secret: KubeObject): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  if (isPlainObject(secret.data)) {
    for (const [key, value] of Object.entries(secret.data)) values.set(key, Buffer.from(asText(value), 'base64'));
  }
  if (isPlainObject(secret.stringData)) {
    for (const [key, value] of Object.entries(secret.stringData)) values.set(key, Buffer.from(asText(value), 'utf8'));
  }
  return values;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function maskObject(secret: KubeObject, maskFor: (key: string) => string): KubeObject {
  const copy = structuredClone(secret);
  for (const field of ['data', 'stringData']) {
    const map = copy[field];
    if (!isPlainObject(map)) {
      // A malformed data field (a string, a list) could still hold a value: never let it through.
      if (map !== undefined && map !== null) copy[field] = secretMasks.annotation;
      continue;
    }
    for (const key of Object.keys(map)) map[key] = maskFor(key);
  }
  // last-applied-configuration holds the whole Secret as JSON, values included.
  const annotations = copy.metadata?.annotations;
  if (isPlainObject(annotations)) {
    for (const key of noiseFields.annotations) {
      if (key in annotations) annotations[key] = secretMasks.annotation;
    }
  }
  return copy;
}
