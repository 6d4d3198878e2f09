/**
 * What the worker runtime offers the workflows (queue/workflows), and the only part of queue/ they
 * import (eslint.layers.js): the processor contract — what a processor gets (JobContext) and may answer
 * (Processor's hooks, Readiness) —, why its signal aborts (JobAborted), how it logs, and the lease keeper
 * the runtime holds environment leases with, so an apply that runs inside another job (a `/bosun apply`
 * command) keeps its lease the same way. The runtime calls the workflows through their registry
 * (queue/workflows/index.ts); they never reach back into it.
 */
export type { ChildJob, ChildrenStatus, JobChildren, JobContext, Processor, Processors, Readiness } from './types.ts';
export { JobAborted, type AbortReason } from './job-run.ts';
export { silentLogger, type Logger } from './log.ts';
export { keepLease, type LeaseKeeper } from './lease-keeper.ts';
