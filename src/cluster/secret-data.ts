import type { KubeObject } from '../model/object.ts';

/**
 * A Secret written with `stringData` is sent with those keys in `data` instead (base64 of their UTF-8,
 * each one over the same key in `data`, as the API server merges them). `stringData` is write-only: the
 * stored object never has it, so a server-side apply that sends it differs from what is stored every
 * time and rewrites the Secret — a new resourceVersion, a watch event and, for anything that reloads
 * Secrets, a rotation — on every apply. Sent as `data`, an unchanged Secret is not written at all.
 * A `stringData` value that is not a string is left for the API server to refuse in its own words.
 */
export function withSecretData(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || object.apiVersion !== 'v1') return object;
  const stringData = object.stringData;
  if (stringData === undefined || stringData === null) return object;
  if (typeof stringData !== 'object' || Array.isArray(stringData)) return object;
  const entries = Object.entries(stringData as Record<string, unknown>);
  if (!entries.every(([, v]) => typeof v === 'string')) return object;
  const existing = object.data;
  if (existing !== undefined && existing !== null && (typeof existing !== 'object' || Array.isArray(existing))) return object;
  const data: Record<string, unknown> = { ...(existing as Record<string, unknown> | undefined) };
  for (const [key, value] of entries) data[key] = Buffer.from(value as string, 'utf8').toString('base64');
  const { stringData: _written, ...rest } = object;
  return { ...rest, data };
}
