import type { Environment } from '../model/environment.ts';
import type { RenderedObject } from '../model/object.ts';
import { describeFailure } from './api-error.ts';
import { applyPrepared } from './apply.ts';
import { toClusterError, type ClusterClient } from './client.ts';
import { entryKey, entryOf, readInventory, writeInventory, type InventoryEntry } from './inventory.ts';
import { environmentLabel, labelValue, partOfLabel } from './labels.ts';
import { listByLabel } from './objects.ts';
import { prepareObjects, type PreparedSet } from './prepare.ts';
import { previewEnvironment } from './preview.ts';
import { planPrune, pruneObjects } from './prune.ts';
import { secretValues } from './secret-values.ts';
import type { ApplyAction, ApplyReport, ObjectResult, PreviewObject, ProgressFn } from './types.ts';
import { waitForHealth } from './wait-health.ts';

export type ApplyEnvironmentSettings = Pick<Environment, 'name' | 'namespace' | 'prune' | 'allowEmpty' | 'forceConflicts' | 'healthTimeoutSeconds'>;

export interface ApplyEnvironmentInput {
  client: ClusterClient;
  env: ApplyEnvironmentSettings;
  /** The full desired state of the environment (its render). */
  objects: readonly RenderedObject[];
  /** Server-side dry run: report what would happen, change nothing (not even the inventory). */
  dryRun?: boolean;
  /** Overrides env.prune. */
  prune?: boolean;
  /** Wait for health after a successful apply (default true). */
  wait?: boolean;
  /** Value of the bosun.dev/part-of label (e.g. the repository); default 'bosun'. */
  partOf?: string;
  onProgress?: ProgressFn;
}

/**
 * Applies an environment's desired state: validate everything up front (nothing is applied when any
 * object cannot be), server-side apply in phases, prune what the previous inventory has and Git no longer
 * has (only after the apply fully succeeded), record the new inventory, then wait for health.
 */
export function applyEnvironment(input: ApplyEnvironmentInput): Promise<ApplyReport> {
  return run(input, 'apply');
}

/**
 * Disaster recovery: the same as applyEnvironment, but trusting nothing in the cluster.
 * - Desired Namespaces still being deleted are waited out and re-created (apply fails them instead).
 * - What bosun owns is found from the inventory *and* by scanning for this environment's labels, so
 *   objects survive a lost or stale inventory and are still pruned when Git no longer has them.
 * - The inventory (and its `bosun-system` namespace) is rewritten from scratch.
 */
export function syncEnvironment(input: ApplyEnvironmentInput): Promise<ApplyReport> {
  return run(input, 'sync');
}

async function run(input: ApplyEnvironmentInput, mode: 'apply' | 'sync'): Promise<ApplyReport> {
  const stopListening = input.onProgress ? input.client.addRetryListener((n) => input.onProgress?.({
    stage: 'retry',
    message: `${n.method} ${n.path} failed (${describeFailure(n.error)}); try ${n.attempt + 1} of ${n.attempts} in ${n.delayMs} ms`,
  })) : undefined;
  try {
    return await runOnce(input, mode);
  } finally {
    stopListening?.();
  }
}

