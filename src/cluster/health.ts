import type { KubeObject } from '../model/object.ts';
import { groupOf } from '../model/object.ts';
import type { HealthStatus } from './types.ts';

export interface Assessment {
  status: HealthStatus;
  message: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

type Rule = (obj: KubeObject, status: Record<string, unknown>) => Assessment;

/**
 * Health of one live object, kstatus-style: workloads are healthy once their controller has observed the
 * latest generation and every replica is updated and available; Jobs once Complete; CRDs once
 * Established; Flagger Canaries once promoted; anything else with a `Ready` condition once it is True,
 * and objects without such signals as soon as they exist. `failed` is terminal (a Job's Failed condition,
 * a Deployment past its progress deadline, a Stalled condition, a failed Canary): waiting longer will not
 * help.
 */
export function assessHealth(obj: KubeObject | undefined): Assessment {
  if (!obj) return { status: 'missing', message: 'not found in the cluster' };
  const status = isRecord(obj.status) ? obj.status : {};
  const rule = rules[`${groupOf(obj.apiVersion)}/${obj.kind}`];
  if (rule) return rule(obj, status);
  return genericHealth(obj, status);
}

const rules: Record<string, Rule> = {
  'apps/Deployment': (obj, s) => {
    const waiting = notObserved(obj, s);
    if (waiting) return waiting;
    const progressing = conditions(s).find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return { status: 'failed', message: `rollout exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}` };
    }
    const spec = isRecord(obj.spec) ? obj.spec : {};
    const desired = num(spec.replicas, 1);
    const updated = num(s.updatedReplicas);
    const total = num(s.replicas);
    const available = num(s.availableReplicas);
    if (updated < desired) return { status: 'progressing', message: `${updated} of ${desired} replicas updated` };
    if (total > updated) return { status: 'progressing', message: `${total - updated} old replicas pending termination` };
    if (available < updated) return { status: 'progressing', message: `${available} of ${updated} updated replicas available` };
    return { status: 'healthy', message: `${available} of ${desired} replicas available` };
  },
  'apps/StatefulSet': (obj, s) => {
    const waiting = notObserved(obj, s);
    if (waiting) return waiting;
    const spec = isRecord(obj.spec) ? obj.spec : {};
    const desired = num(spec.replicas, 1);
    const ready = num(s.readyReplicas);
    const strategy = isRecord(spec.updateStrategy) ? spec.updateStrategy : {};
    if (ready < desired) return { status: 'progressing', message: `${ready} of ${desired} replicas ready` };
    if (strategy.type === 'OnDelete') return { status: 'healthy', message: `${ready} of ${desired} replicas ready (OnDelete updates)` };
    const partition = num(isRecord(strategy.rollingUpdate) ? strategy.rollingUpdate.partition : undefined);
    const updated = num(s.updatedReplicas);
    if (partition > 0) {
      const expected = Math.max(0, desired - partition);
      if (updated < expected) return { status: 'progressing', message: `${updated} of ${expected} replicas above the partition updated` };
      return { status: 'healthy', message: `partitioned rollout: ${updated} of ${desired} replicas updated` };
    }
    if (s.updateRevision !== undefined && s.currentRevision !== s.updateRevision) {
      return { status: 'progressing', message: `${updated} of ${desired} replicas on the new revision` };
    }
    return { status: 'healthy', message: `${ready} of ${desired} replicas ready` };
  },
  'apps/DaemonSet': (obj, s) => {
    const waiting = notObserved(obj, s);
    if (waiting) return waiting;
    if (s.desiredNumberScheduled === undefined) return { status: 'progressing', message: 'waiting for the controller to schedule pods' };
    const desired = num(s.desiredNumberScheduled);
    const updated = num(s.updatedNumberScheduled);
    const available = num(s.numberAvailable);
    if (updated < desired) return { status: 'progressing', message: `${updated} of ${desired} pods updated` };
    if (available < desired) return { status: 'progressing', message: `${available} of ${desired} pods available` };
    return { status: 'healthy', message: `${available} of ${desired} pods available` };
  },
  'batch/Job': (_obj, s) => {
    const cs = conditions(s);
    const failed = cs.find((c) => c.type === 'Failed' && c.status === 'True');
    if (failed) return { status: 'failed', message: `job failed${failed.reason ? ` (${failed.reason})` : ''}${failed.message ? `: ${failed.message}` : ''}` };
    if (cs.some((c) => c.type === 'Complete' && c.status === 'True')) return { status: 'healthy', message: 'job complete' };
    return { status: 'progressing', message: `job running: ${num(s.succeeded)} succeeded, ${num(s.active)} active, ${num(s.failed)} failed pods` };
  },
  'apiextensions.k8s.io/CustomResourceDefinition': (_obj, s) => {
    const cs = conditions(s);
    const names = cs.find((c) => c.type === 'NamesAccepted');
    if (names?.status === 'False') return { status: 'failed', message: `names not accepted: ${names.message ?? names.reason ?? ''}`.trim() };
    if (cs.some((c) => c.type === 'Established' && c.status === 'True')) return { status: 'healthy', message: 'established' };
    return { status: 'progressing', message: 'waiting to be established' };
  },
  'flagger.app/Canary': (_obj, s) => {
    const phase = typeof s.phase === 'string' ? s.phase : '';
    // Initialized: the first deployment, nothing to analyse; Succeeded: the last analysis promoted.
    if (phase === 'Succeeded' || phase === 'Initialized') return { status: 'healthy', message: `canary ${phase.toLowerCase()}` };
    if (phase === 'Failed') {
      const promoted = conditions(s).find((c) => c.type === 'Promoted');
      return { status: 'failed', message: `canary analysis failed${promoted?.message ? `: ${promoted.message}` : ''}` };
    }
    return { status: 'progressing', message: phase ? `canary ${phase}` : 'waiting for Flagger to pick up the canary' };
  },
  '/Pod': (obj, s) => {
    if (s.phase === 'Succeeded') return { status: 'healthy', message: 'pod succeeded' };
    if (s.phase === 'Failed') return { status: 'failed', message: `pod failed${typeof s.reason === 'string' ? ` (${s.reason})` : ''}` };
    // A pod that runs to completion (a hook, a one-off task) is done when it succeeds, not when it is
    // ready (Argo CD's pod health: restartPolicy Never/OnFailure).
    const restartPolicy = isRecord(obj.spec) ? obj.spec.restartPolicy : undefined;
    if (restartPolicy === 'Never' || restartPolicy === 'OnFailure') return { status: 'progressing', message: `pod ${typeof s.phase === 'string' ? s.phase : 'pending'}: runs to completion` };
    if (conditions(s).some((c) => c.type === 'Ready' && c.status === 'True')) return { status: 'healthy', message: 'pod ready' };
    return { status: 'progressing', message: `pod ${typeof s.phase === 'string' ? s.phase : 'pending'}` };
  },
};

