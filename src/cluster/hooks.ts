import { createHash } from 'node:crypto';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import { syncRoleOf, type HookDeletePolicy, type HookPhase, type SyncRole } from '../model/sync.ts';
import { mapLimit } from '../util/limit.ts';
import { describeFailure } from './api-error.ts';
import type { ClusterClient } from './client.ts';
import type { ResourceInfo } from './discovery.ts';
import { labelValue, partOfLabel } from './labels.ts';
import { deleteObject, getLive, listInNamespace, serverSideApply } from './objects.ts';
import { refOf } from './prepare.ts';
import type { ObjectRef, ObjectResult, ProgressFn } from './types.ts';
import { waitForHealth } from './wait-health.ts';
import { objectLabel } from '../model/object.ts';

/**
 * Argo CD resource hooks (docs/user-guide/resource_hooks.md; gitops-engine pkg/sync/sync_context.go):
 * a hook is created in its phase and waited for until it completes (its health: a Job Complete, a Pod
 * Succeeded), and deleted afterwards by its delete policy. Hooks are never in the inventory and never
 * carry the environment label, so prune and sync never touch them; instead they carry
 * `bosun.dev/hook-of` (the environment) and `bosun.dev/hook` (which hook), so the runs of a
 * `generateName` hook can be found again.
 */

export const hookOfLabel = 'bosun.dev/hook-of';
export const hookIdLabel = 'bosun.dev/hook';

export interface PreparedHook extends ObjectRef {
  /** As it will be created: named, namespaced, labelled. */
  object: KubeObject;
  phase: HookPhase;
  wave: number;
  deletePolicies: HookDeletePolicy[];
  /** Named by bosun from `generateName` (a new object at each sync). */
  generated: boolean;
  /** The `generateName` it was named from, when generated. */
  generateName?: string;
  /** `bosun.dev/hook` value: the same for every run of one hook in one phase. */
  hookId: string;
}

export interface HookContext {
  env: { name: string; namespace?: string };
  partOf: string;
  /** The commit being synced: part of a generated name, as in Argo CD (`<generateName><sha7>-<phase>-<unix time>`). */
  revision: string;
  startedAt: number;
  defaultNamespace: string;
  /** Whether a kind is namespaced (undefined: not known to the cluster yet). */
  namespaced(apiVersion: string, kind: string): Promise<boolean | undefined>;
  /** Each object's role (model/sync-role.ts syncRolesOf); default Argo CD's rules. */
  roles?: (rendered: RenderedObject) => SyncRole;
}

/**
 * One PreparedHook per hook and phase (a hook in two phases runs twice, as in Argo CD). A hook with
 * `generateName` gets the name Argo CD would give it; one without any name is invalid.
 */
export async function prepareHooks(rendered: readonly RenderedObject[], ctx: HookContext): Promise<{ hooks: PreparedHook[]; invalid: Array<ObjectRef & { error: string }> }> {
  const hooks: PreparedHook[] = [];
  const invalid: Array<ObjectRef & { error: string }> = [];
  const sha = ctx.revision.length >= 8 ? ctx.revision.slice(0, 7) : ctx.revision;
  const unix = Math.floor(ctx.startedAt / 1000);
  for (const item of rendered) {
    const { object, source } = item;
    const role = ctx.roles ? ctx.roles(item) : syncRoleOf(object);
    if (role.role !== 'hook') continue;
    const generateName = typeof object.metadata?.generateName === 'string' ? object.metadata.generateName : '';
    if (!object.metadata?.name && !generateName) {
      invalid.push({ ...refOf(object, source), error: 'a hook needs metadata.name or metadata.generateName' });
      continue;
    }
    const namespaced = await ctx.namespaced(object.apiVersion, object.kind);
    for (const phase of role.phases) {
      const name = object.metadata?.name || `${generateName}${`${sha}-${phase}-${unix}`.toLowerCase()}`;
      const id = createHash('sha256').update(JSON.stringify([ctx.partOf, ctx.env.name, object.apiVersion.split('/').slice(0, -1).join('/'), object.kind, object.metadata?.namespace ?? '', object.metadata?.name || generateName, phase])).digest('hex').slice(0, 16);
      const copy = structuredClone(object);
      const { generateName: _g, ...metadata } = copy.metadata ?? {};
      copy.metadata = {
        ...metadata,
        name,
        labels: { ...copy.metadata?.labels, [hookOfLabel]: labelValue(ctx.env.name), [partOfLabel]: labelValue(ctx.partOf), [hookIdLabel]: id },
      };
      if (namespaced !== false && !copy.metadata.namespace) copy.metadata.namespace = ctx.env.namespace ?? ctx.defaultNamespace;
      if (namespaced === false) delete copy.metadata.namespace;
      hooks.push({ ...refOf(copy, source), object: copy, phase, wave: role.wave, deletePolicies: role.deletePolicies, generated: !object.metadata?.name, ...(object.metadata?.name ? {} : { generateName }), hookId: id });
    }
  }
  return { hooks, invalid };
}

