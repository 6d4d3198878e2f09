/** Runs async tasks with at most `concurrency` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** A semaphore for sharing one bound across independent callers (e.g. all renders in a process). */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly concurrency: number;
  constructor(concurrency: number) {
    this.concurrency = Math.max(1, concurrency);
  }

  async run<R>(fn: () => Promise<R>): Promise<R> {
    // A finishing task hands its slot straight to the next waiter, so `active` never exceeds the bound.
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
