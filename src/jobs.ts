/**
 * The job layer: queue names, job payloads, producers and the Redis state that orders jobs (newest
 * head SHA per PR, newest and last applied commit per environment, environment leases). This is the
 * only place that knows BullMQ job shapes; the worker runtime in queue/ builds on it.
 */
export { queueNames, jobKinds } from './jobs/types.ts';
export type {
  ApplyJob,
  ApplyRequest,
  ApplyTrigger,
  CommandJob,
  CommandUser,
  EnqueueResult,
  JobDataByKind,
  JobKind,
  JobOutcome,
  Newer,
  PlanJob,
  PlanPartJob,
  PlanReason,
  PushJob,
  QueueName,
  ReconcileJob,
  RepoRef,
} from './jobs/types.ts';
export { createProducers } from './jobs/producers.ts';
export { assignPriority, fairnessKey, fairnessState, jobStarted, priorityLimit, queueWaitKeys } from './jobs/fairness.ts';
export type { ProducerOptions, Producers } from './jobs/producers.ts';
export { RetryAfterError, PermanentJobError, isPermanent, retryAfterMsOf } from './jobs/errors.ts';
export { createRedis, closeRedis, bullConnection, releaseBullConnection, keyPrefixFor, isClusterConnection, hashTagOf } from './jobs/connection.ts';
export type { RedisConnection } from './jobs/connection.ts';
export { applyJobId, commandJobId, idPart, planDedupId, planJobId, planPartJobId, pushJobId, reconcileSchedulerId, repoKey, stateKeys } from './jobs/ids.ts';
export type { StateKeys } from './jobs/ids.ts';
export { defaultJobOptions, keepCompleted, keepFailed } from './jobs/job-options.ts';
export type { RetryPolicy } from './jobs/job-options.ts';
export { planSupersededBy, parseSupersededMessage } from './jobs/plan-latest.ts';
export { applySupersededBy, enterApply, lastApplied, leaveApply } from './jobs/apply-order.ts';
export type { ApplyGate } from './jobs/apply-order.ts';
export { carriesOwedPrune, createOwedPrunes } from './jobs/owed-prune.ts';
export type { OwedPrune, OwedPrunes } from './jobs/owed-prune.ts';
export { acquireEnvLease, envLeaseHolder, releaseEnvLease, renewEnvLease } from './jobs/env-lease.ts';
export { isSuperseded } from './jobs/superseded.ts';
export { createEnvStatusStore, envStatusKeys, historyLength } from './jobs/env-status.ts';
export type { ApplyRecord, DriftRecord, DriftState, EnvironmentRef, EnvironmentStatus, EnvStatusStore, HealthVerdict, PinRecord } from './jobs/env-status.ts';
export { createLockViewers, viewerTtlMs } from './jobs/lock-viewers.ts';
export type { LockViewers } from './jobs/lock-viewers.ts';
export { applySlotName, applySlotsOf, clusterBusyDelayMs, clusterSlotOf, defaultApplyConcurrencyPerCluster } from './jobs/apply-limits.ts';
export type { ApplyLimits, ApplySlot } from './jobs/apply-limits.ts';
export { applySlotKey, holdApplySlots, waitForApplySlots } from './jobs/apply-slots.ts';
export type { ApplySlotsGrant, HeldApplySlots } from './jobs/apply-slots.ts';
export { acquireClusterSlot, clusterSlotHolders, holdClusterSlot, releaseClusterSlot, renewClusterSlot } from './jobs/cluster-slots.ts';
export type { HeldClusterSlot, SlotGrant } from './jobs/cluster-slots.ts';