async function runOnce(input: ApplyEnvironmentInput, mode: 'apply' | 'sync'): Promise<ApplyReport> {
  const started = Date.now();
  const { client, env } = input;
  const partOf = input.partOf ?? 'bosun';
  const prune = input.prune ?? env.prune;
  const secrets = secretValues(input.objects.map((r) => r.object));
  const notes: string[] = [];
  const finish = (objects: ObjectResult[], extra: Partial<ApplyReport> & { ok: boolean }): ApplyReport => {
    const counts = Object.fromEntries((['created', 'configured', 'unchanged', 'failed', 'pruned', 'skipped'] as const).map((a) => [a, 0])) as Record<ApplyAction, number>;
    for (const o of objects) counts[o.action]++;
    return { environment: env.name, cluster: client.name, mode, dryRun: input.dryRun ?? false, objects, pruned: counts.pruned, counts, notes, durationMs: Date.now() - started, ...extra };
  };

  if (input.dryRun) return dryRunReport(input, prune, notes, finish);

  input.onProgress?.({ stage: 'prepare', message: `resolving ${input.objects.length} objects against cluster "${client.name}"` });
  let prepared: PreparedSet;
  let previous: InventoryEntry[];
  try {
    prepared = await prepareObjects(input.objects, { env, partOf, defaultNamespace: client.defaultNamespace, cluster: client.name, find: (v, k) => client.resources.find(v, k) });
    previous = (await readInventory(client, env.name, partOf))?.entries ?? [];
  } catch (error) {
    throw toClusterError(client.name, client.server, error);
  }
  if (prepared.invalid.length > 0) {
    notes.push(`nothing was applied: ${prepared.invalid.length} object(s) cannot be applied; fix them and try again`);
    return finish([
      ...prepared.invalid.map(({ error, ...ref }): ObjectResult => ({ ...ref, action: 'failed', stage: 'apply', error })),
      ...prepared.objects.map(({ object: _o, phase: _p, info: _i, ...ref }): ObjectResult => ({ ...ref, action: 'skipped', stage: 'apply', error: 'not applied: other objects are invalid' })),
    ], { ok: false });
  }
  if (mode === 'sync') previous = await withLabelledObjects(client, previous, prepared, env.name, partOf, notes);

  const applied = await applyPrepared(client, prepared.objects, {
    force: env.forceConflicts,
    secrets,
    onProgress: input.onProgress,
    recreateTerminatingNamespaces: mode === 'sync',
  });
  const failed = applied.filter((r) => r.action === 'failed').length;
  const succeeded = new Set(applied.filter((r) => r.action !== 'failed' && r.action !== 'skipped').map((r) => r.key));
  const desiredEntries = prepared.objects.map((o) => entryOf(o.object));
  const desiredKeys = new Set(desiredEntries.map(entryKey));
  const candidates = planPrune(previous, desiredKeys);
  let pruneResults: ObjectResult[] = [];
  let ok = failed === 0;
  let inventory: InventoryEntry[];

  if (failed > 0) {
    notes.push(`apply failed for ${failed} object(s): nothing was pruned`);
    // Keep tracking what was there plus whatever did get applied, so a later run can still prune it.
    inventory = mergeEntries(previous, desiredEntries.filter((e) => succeeded.has(entryKey(e))));
  } else if (candidates.length > 0 && !prune) {
    notes.push(`prune is off: ${candidates.length} object(s) Git no longer has stay in the cluster`);
    inventory = mergeEntries(desiredEntries, candidates.map((c) => c.entry));
  } else if (candidates.length > 0 && desiredEntries.length === 0 && !env.allowEmpty) {
    notes.push(`prune refused: the render is empty and would delete all ${candidates.length} object(s); set allowEmpty for this environment if that is intended`);
    inventory = previous;
    ok = false;
  } else {
    pruneResults = await pruneObjects(client, candidates, { environmentLabelValue: labelValue(env.name), partOfLabelValue: labelValue(partOf), onProgress: input.onProgress });
    const pruneFailed = new Set(pruneResults.filter((r) => r.action === 'failed').map((r) => r.key));
    if (pruneFailed.size > 0) {
      notes.push(`prune failed for ${pruneFailed.size} object(s); they stay in the inventory and are retried next time`);
      ok = false;
    }
    inventory = mergeEntries(desiredEntries, candidates.filter((c) => pruneFailed.has(c.key)).map((c) => c.entry));
  }

  try {
    input.onProgress?.({ stage: 'inventory', message: `recording ${inventory.length} objects in the inventory` });
    await writeInventory(client, { environment: env.name, entries: inventory }, partOf);
  } catch (error) {
    notes.push(`the inventory could not be written (${describeFailure(error)}); the next run cannot prune what this one applied`);
    ok = false;
  }

  let health: ApplyReport['health'];
  if (failed === 0 && input.wait !== false) {
    health = await waitForHealth(client, prepared.objects.map((o) => o.object), { timeoutSeconds: env.healthTimeoutSeconds, onProgress: input.onProgress });
    if (health.verdict !== 'healthy') ok = false;
  }
  return finish([...applied, ...pruneResults], { ok, ...(health ? { health } : {}) });
}

/** Entries of `a`, then those of `b` not already in `a`. */
function mergeEntries(a: readonly InventoryEntry[], b: readonly InventoryEntry[]): InventoryEntry[] {
  const keys = new Set(a.map(entryKey));
  return [...a, ...b.filter((e) => !keys.has(entryKey(e)))];
}

/** The inventory plus every object of the relevant kinds that carries this environment's labels. */
async function withLabelledObjects(client: ClusterClient, previous: InventoryEntry[], prepared: PreparedSet, environment: string, partOf: string, notes: string[]): Promise<InventoryEntry[]> {
  const kinds = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of prepared.objects) kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
  for (const e of previous) kinds.set(`${e.group ? `${e.group}/` : ''}${e.version}/${e.kind}`, { apiVersion: e.group ? `${e.group}/${e.version}` : e.version, kind: e.kind });
  const selector = `${environmentLabel}=${labelValue(environment)},${partOfLabel}=${labelValue(partOf)}`;
  const found: InventoryEntry[] = [];
  for (const { apiVersion, kind } of kinds.values()) {
    try {
      const info = await client.resources.find(apiVersion, kind);
      if (info) for (const obj of await listByLabel(client, info, selector)) found.push(entryOf(obj));
    } catch (error) {
      notes.push(`could not list ${kind} objects labelled for this environment: ${describeFailure(error)}`);
    }
  }
  return mergeEntries(previous, found);
}

async function dryRunReport(
  input: ApplyEnvironmentInput,
  prune: boolean,
  notes: string[],
  finish: (objects: ObjectResult[], extra: Partial<ApplyReport> & { ok: boolean }) => ApplyReport,
): Promise<ApplyReport> {
  const preview = await previewEnvironment({ client: input.client, env: { ...input.env, prune }, objects: input.objects, partOf: input.partOf, onProgress: input.onProgress });
  notes.push('dry run: nothing was changed', ...preview.notes);
  const toResult = (p: PreviewObject): ObjectResult => {
    const { action, diff: _d, risk: _r, secretKeys: _s, message, conflicts, ...ref } = p;
    const mapped: Record<PreviewObject['action'], ObjectResult['action']> = {
      create: 'created', update: 'configured', unchanged: 'unchanged', conflict: 'failed', rejected: 'failed', prune: 'pruned',
    };
    const result: ObjectResult = { ...ref, action: mapped[action], stage: action === 'prune' ? 'prune' : 'apply' };
    if (message && (action === 'conflict' || action === 'rejected')) result.error = message;
    if (conflicts && action === 'conflict') result.conflicts = conflicts;
    return result;
  };
  return finish([...preview.objects.map(toResult), ...preview.prunes.map(toResult)], { ok: preview.ok });
}
