import type { DiscoveryNote } from '../model/discovery.ts';
import { environmentNote } from './notes.ts';

/** A proposed environment name and a more qualified fallback for when it is ambiguous. */
export interface NameCandidate {
  name: string;
  qualified: string;
}

/**
 * Unique names for candidates in input order: the plain name where it is unambiguous, the qualified
 * name where it is not, and a numeric suffix as a last resort (with a note, since that name is not
 * stable if files move).
 */
export function assignUniqueNames(candidates: readonly NameCandidate[], notes: DiscoveryNote[], what: string): string[] {
  const count = (names: string[]) => names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const plain = count(candidates.map((c) => c.name));
  const chosen = candidates.map((c) => ((plain.get(c.name) ?? 0) > 1 ? c.qualified : c.name));
  const used = new Set<string>();
  return chosen.map((name) => {
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
    let n = 2;
    while (used.has(`${name}-${n}`) || chosen.includes(`${name}-${n}`)) n++;
    const unique = `${name}-${n}`;
    used.add(unique);
    notes.push(environmentNote(unique, `several ${what} objects are named "${name}"; one of them is called "${unique}" here`));
    return unique;
  });
}
