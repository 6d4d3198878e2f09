/**
 * What git answers about full object ids, kept per process: the files of a commit (`ls-tree -r`) and the
 * paths two commits differ in (`diff --name-status`). An object id names the same content for ever, so
 * asking again tells nothing new, yet one commit pair was listed and diffed once per entry point: a plan
 * and its merge view (planChange, then affectedEnvironments), each part of a plan fanned out over the
 * workers (plan-part.ts), a rollback planned after its revert. Each answer was a `git` process, a fork of
 * a worker of several hundred MB, plus parsing its output again.
 *
 * Answers are kept by repository and ids, newest used last, and the oldest are dropped once the entries
 * kept (files listed, paths changed) pass `maxWeight`: a tree of 100,000 files is a few MB. A name that is
 * not a full id (a branch, `HEAD~1`) can move and is never kept. Like refs.ts, a commit gone since (a
 * mirror pruned or made again) is still answered here; the checkout that reads its files fails and names it.
 * Concurrent askers of one answer share one git run; a failed run is not kept.
 */
export class CommitAnswers<T> {
  readonly #done = new Map<string, { value: T; weight: number }>();
  readonly #running = new Map<string, Promise<T>>();
  #weight = 0;
  readonly #maxWeight: number;
  readonly #weigh: (value: T) => number;

  constructor(maxWeight: number, weigh: (value: T) => number) {
    this.#maxWeight = maxWeight;
    this.#weigh = weigh;
  }

  /** `ask()`'s answer for `key`, asked once; `key` must name only full object ids (see `isFullId`). */
  get(key: string, ask: () => Promise<T>): Promise<T> {
    const done = this.#done.get(key);
    if (done) {
      // Most recently used last: the first key is the next to drop.
      this.#done.delete(key);
      this.#done.set(key, done);
      return Promise.resolve(done.value);
    }
    const running = this.#running.get(key);
    if (running) return running;
    const asked = ask().then((value) => {
      this.#keep(key, value);
      return value;
    }).finally(() => this.#running.delete(key));
    this.#running.set(key, asked);
    return asked;
  }

  #keep(key: string, value: T): void {
    const weight = Math.max(1, this.#weigh(value));
    if (weight > this.#maxWeight) return;
    this.#done.set(key, { value, weight });
    this.#weight += weight;
    for (const [oldest, entry] of this.#done) {
      if (this.#weight <= this.#maxWeight) break;
      this.#done.delete(oldest);
      this.#weight -= entry.weight;
    }
  }
}

export const isFullId = (name: string): boolean => /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(name);
