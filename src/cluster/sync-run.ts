import { applyPrepared, type ApplyObjectsOptions } from './apply.ts';
import type { ClusterClient } from './client.ts';
import { runHooks, type HookRun, type PreparedHook } from './hooks.ts';
import type { PreparedObject } from './prepare.ts';
import type { ObjectResult, SyncStep } from './types.ts';
import type { SyncStepPlan } from './waves.ts';
import { waitForHealth } from './wait-health.ts';
import { objectLabel } from '../model/object.ts';

export interface RunStepsOptions {
  apply: ApplyObjectsOptions;
  /** Per wait: hooks to complete, a wave to become healthy. */
  timeoutSeconds: number;
  /** Wait for the last step's objects to be healthy too (PostSync hooks follow). */
  waitAfterLast: boolean;
}

export interface StepsOutcome {
  /** Every resource of every step, in step order, each with what happened to it. */
  applied: ObjectResult[];
  /** Hooks that ran (succeeded or failed). */
  runs: HookRun[];
  /** Hooks that did not run because an earlier step failed. */
  notRun: PreparedHook[];
  steps: SyncStep[];
  /** Why the sync stopped, when it did. */
  failure?: string;
}

/**
 * Runs sync steps in order (src/cluster/waves.ts). In each step the objects are applied (definitions,
 * cluster-scoped, namespaced), then its hooks are created and waited for; when more steps follow, the
 * step's objects must become healthy first (Argo CD waits for the health of a wave's resources before
 * the next wave, gitops-engine sync_context.go: multiStep). A failed apply, a failed hook or an unhealthy
 * wave stops the sync: later steps are not run, their objects are reported as skipped.
 */
export async function runSyncSteps(client: ClusterClient, plan: readonly SyncStepPlan[], options: RunStepsOptions): Promise<StepsOutcome> {
  const out: StepsOutcome = { applied: [], runs: [], notRun: [], steps: [] };
  const multiStep = plan.length > 1;
  for (const [index, step] of plan.entries()) {
    if (out.failure) {
      out.applied.push(...step.resources.map((o) => skipped(o, `not applied: ${out.failure}`, multiStep)));
      out.notRun.push(...step.hooks);
      out.steps.push({ phase: step.phase, wave: step.wave, objects: step.resources.length, hooks: step.hooks.length, outcome: 'not run', elapsedMs: 0 });
      continue;
    }
    const started = Date.now();
    const label = step.phase === 'Sync' ? `wave ${step.wave}` : `${step.phase}${step.wave !== 0 ? ` wave ${step.wave}` : ''}`;
    if (multiStep) options.apply.onProgress?.({ stage: 'apply', message: `${label}: ${step.resources.length} object(s), ${step.hooks.length} hook(s)` });
    const applied = step.resources.length > 0 ? await applyPrepared(client, step.resources, options.apply) : [];
    if (multiStep) for (const r of applied) r.wave = step.wave;
    out.applied.push(...applied);
    const failedApply = applied.filter((r) => r.action === 'failed').length;
    const record = (outcome: SyncStep['outcome'], message?: string): void => {
      out.steps.push({ phase: step.phase, wave: step.wave, objects: step.resources.length, hooks: step.hooks.length, outcome, ...(message ? { message } : {}), elapsedMs: Date.now() - started });
    };
    if (failedApply > 0) {
      out.failure = `apply failed for ${failedApply} object(s)${multiStep ? ` in ${label}` : ''}`;
      out.notRun.push(...step.hooks);
      record('failed', out.failure);
      continue;
    }
    const runs = await runHooks(client, step.hooks, { timeoutSeconds: options.timeoutSeconds, secrets: options.apply.secrets, onProgress: options.apply.onProgress });
    out.runs.push(...runs);
    const failedHooks = runs.filter((r) => r.outcome === 'failed');
    if (failedHooks.length > 0) {
      out.failure = `${step.phase} hook ${failedHooks[0].hook.kind} ${failedHooks[0].hook.name} failed${failedHooks.length > 1 ? ` (and ${failedHooks.length - 1} more)` : ''}`;
      record('failed', `${out.failure}: ${failedHooks[0].message}`);
      continue;
    }
    const last = index === plan.length - 1;
    if ((!last || options.waitAfterLast) && step.resources.length > 0) {
      const health = await waitForHealth(client, step.resources.map((o) => o.object), { timeoutSeconds: options.timeoutSeconds, onProgress: options.apply.onProgress });
      if (health.verdict !== 'healthy') {
        const bad = health.objects.find((o) => o.status !== 'healthy');
        out.failure = `${label} did not become healthy${bad ? `: ${objectLabel(bad)} ${bad.message}` : ''}`;
        record(health.verdict === 'timeout' ? 'timeout' : 'unhealthy', out.failure);
        continue;
      }
    }
    record('ok');
  }
  return out;
}

function skipped(o: PreparedObject, why: string, withWave: boolean): ObjectResult {
  const { object: _o, phase: _p, info: _i, options, ...ref } = o;
  return { ...ref, action: 'skipped', stage: 'apply', error: why, ...(withWave ? { wave: options.wave } : {}) };
}
