import type { IgnoreDifferenceRule } from '../model/apply-options.ts';
import { groupOf } from '../model/object.ts';
import type { FleetComparePatch } from './fleet-yaml.ts';

/**
 * A bundle's `diff.comparePatches` as the fields bosun's apply preview and drift check leave out
 * (ApplyPolicy.ignoreDifferences), the way the Fleet agent normalises an object before it calls it
 * modified (rancher/fleet internal/cmd/agent/deployer/desiredset/diff.go `newNormalizers`):
 *
 * - `jsonPointers` go to Argo CD's ignore normaliser: group (from `apiVersion`) and kind, name and
 *   namespace where given (absent: any);
 * - each `operations` entry is a JSON patch run on both the live and the desired object of exactly that
 *   `apiVersion`, kind, name and namespace (an absent namespace matches only a cluster-scoped object).
 *   `remove` takes the path out of both sides, `replace` writes the same value into both: either way the
 *   path no longer differs, so both are ignored paths. `add`, `move`, `copy` and `test` are not modelled
 *   (noted; those fields are compared as usual), and `ignore` (leave the whole object out) is noted too.
 *
 * Pure: `notes` say what is not modelled, each naming the entry.
 */
export function comparePatchRules(patches: readonly FleetComparePatch[]): { rules: IgnoreDifferenceRule[]; notes: string[] } {
  const rules: IgnoreDifferenceRule[] = [];
  const notes: string[] = [];
  patches.forEach((patch, i) => {
    const what = `diff.comparePatches[${i}] (${[patch.apiVersion, patch.kind, patch.namespace ? `${patch.namespace}/${patch.name ?? ''}` : patch.name].filter(Boolean).join(' ')})`;
    const identity = {
      ...(patch.apiVersion ? { group: groupOf(patch.apiVersion) } : {}),
      ...(patch.kind ? { kind: patch.kind } : {}),
      ...(patch.name ? { name: patch.name } : {}),
      ...(patch.namespace ? { namespace: patch.namespace } : {}),
    };
    const pointers = patch.jsonPointers.filter((p) => {
      if (p.startsWith('/')) return true;
      notes.push(`${what}: jsonPointers entry "${p}" is not a JSON pointer (it must start with "/"); that field is compared as usual`);
      return false;
    });
    if (pointers.length > 0) rules.push({ ...identity, jsonPointers: pointers });

    const paths: string[] = [];
    patch.operations.forEach((op, j) => {
      const at = `${what}.operations[${j}]`;
      if (op.op === 'ignore') {
        notes.push(`${at}: op "ignore" (leave the whole object out of drift) is not modelled; its fields are compared`);
      } else if (op.op !== 'remove' && op.op !== 'replace') {
        notes.push(`${at}: op "${op.op ?? ''}" is not modelled (bosun models remove and replace, which leave the path out of the comparison); that field is compared as usual`);
      } else if (typeof op.path !== 'string' || !op.path.startsWith('/')) {
        notes.push(`${at}: path "${String(op.path ?? '')}" is not a JSON pointer (it must start with "/"); that field is compared as usual`);
      } else {
        paths.push(op.path);
      }
    });
    if (paths.length > 0) {
      rules.push({ ...identity, ...(patch.apiVersion ? { apiVersion: patch.apiVersion } : {}), exactKey: true, jsonPointers: paths });
    }
  });
  return { rules, notes };
}
