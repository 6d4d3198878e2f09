import type { Newer } from '../src/jobs.ts';

export type AbortReason = 'superseded' | 'shutdown' | 'lease-lost' | 'cancelled';

const messages: Record<AbortReason, string> = {
  superseded: 'a newer request superseded this job',
  shutdown: 'the worker is shutting down; the job goes back to the queue',
  'lease-lost': 'the environment lease was lost; the job will run again',
  cancelled: 'the job was cancelled',
};

/** The `reason` of a processor's aborted signal. */
export class JobAborted extends Error {
  readonly reason: AbortReason;
  readonly by?: Newer;

  constructor(reason: AbortReason, by?: Newer) {
    super(by ? `${messages[reason]} (${by.sha.slice(0, 12)})` : messages[reason]);
    this.name = 'JobAborted';
    this.reason = reason;
    this.by = by;
  }
}

/**
 * One run of one job: the signal its processor gets, and why it was aborted. The first abort wins, so
 * a job aborted as superseded stays superseded when the worker later shuts down.
 */
export class JobRun {
  readonly queue: string;
  readonly jobId: string;
  private readonly controller = new AbortController();
  private abortedWith?: JobAborted;
  /** False while a processor may still be working (it ignored the abort past the grace period). */
  processorSettled = true;

  constructor(queue: string, jobId: string) {
    this.queue = queue;
    this.jobId = jobId;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): JobAborted | undefined {
    return this.abortedWith;
  }

  abort(reason: JobAborted): void {
    if (this.abortedWith) return;
    this.abortedWith = reason;
    this.controller.abort(reason);
  }

  /**
   * Waits for the processor. Once the run is aborted the processor gets `graceMs` to notice and settle;
   * after that the run gives up on it and rejects with the abort reason, so a processor that ignores
   * its signal cannot keep a worker from shutting down.
   */
  settle<T>(work: Promise<T>, graceMs: number): Promise<T> {
    this.processorSettled = false;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        timer = setTimeout(() => reject(this.abortedWith), graceMs);
      };
      const done = (): void => {
        this.processorSettled = true;
        clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
      };
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          done();
          resolve(value);
        },
        (err: unknown) => {
          done();
          reject(err);
        },
      );
    });
  }
}