/** Conventions shared by well-behaved custom resources (Flux, cert-manager, Crossplane…). */
function genericHealth(obj: KubeObject, s: Record<string, unknown>): Assessment {
  const waiting = s.observedGeneration !== undefined ? notObserved(obj, s) : undefined;
  if (waiting) return waiting;
  const cs = conditions(s);
  const stalled = cs.find((c) => c.type === 'Stalled' && c.status === 'True');
  if (stalled) return { status: 'failed', message: `stalled${stalled.message ? `: ${stalled.message}` : ''}` };
  const reconciling = cs.find((c) => c.type === 'Reconciling' && c.status === 'True');
  if (reconciling) return { status: 'progressing', message: `reconciling${reconciling.message ? `: ${reconciling.message}` : ''}` };
  const ready = cs.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return { status: 'healthy', message: 'ready' };
  if (ready) return { status: 'progressing', message: `not ready${ready.reason ? ` (${ready.reason})` : ''}${ready.message ? `: ${ready.message}` : ''}` };
  return { status: 'healthy', message: 'exists' };
}

function notObserved(obj: KubeObject, s: Record<string, unknown>): Assessment | undefined {
  const generation = num(obj.metadata?.generation as unknown);
  const observed = num(s.observedGeneration, -1);
  if (generation > 0 && observed < generation) {
    return { status: 'progressing', message: `waiting for the controller to observe generation ${generation}` };
  }
  return undefined;
}

function conditions(s: Record<string, unknown>): Condition[] {
  return Array.isArray(s.conditions) ? (s.conditions.filter(isRecord) as Condition[]) : [];
}

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
