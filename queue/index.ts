export { startWorkers } from './runtime.ts';
export type { WorkerRuntime, WorkerRuntimeOptions } from './runtime.ts';
export { runWorker, closeOnSignals } from './main.ts';
export type { WorkerMainOptions } from './main.ts';
export { JobAborted } from './job-run.ts';
export type { AbortReason } from './job-run.ts';
export type { JobContext, Processor, Processors } from './types.ts';
export { jsonLogger, silentLogger } from './log.ts';
export type { Logger } from './log.ts';
