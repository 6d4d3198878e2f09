import { rootTreeIds } from '../git/index.ts';
import { deriveIndex, emptyIndex, inputIndexKey, pruneIndex, type InputIndex, type InputIndexStore } from './input-index.ts';

export interface IndexOption {
  store: InputIndexStore;
  /** bosun's version (part of the key: a release may read inputs differently). */
  version: string;
}

export interface OpenedIndex {
  index: InputIndex;
  /** Found in the store as it is: nothing to write back unless entries were added. */
  stored: boolean;
  /** How many entries it held when opened (to tell whether it grew). */
  entries: number;
  /** Set when the plan added the commit's discovery result or coverage verdicts to it. */
  factsAdded?: boolean;
}

/**
 * The input indexes of a plan's two commits. The base's is the stored one for its tree, or a new one;
 * the head's is the stored one for its tree, or else derived from the base's with the changed paths
 * (deriveIndex: only entries no changed path can reach are kept). A store that fails is treated as
 * empty: the index only saves work, it never decides anything a walk would not.
 */
export async function openIndexes(repoDir: string, baseSha: string, headSha: string, changed: readonly string[], opt: IndexOption, scope: unknown, trees?: readonly [string, string]): Promise<{ base: OpenedIndex; head: OpenedIndex }> {
  // The commits' root tree ids, unless the caller read them already.
  const [baseTree, headTree] = trees ?? await rootTreeIds(repoDir, [baseSha, headSha]);
  const keyOf = (tree: string) => inputIndexKey(tree, { version: opt.version, scope });
  const get = (key: string) => opt.store.get(key).catch(() => undefined);
  const baseKey = keyOf(baseTree!);
  const headKey = keyOf(headTree!);
  const [storedBase, storedHead] = await Promise.all([get(baseKey), baseKey === headKey ? undefined : get(headKey)]);
  const base = opened(storedBase ?? emptyIndex(baseKey, baseTree!), storedBase !== undefined);
  if (baseKey === headKey) return { base, head: base };
  const head = storedHead
    ? opened(storedHead, true)
    : opened(storedBase ? deriveIndex(storedBase, changed, headKey, headTree!) : emptyIndex(headKey, headTree!), false);
  return { base, head };
}

/** Writes back each index that is new or grew, keeping only the environments its commit defines. */
export async function saveIndexes(opt: IndexOption, sides: Array<OpenedIndex & { names: Iterable<string> }>): Promise<void> {
  const seen = new Set<string>();
  for (const side of sides) {
    if (seen.has(side.index.key)) continue;
    seen.add(side.index.key);
    if (side.stored && !side.factsAdded && Object.keys(side.index.envs).length === side.entries) continue;
    await opt.store.put(pruneIndex(side.index, side.names)).catch(() => undefined);
  }
}

function opened(index: InputIndex, stored: boolean): OpenedIndex {
  return { index, stored, entries: Object.keys(index.envs).length };
}
