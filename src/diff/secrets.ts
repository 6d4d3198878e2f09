import type { KubeObject } from '../model/object.ts';
import { isSopsEncrypted, isSopsValue, withoutSopsMetadata } from '../model/sops.ts';
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

/**
 * Masks of SOPS-encrypted values (`ENC[AES256_GCM,…]`), after Flux's `**SOPS**`. SOPS keeps a value's
 * ciphertext when the value is unchanged, so a different ciphertext is a changed value.
 */
export const sopsMasks = {
  unchanged: '**SOPS** (value unchanged)',
  old: '**SOPS** (old value)',
  new: '**SOPS** (new value)',
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
  /** Either side held SOPS-encrypted values: `keys` lists them (by Secret key, or by field path elsewhere). */
  sops?: boolean;
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
  if (holdsSops(base) || holdsSops(head)) return maskSops(base, head);
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

// ---------------------------------------------------------------------------------------------------
// SOPS

/** A SOPS file's document, or any object carrying an encrypted value (never printed either way). */
function holdsSops(obj: KubeObject | undefined): boolean {
  return obj !== undefined && (isSopsEncrypted(obj) || hasSopsValue(obj));
}

function hasSopsValue(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSopsValue(node)) return true;
    if (Array.isArray(node)) stack.push(...node);
    else if (isPlainObject(node)) stack.push(...Object.values(node));
  }
  return false;
}

/** `data.password`, `spec.values.db[0].password`: where an encrypted value sits. */
function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * Every value of a SOPS object that the diff must not show, by key: a Secret's `data`/`stringData` keys
 * (what Secret reports name), elsewhere the field path of each encrypted value. The comparable is the
 * ciphertext for encrypted values and the decoded value for a Secret's plain ones.
 */
function sopsValues(obj: KubeObject): Map<string, { value: string; encrypted: boolean; set: (mask: string) => void }> {
  const out = new Map<string, { value: string; encrypted: boolean; set: (mask: string) => void }>();
  const secret = isSecret(obj);
  const stack: Array<{ node: unknown; path: string }> = [{ node: obj, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : isPlainObject(node) ? Object.entries(node) : [];
    for (const [key, value] of entries) {
      const at = fieldPath(path, key);
      const inSecretData = secret && (path === 'data' || path === 'stringData');
      const set = (mask: string): void => { (node as Record<string | number, unknown>)[key] = mask; };
      if (isSopsValue(value)) {
        out.set(inSecretData ? String(key) : at, { value, encrypted: true, set });
      } else if (inSecretData) {
        const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
        out.set(String(key), { value: path === 'data' ? Buffer.from(text, 'base64').toString('base64') : Buffer.from(text, 'utf8').toString('base64'), encrypted: false, set });
      } else if (typeof value === 'object' && value !== null) {
        stack.push({ node: value, path: at });
      }
    }
  }
  return out;
}

/**
 * Masks a SOPS-encrypted object (either side may be absent): the `sops` metadata block is dropped (Flux
 * drops it when it decrypts, and its MAC and date change on every edit), every encrypted value becomes a
 * `**SOPS**` mask and a Secret's plain values the usual `***` mask, so the diff shows which keys were
 * added, removed or changed and never a ciphertext or a value.
 */
function maskSops(base?: KubeObject, head?: KubeObject): MaskedSecrets {
  const strip = (obj: KubeObject | undefined): KubeObject | undefined => (obj === undefined ? undefined : structuredClone(isSopsEncrypted(obj) ? withoutSopsMetadata(obj) : obj));
  const b = strip(base);
  const h = strip(head);
  const before = b ? sopsValues(b) : new Map();
  const after = h ? sopsValues(h) : new Map();
  const keys: SecretKeyChanges = { added: [], removed: [], changed: [] };
  for (const [key, v] of after) {
    const old = before.get(key);
    if (old === undefined) keys.added.push(key);
    else if (old.value !== v.value) keys.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) keys.removed.push(key);
  keys.added.sort();
  keys.removed.sort();
  keys.changed.sort();
  const unchanged = (key: string): boolean => before.has(key) && after.has(key) && before.get(key)!.value === after.get(key)!.value;
  for (const [key, v] of before) {
    const masks = v.encrypted ? sopsMasks : secretMasks;
    v.set(unchanged(key) ? masks.unchanged : masks.old);
  }
  for (const [key, v] of after) {
    const masks = v.encrypted ? sopsMasks : secretMasks;
    v.set(unchanged(key) ? masks.unchanged : masks.new);
  }
  for (const obj of [b, h]) {
    const annotations = obj?.metadata?.annotations;
    if (isPlainObject(annotations)) {
      for (const key of noiseFields.annotations) if (key in annotations) annotations[key] = secretMasks.annotation;
    }
    // A malformed Secret data field (a string, a list) could still hold a value: never let it through.
    if (obj && isSecret(obj)) for (const field of ['data', 'stringData']) if (obj[field] !== undefined && obj[field] !== null && !isPlainObject(obj[field])) obj[field] = secretMasks.annotation;
  }
  return { base: b, head: h, keys, sops: true };
}
