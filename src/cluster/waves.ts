import { groupOf } from '../model/object.ts';
import { orderForSync, type SyncItem } from '../model/sync-order.ts';
import type { HookPhase } from '../model/sync.ts';
import type { PreparedHook } from './hooks.ts';
import { compareApplyOrder } from './order.ts';
import type { PreparedObject } from './prepare.ts';

/** One step of a sync: the objects and hooks of one phase and wave, applied and run together. */
export interface SyncStepPlan {
  phase: HookPhase;
  wave: number;
  /** In bosun's apply order within the step: definitions, then cluster-scoped, then namespaced objects. */
  resources: PreparedObject[];
  hooks: PreparedHook[];
}

/**
 * The steps of a sync in Argo CD's order (src/model/sync-order.ts): PreSync, then each Sync wave, then
 * PostSync, by wave. A Namespace or CRD moves into the step of the first object that needs it (a
 * PreSync hook in a namespace this sync creates gets its Namespace in PreSync). SyncFail hooks are
 * returned apart: they run only when a step fails. `oneHookPerStep` (Helm: execHook creates each hook and
 * waits for it before the next, helm pkg/action/hooks.go): a hook never shares its step with another.
 */
export function planSyncSteps(resources: readonly PreparedObject[], hooks: readonly PreparedHook[], options: { oneHookPerStep?: boolean } = {}): { steps: SyncStepPlan[]; syncFail: PreparedHook[] } {
  type Item = SyncItem & { resource?: PreparedObject; hook?: PreparedHook };
  const items: Item[] = [];
  for (const resource of resources) {
    const spec = resource.object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
    const isCrd = groupOf(resource.apiVersion) === 'apiextensions.k8s.io' && resource.kind === 'CustomResourceDefinition';
    const defines = isCrd && typeof spec?.group === 'string' && typeof spec.names?.kind === 'string' ? `${spec.group}/${spec.names.kind}` : undefined;
    items.push({ phase: 'Sync', wave: resource.options.wave, group: resource.id.group, kind: resource.kind, namespace: resource.namespace, name: resource.name, ...(defines ? { defines } : {}), resource });
  }
  const syncFail: PreparedHook[] = [];
  for (const hook of hooks) {
    if (hook.phase === 'SyncFail') syncFail.push(hook);
    else items.push({ phase: hook.phase, wave: hook.wave, group: hook.id.group, kind: hook.kind, namespace: hook.namespace, name: hook.name, hook });
  }
  const steps: SyncStepPlan[] = [];
  for (const item of orderForSync(items)) {
    let step = steps[steps.length - 1];
    if (!step || step.phase !== item.phase || step.wave !== item.wave || (options.oneHookPerStep && item.hook && step.hooks.length > 0)) {
      step = { phase: item.phase, wave: item.wave, resources: [], hooks: [] };
      steps.push(step);
    }
    if (item.resource) step.resources.push({ ...item.resource, options: { ...item.resource.options, wave: item.wave } });
    if (item.hook) step.hooks.push(item.hook);
  }
  // Within a step bosun's own order holds: definitions, cluster-scoped, namespaced (order.ts).
  for (const step of steps) step.resources.sort(compareApplyOrder);
  return { steps, syncFail: orderForSync(syncFail.map((hook) => ({ phase: hook.phase, wave: hook.wave, group: hook.id.group, kind: hook.kind, namespace: hook.namespace, name: hook.name, hook }))).map((i) => i.hook) };
}
