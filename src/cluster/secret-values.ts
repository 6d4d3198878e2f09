import type { KubeObject } from '../model/object.ts';
import { isSecret } from '../diff/secrets.ts';

/**
 * Every Secret value in `objects`, in each form it could be echoed back in (as written, decoded, and
 * base64-encoded), so server messages about these objects can be scrubbed of them.
 */
export function secretValues(objects: Iterable<KubeObject>): string[] {
  const out = new Set<string>();
  for (const obj of objects) {
    if (!isSecret(obj)) continue;
    for (const [field, encoded] of [['data', true], ['stringData', false]] as const) {
      const map = obj[field];
      if (typeof map !== 'object' || map === null) continue;
      for (const value of Object.values(map as Record<string, unknown>)) {
        if (typeof value !== 'string' || value === '') continue;
        out.add(value);
        const other = encoded ? Buffer.from(value, 'base64').toString('utf8') : Buffer.from(value, 'utf8').toString('base64');
        if (other !== '') out.add(other);
      }
    }
  }
  // Longest first, so a value that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}
