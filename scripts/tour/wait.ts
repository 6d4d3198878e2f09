import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it returns a value (not undefined/false); fails naming `what` after `timeoutMs`,
 * or at once when the tour is being stopped (Ctrl-C).
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
  const until = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    opts.signal?.throwIfAborted();
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${Math.round((opts.timeoutMs ?? 90_000) / 1000)} s waiting for ${what}`);
    await sleep(200);
  }
}
