import { stringify } from 'yaml';

/**
 * One stable YAML text per object: sorted keys, no line folding (a long value is one diff line, not a
 * reflowed paragraph), no anchors for repeated sub-objects.
 */
export function stableYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}