/** What became of one hook run. */
export interface HookRun {
  hook: PreparedHook;
  outcome: 'succeeded' | 'failed';
  message: string;
  /** Whether the object exists in the cluster (it was created; policies may delete it later). */
  created: boolean;
}

export interface RunHooksOptions {
  timeoutSeconds: number;
  secrets: readonly string[];
  onProgress?: ProgressFn;
}

/**
 * Runs hooks of one step together: each replaces its earlier run (BeforeHookCreation: the object of the
 * same name, or for a `generateName` hook its earlier runs), is created with server-side apply, and
 * then all are waited for until each has succeeded or failed (or the timeout passes, which fails it).
 */
export async function runHooks(client: ClusterClient, hooks: readonly PreparedHook[], options: RunHooksOptions): Promise<HookRun[]> {
  if (hooks.length === 0) return [];
  const created = await mapLimit(hooks, client.concurrency, async (hook): Promise<HookRun> => {
    try {
      const info = await client.resources.find(hook.apiVersion, hook.kind);
      if (!info) return { hook, outcome: 'failed', created: false, message: `cluster "${client.name}" does not serve ${hook.kind} in ${hook.apiVersion}` };
      if (hook.deletePolicies.includes('BeforeHookCreation')) await removeEarlierRuns(client, info, hook, options.timeoutSeconds);
      options.onProgress?.({ stage: 'hook', message: `creating ${hook.phase} hook ${objectLabel(hook)}` });
      await serverSideApply(client, info, hook.object, { secrets: options.secrets });
      return { hook, outcome: 'succeeded', created: true, message: 'created' };
    } catch (error) {
      return { hook, outcome: 'failed', created: false, message: describeFailure(error) };
    }
  });
  const running = created.filter((r) => r.created);
  if (running.length === 0) return created;
  const health = await waitForHealth(client, running.map((r) => r.hook.object), {
    timeoutSeconds: options.timeoutSeconds,
    settleAll: true,
    onProgress: options.onProgress ? (e) => options.onProgress!({ ...e, stage: 'hook' }) : undefined,
  });
  running.forEach((run, i) => {
    const state = health.objects[i];
    if (state.status === 'healthy') {
      run.message = state.message;
    } else {
      run.outcome = 'failed';
      run.message = state.status === 'failed' ? state.message : `did not complete within ${options.timeoutSeconds} s (${state.message})`;
    }
  });
  return created;
}

/**
 * BeforeHookCreation: a named hook's object is deleted and waited out (a Job's template cannot change
 * in place); a `generateName` hook's earlier runs of this environment are deleted.
 */
