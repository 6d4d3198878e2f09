import { createHash } from 'node:crypto';
import { isBosunPruneDisabled } from '../model/apply-options.ts';
import type { KubeObject } from '../model/object.ts';

/** Which environment applied an object; prune only deletes objects that still carry it. */
export const environmentLabel = 'bosun.dev/environment';
/** What the environment belongs to (a repository or product name), so several bosun installs can share a cluster. */
export const partOfLabel = 'bosun.dev/part-of';
/** `bosun.dev/prune: disabled` keeps an object in the cluster when Git no longer has it (the plan reads it too: model/apply-options.ts). */
export { bosunPruneAnnotation as pruneAnnotation, bosunPruneDisabled as pruneDisabled } from '../model/apply-options.ts';
export const fieldManager = 'bosun';

/**
 * A valid label value (≤ 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends) for any name.
 * Environment names like `staging/apps` are not valid values; a rewritten name gets a short hash of the
 * original so two names that rewrite alike (`a/b`, `a.b`) still get different labels.
 */
export function labelValue(name: string): string {
  if (/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '.').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 63 - 9);
  return cleaned === '' ? hash : `${cleaned.replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
}

/**
 * A DNS-1123 subdomain fragment (lower-case alphanumerics and `-`) for object names derived from an
 * environment name, with the same hash rule as labelValue.
 */
export function nameFragment(name: string, max = 40): string {
  if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max - 9).replace(/-+$/, '');
  return cleaned === '' ? hash : `${cleaned}-${hash}`;
}

/** A copy of `obj` carrying bosun's ownership labels; everything else is left as Git has it. */
export function withOwnerLabels(obj: KubeObject, environment: string, partOf: string): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata = { ...copy.metadata, labels: { ...copy.metadata?.labels, [environmentLabel]: labelValue(environment), [partOfLabel]: labelValue(partOf) } };
  return copy;
}

export function isPruneDisabled(obj: KubeObject | undefined): boolean {
  return isBosunPruneDisabled(obj);
}
