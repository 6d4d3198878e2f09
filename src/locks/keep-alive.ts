import type { HeldLock } from './types.ts';

export interface KeepAliveOptions {
  /** Default: a third of the lock's TTL, so two beats can fail before the lease runs out. */
  intervalMs?: number;
  /** Called once when the lease is lost; the signal is aborted at the same moment. */
  onLost?: (reason: string) => void;
  /** A beat that failed with an error (Redis unreachable); beating continues until the lease is surely gone. */
  onError?: (err: unknown) => void;
}

export interface KeepAlive {
  /** Aborted when the lease is lost, so in-flight work can stop before it acts without the lock. */
  readonly signal: AbortSignal;
  readonly lost: boolean;
  /** Stops beating (it does not release the lock) and waits for a beat in flight to finish. */
  stop(): Promise<void>;
}

/** Extends a held lock every `intervalMs` until stopped or until the lease is lost. */
export function keepAlive(lock: HeldLock, opts: KeepAliveOptions = {}): KeepAlive {
  const intervalMs = opts.intervalMs ?? Math.max(1, Math.floor(lock.ttlMs / 3));
  const controller = new AbortController();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const lose = (reason: string): void => {
    if (controller.signal.aborted) return;
    stopped = true;
    controller.abort(new Error(reason));
    opts.onLost?.(reason);
  };

  const beat = async (): Promise<void> => {
    try {
      if (!(await lock.heartbeat())) lose(`the lock on ${lock.key} was lost (expired, unlocked or taken by another PR)`);
    } catch (err) {
      opts.onError?.(err);
      // Without a successful beat we cannot know the lease was extended; past its expiry it is gone.
      if (Date.now() >= lock.expiresAt) lose(`the lock on ${lock.key} could not be extended before its lease ran out`);
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = beat().then(schedule);
    }, intervalMs);
    // A pending beat must not keep a finished process alive.
    timer.unref?.();
  };
  schedule();

  return {
    signal: controller.signal,
    get lost() {
      return controller.signal.aborted;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