async function removeEarlierRuns(client: ClusterClient, info: ResourceInfo, hook: PreparedHook, timeoutSeconds: number): Promise<void> {
  if (hook.generated) {
    const earlier = await listInNamespace(client, info, hook.namespace, `${hookIdLabel}=${hook.hookId}`);
    await Promise.all(earlier.filter((o) => o.metadata?.name !== hook.name).map((o) => deleteObject(client, info, hook.namespace, o.metadata?.name ?? '')));
    return;
  }
  if (!(await deleteObject(client, info, hook.namespace, hook.name))) return;
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let delay = 100; await getLive(client, info, hook.namespace, hook.name); delay = Math.min(2_000, delay * 2)) {
    if (Date.now() > deadline) throw new Error(`its earlier run was still being deleted after ${timeoutSeconds} s (BeforeHookCreation)`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * Deletes the hooks whose policy asks for it now that the sync is over: HookSucceeded when it succeeded,
 * HookFailed when it failed (gitops-engine deletes by the operation's outcome, not each hook's). Answers
 * the keys of the hooks it deleted; a failure to delete is a note, not a failed sync.
 */
export async function deleteHooksByPolicy(client: ClusterClient, runs: readonly HookRun[], syncOutcome: 'succeeded' | 'failed', notes: string[], rules: 'argocd' | 'helm' = 'argocd'): Promise<Set<string>> {
  const policy: HookDeletePolicy = syncOutcome === 'succeeded' ? 'HookSucceeded' : 'HookFailed';
  const deleted = new Set<string>();
  const due = rules === 'helm' ? helmDue(runs) : runs.filter((r) => r.created && r.hook.deletePolicies.includes(policy));
  await mapLimit(due, client.concurrency, async (run) => {
    const why: HookDeletePolicy = rules === 'helm' ? (run.outcome === 'succeeded' ? 'HookSucceeded' : 'HookFailed') : policy;
    try {
      const info = await client.resources.find(run.hook.apiVersion, run.hook.kind);
      if (info) await deleteObject(client, info, run.hook.namespace, run.hook.name);
      deleted.add(`${run.hook.key}#${run.hook.phase}`);
    } catch (error) {
      notes.push(`hook ${run.hook.kind} ${run.hook.name} could not be deleted (${why}): ${describeFailure(error)}`);
    }
  });
  return deleted;
}

/**
 * Helm's deletions (helm pkg/action/hooks.go execHook), by each hook's own run rather than the sync's
 * outcome: a failed hook saying hook-failed; the hooks of a phase saying hook-succeeded once every hook of
 * that phase ran and succeeded (a failed one stops the phase and keeps the ones before it); a
 * CustomResourceDefinition never.
 */
function helmDue(runs: readonly HookRun[]): HookRun[] {
  const phaseOk = (phase: HookPhase) => runs.filter((r) => r.hook.phase === phase).every((r) => r.outcome === 'succeeded');
  return runs.filter((r) => r.created && r.hook.kind !== 'CustomResourceDefinition' && (r.outcome === 'failed'
    ? r.hook.deletePolicies.includes('HookFailed')
    : r.hook.deletePolicies.includes('HookSucceeded') && phaseOk(r.hook.phase)));
}

/** A hook run as an object result of the apply report. */
export function hookResult(run: HookRun | { hook: PreparedHook; notRun: string }, deleted: ReadonlySet<string>): ObjectResult {
  const { object: _o, phase, wave, deletePolicies: _d, generated: _g, generateName: _n, hookId: _h, ...ref } = run.hook;
  if ('notRun' in run) {
    return { ...ref, action: 'skipped', stage: 'hook', error: run.notRun, hook: { phase, wave, outcome: 'not run' } };
  }
  const gone = deleted.has(`${run.hook.key}#${phase}`);
  return {
    ...ref,
    action: run.outcome === 'succeeded' ? 'created' : 'failed',
    stage: 'hook',
    ...(run.outcome === 'failed' ? { error: `${phase} hook failed: ${run.message}` } : {}),
    hook: { phase, wave, outcome: run.outcome, ...(gone ? { deleted: true } : {}) },
  };
}
