import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A fingerprint of the code that decides an environment's inputs (src/discover, the kustomize model,
 * src/plan), from the names, sizes and modification times of its files wherever this module runs from
 * (src/ through tsx or the built dist/src). Part of the input index key next to bosun's version, so a
 * checkout whose code changed without a new version does not read an index an older build wrote.
 */
export function inputCodeFingerprint(): string {
  if (cached !== undefined) return cached;
  const src = join(dirname(fileURLToPath(import.meta.url)), '..');
  const hash = createHash('sha256');
  for (const folder of ['discover', join('render', 'kustomize-model'), 'plan']) {
    let entries: string[];
    try {
      entries = (readdirSync(join(src, folder), { recursive: true }) as string[]).sort();
    } catch {
      continue;
    }
    for (const name of entries) {
      try {
        const s = statSync(join(src, folder, name));
        if (s.isFile()) hash.update(`${folder}/${name}\0${s.size}\0${s.mtimeMs}\n`);
      } catch {
        // A file removed while listing: the next run's fingerprint tells.
      }
    }
  }
  cached = hash.digest('hex').slice(0, 16);
  return cached;
}

let cached: string | undefined;
