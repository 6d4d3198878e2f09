import type { KubeObject } from '../model/object.ts';
import type { JsonPath } from './jq-path.ts';

/**
 * Field paths a server-side-apply field manager owns, read from `metadata.managedFields` (FieldsV1: `f:`
 * fields, `k:{…}` list items by key, `v:…` set members, `i:n` indices, `.` the element itself). Used for
 * Argo CD's `ignoreDifferences.managedFieldsManagers`: gitops-engine (pkg/diff/internal/fieldmanager,
 * managedfields.Normalize) removes the fields those managers own from both the live and the desired
 * object, so what e.g. an HPA or a mutating controller writes is not a difference.
 */

type FieldSet = Record<string, unknown>;

/** One owned leaf, as FieldsV1 steps (`f:spec`, `k:{"name":"x"}`…), resolved against an object later. */
export type OwnedField = string[];

export function ownedFields(live: KubeObject, managers: readonly string[]): OwnedField[] {
  const entries = Array.isArray(live.metadata?.managedFields) ? (live.metadata.managedFields as unknown[]) : [];
  const out: OwnedField[] = [];
  for (const entry of entries) {
    if (!isRecord(entry) || typeof entry.manager !== 'string' || !managers.includes(entry.manager)) continue;
    if (!isRecord(entry.fieldsV1)) continue;
    // An explicit stack: the field set's depth is the object's, which the manifest's author chose.
    const stack: Array<{ set: FieldSet; prefix: string[] }> = [{ set: entry.fieldsV1, prefix: [] }];
    while (stack.length > 0) {
      const { set, prefix } = stack.pop()!;
      for (const [step, child] of Object.entries(set)) {
        if (step === '.') continue;
        const path = [...prefix, step];
        const children = isRecord(child) ? Object.keys(child).filter((k) => k !== '.') : [];
        if (children.length === 0) out.push(path);
        else stack.push({ set: child as FieldSet, prefix: path });
      }
    }
  }
  return out;
}

/** The concrete path of an owned field in `obj`, or undefined when `obj` does not have it. */
export function resolveOwned(obj: unknown, field: OwnedField): JsonPath | undefined {
  let node: unknown = obj;
  const path: JsonPath = [];
  for (const step of field) {
    const kind = step.slice(0, 2);
    const rest = step.slice(2);
    if (kind === 'f:') {
      if (!isRecord(node) || !(rest in node)) return undefined;
      path.push(rest);
      node = node[rest];
    } else if (kind === 'i:') {
      const i = Number(rest);
      if (!Array.isArray(node) || !Number.isInteger(i) || i < 0 || i >= node.length) return undefined;
      path.push(i);
      node = node[i];
    } else if (kind === 'k:' || kind === 'v:') {
      if (!Array.isArray(node)) return undefined;
      let wanted: unknown;
      try {
        wanted = JSON.parse(rest);
      } catch {
        return undefined;
      }
      const i = node.findIndex((item) => (kind === 'v:' ? same(item, wanted) : isRecord(item) && isRecord(wanted) && Object.entries(wanted).every(([k, v]) => same(item[k], v))));
      if (i < 0) return undefined;
      path.push(i);
      node = node[i];
    } else {
      return undefined;
    }
  }
  return path;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
