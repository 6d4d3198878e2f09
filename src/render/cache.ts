import type { RenderOutcome } from './types.ts';

export interface RenderCacheStats {
  /** Times `compute` actually ran. */
  renders: number;
  /** Calls answered from a finished or in-flight entry. */
  hits: number;
  entries: number;
}

/**
 * Render outcomes by a caller-supplied key (the plan derives it from the git object ids of the inputs and
 * the environment's settings). Single-flight: concurrent calls with the same key share one render, so
 * identical inputs at base and head render once. Failed outcomes are cached too (same input, same error);
 * a render that throws or was cancelled is not. Every caller gets its own copy of the objects, so one
 * caller normalising them in place cannot change what another sees. Oldest entries go first past
 * `maxEntries`.
 */
export class RenderCache {
  private readonly entries = new Map<string, Promise<RenderOutcome>>();
  private readonly maxEntries: number;
  private counters = { renders: 0, hits: 0 };

  constructor(opts: { maxEntries?: number } = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 256);
  }

  async get(key: string, compute: () => Promise<RenderOutcome>, signal?: AbortSignal): Promise<RenderOutcome> {
    let entry = this.entries.get(key);
    if (entry) {
      this.counters.hits++;
      // Refresh recency: Map keeps insertion order, so re-inserting makes this the newest entry.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      this.counters.renders++;
      entry = compute();
      this.entries.set(key, entry);
      this.evict();
      entry.then(
        (outcome) => {
          // A cancelled render says nothing about its input: the next caller renders again.
          if (!outcome.ok && (signal?.aborted || outcome.error.cancelled)) this.forget(key, entry!);
        },
        () => this.forget(key, entry!),
      );
    }
    return copy(await entry);
  }

  get stats(): RenderCacheStats {
    return { ...this.counters, entries: this.entries.size };
  }

  clear(): void {
    this.entries.clear();
  }

  private forget(key: string, entry: Promise<RenderOutcome>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

function copy(outcome: RenderOutcome): RenderOutcome {
  return structuredClone(outcome);
}
