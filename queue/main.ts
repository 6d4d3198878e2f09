/**
 * Entry point of a bosun worker process (`bosun worker`): starts the workers and shuts them down
 * gracefully on SIGTERM / SIGINT. The CLI builds the processors and passes them in.
 */
import { shutdownChildren } from '../src/util/child-processes.ts';
import { jsonLogger, type Logger } from './log.ts';
import { startWorkers, type WorkerRuntime, type WorkerRuntimeOptions } from './runtime.ts';

export interface WorkerMainOptions extends WorkerRuntimeOptions {
  /** Signals that start a graceful shutdown. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Ends the process after shutdown; injected in tests. Default `process.exit`. */
  exit?: (code: number) => void;
}

/** Starts the workers, waits until they are connected, and installs the signal handlers. */
export async function runWorker(opts: WorkerMainOptions): Promise<WorkerRuntime> {
  const log = opts.log ?? jsonLogger();
  const runtime = startWorkers({ ...opts, log });
  closeOnSignals(runtime, { log, signals: opts.signals, exit: opts.exit });
  await runtime.ready();
  log.info({ worker: runtime.id }, 'worker ready');
  return runtime;
}

/**
 * The first signal closes the runtime gracefully and then exits 0 (1 when closing failed); a second
 * signal exits at once, for an operator who does not want to wait. Either way every child process group
 * the jobs started (git, kubectl, helm) is ended and every checkout removed before the exit: a job that
 * outlived the deadline must not leave a helm running or a folder on the tmpfs. Returns the uninstaller.
 */
export function closeOnSignals(
  runtime: WorkerRuntime,
  opts: { log: Logger; signals?: readonly NodeJS.Signals[]; exit?: (code: number) => void },
): () => void {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const exitNow = opts.exit ?? ((code: number) => process.exit(code));
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    void shutdownChildren().finally(() => exitNow(code));
  };
  let received = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      opts.log.warn({ signal }, 'second signal: exiting without waiting for running jobs');
      exit(1);
      return;
    }
    received = true;
    opts.log.info({ signal }, 'shutting down: no new jobs; running jobs get until the shutdown deadline');
    runtime.close().then(
      () => exit(0),
      (err: unknown) => {
        opts.log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
