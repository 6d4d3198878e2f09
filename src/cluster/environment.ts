import type { Environment } from '../model/environment.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import type { HelmReleaseAction } from '../model/helm-crds.ts';
import { deleterOf, syncSemanticsOf } from '../model/apply-options.ts';
import { groupOf, objectLabel } from '../model/object.ts';
import { splitForSync } from '../model/sync.ts';
import { syncRolesOf } from '../model/sync-role.ts';
import { describeFailure } from './api-error.ts';
import { isServerAway } from './retry.ts';
import type { ApplyObjectsOptions } from './apply.ts';
import { ensureNamespace } from './create-namespace.ts';
import { deleteHooksByPolicy, hookResult, prepareHooks, runHooks } from './hooks.ts';
import { isNamespace } from './order.ts';
import { runSyncSteps } from './sync-run.ts';
import { planSyncSteps } from './waves.ts';
import { toClusterError, type ClusterClient } from './client.ts';
import { entryKey, entryOf, readInventory, writeInventory, type InventoryEntry } from './inventory.ts';
import { environmentLabel, labelValue, partOfLabel } from './labels.ts';
import { listByLabel } from './objects.ts';
import { prepareObjects, refOf, refOnly, scopesFromCrds, type PreparedSet } from './prepare.ts';
import { decryptForApply, sopsAgeKeyFileEnv } from '../sops/for-apply.ts';
import { outOfSyncLeft, previewEnvironment } from './preview.ts';
import { planPrune, pruneObjects } from './prune.ts';
import { secretValues } from './secret-values.ts';
import type { ApplyAction, ApplyReport, ObjectResult, PreviewObject, ProgressFn, SyncStep } from './types.ts';
import { waitForHealth } from './wait-health.ts';

export type ApplyEnvironmentSettings = Pick<Environment, 'name' | 'namespace' | 'prune' | 'allowEmpty' | 'forceConflicts' | 'healthTimeoutSeconds'>
  // Which annotations are honoured and the environment's sync options (absent: Argo CD's annotations, no options).
  & Partial<Pick<Environment, 'source' | 'apply' | 'helmRelease' | 'path' | 'fleet'>>;

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
  /** The commit being applied: part of the names of `generateName` hooks (default 'local'). */
  revision?: string;
  /** The environment is being removed (objects: []): Argo CD's `Delete=` options keep objects instead of `Prune=`. */
  removal?: boolean;
  /** The operator's age key file for SOPS-encrypted objects (default: $BOSUN_SOPS_AGE_KEY_FILE); without one they refuse the apply. */
  sopsAgeKeyFile?: string;
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

async function runOnce(original: ApplyEnvironmentInput, mode: 'apply' | 'sync'): Promise<ApplyReport> {
  const started = Date.now();
  // SOPS: decrypted here, in bosun's own process, before anything reaches the cluster; never applied as ciphertext.
  const sops = await decryptForApply(original.objects, original.sopsAgeKeyFile ?? process.env[sopsAgeKeyFileEnv]);
  const input: ApplyEnvironmentInput = { ...original, objects: sops.objects };
  const { client, env } = input;
  const partOf = input.partOf ?? 'bosun';
  const prune = input.prune ?? env.prune;
  const semantics = syncSemanticsOf(env);
  const secrets = [...secretValues(input.objects.map((r) => r.object)), ...sops.plaintexts];
  const notes: string[] = [];
  const finish = (objects: ObjectResult[], extra: Partial<ApplyReport> & { ok: boolean }): ApplyReport => {
    const counts = Object.fromEntries((['created', 'configured', 'unchanged', 'failed', 'pruned', 'skipped'] as const).map((a) => [a, 0])) as Record<ApplyAction, number>;
    for (const o of objects) counts[o.action]++;
    return { environment: env.name, cluster: client.name, mode, dryRun: input.dryRun ?? false, objects, pruned: counts.pruned, counts, notes, durationMs: Date.now() - started, ...extra };
  };

  if (sops.problems.length > 0) {
    notes.push(`nothing was applied: ${sops.problems.length} SOPS-encrypted object(s) cannot be decrypted`);
    const bad = new Set(sops.problems.map((p) => p.rendered));
    return finish([
      ...sops.problems.map((p): ObjectResult => ({ ...refOf(p.rendered.object, p.rendered.source), action: 'failed', stage: 'apply', error: p.error })),
      ...input.objects.filter((r) => !bad.has(r)).map((r): ObjectResult => ({ ...refOf(r.object, r.source), action: 'skipped', stage: 'apply', error: 'not applied: SOPS-encrypted objects cannot be decrypted' })),
    ], { ok: false });
  }
  if (input.dryRun) return dryRunReport(input, prune, notes, finish);

  input.onProgress?.({ stage: 'prepare', message: `resolving ${input.objects.length} objects against cluster "${client.name}"` });
  // Hooks run in their phases and are never tracked; Skip objects are never applied (src/model/sync.ts).
  // Helm (a Fleet bundle) runs pre-install hooks on an install and pre-upgrade ones on an upgrade: an
  // environment bosun applied before (its inventory is there) is an upgrade, unless a plan says.
  let split: ReturnType<typeof splitForSync<RenderedObject>>;
  let prepared: PreparedSet;
  let hookSet: Awaited<ReturnType<typeof prepareHooks>>;
  let previous: InventoryEntry[];
  try {
    const inventory = await readInventory(client, env.name, partOf);
    const helmAction = env.apply?.helmRelease ?? (inventory !== undefined ? 'upgrade' : 'install');
    const roles = syncRolesOf(env, helmAction);
    split = splitForSync(input.objects, roles);
    prepared = await prepareObjects(split.resources, { env: withHelmAction(env, split.resources, helmAction), partOf, defaultNamespace: client.defaultNamespace, cluster: client.name, find: (v, k) => client.resources.find(v, k) });
    const crdScopes = scopesFromCrds(split.resources.map((r) => r.object));
    hookSet = await prepareHooks(split.hooks, {
      env, partOf, revision: input.revision ?? 'local', startedAt: started, defaultNamespace: client.defaultNamespace, ...(roles ? { roles } : {}),
      namespaced: async (v, k) => (await client.resources.find(v, k))?.namespaced ?? (crdScopes.has(`${groupOf(v)}/${k}`) ? crdScopes.get(`${groupOf(v)}/${k}`) === 'Namespaced' : undefined),
    });
    previous = inventory?.entries ?? [];
  } catch (error) {
    throw toClusterError(client.name, client.server, error);
  }
  const invalid = [...prepared.invalid, ...hookSet.invalid];
  if (invalid.length > 0) {
    notes.push(`nothing was applied: ${invalid.length} object(s) cannot be applied; fix them and try again`);
    return finish([
      ...invalid.map(({ error, ...ref }): ObjectResult => ({ ...ref, action: 'failed', stage: 'apply', error })),
      ...prepared.objects.map((o): ObjectResult => ({ ...refOnly(o), action: 'skipped', stage: 'apply', error: 'not applied: other objects are invalid' })),
      ...hookSet.hooks.map((hook) => hookResult({ hook, notRun: 'not run: other objects are invalid' }, new Set())),
    ], { ok: false });
  }
  for (const s of split.skipped) notes.push(`not applied: ${s.label}: ${s.reason}`);
  if (mode === 'sync') previous = await withLabelledObjects(client, previous, prepared, env.name, partOf, notes);

  const results: ObjectResult[] = [];
  const createNamespace = env.apply?.createNamespace;
  if (semantics === 'argocd' && createNamespace && env.namespace && !prepared.objects.some((o) => isNamespace(o.object) && o.name === env.namespace)) {
    results.push(await ensureNamespace(client, env.namespace, createNamespace));
  }
  const { steps, syncFail } = planSyncSteps(prepared.objects, hookSet.hooks, { oneHookPerStep: semantics === 'helm' });
  const postSteps = steps.filter((s) => s.phase === 'PostSync');
  const applyOptions: ApplyObjectsOptions = { force: env.forceConflicts, secrets, onProgress: input.onProgress, recreateTerminatingNamespaces: mode === 'sync', semantics };
  const timeoutSeconds = env.healthTimeoutSeconds;
  const namespaceFailed = results.some((r) => r.action === 'failed');
  const main = namespaceFailed
    ? { applied: prepared.objects.map((o): ObjectResult => ({ ...refOnly(o), action: 'skipped', stage: 'apply', error: 'not applied: its namespace could not be created' })), runs: [], notRun: hookSet.hooks.filter((h) => h.phase !== 'SyncFail'), steps: [], failure: `namespace ${env.namespace} could not be created (CreateNamespace=true)` }
    : await runSyncSteps(client, steps.filter((s) => s.phase !== 'PostSync'), { apply: applyOptions, timeoutSeconds, waitAfterLast: postSteps.length > 0 });
  results.push(...main.applied);
  const runs = [...main.runs];
  const notRun = [...main.notRun];
  const syncSteps = [...main.steps];
  let failure = main.failure;

  const failed = results.filter((r) => r.action === 'failed').length;
  const succeeded = new Set(results.filter((r) => r.action !== 'failed' && r.action !== 'skipped').map((r) => r.key));
  const desiredEntries = prepared.objects.filter((o) => !o.untracked).map((o) => entryOf(o.object));
  // Hooks and Skip objects are not pruned (Argo CD: they are in Git, just not applied as resources); a Skip
  // object bosun applied before stays tracked, so it is pruned once Git drops it. A HelmRelease chart's
  // crds/ CRD is never pruned and leaves the inventory (one an earlier bosun tracked included).
  const heldKeys = new Set([...hookSet.hooks.map((h) => h.key), ...split.skipped.map((s) => s.key), ...prepared.objects.filter((o) => o.untracked).map((o) => o.key)]);
  const desiredKeys = new Set([...desiredEntries.map(entryKey), ...heldKeys]);
  const stillTracked = previous.filter((e) => split.skipped.some((s) => s.key === entryKey(e)));
  const candidates = planPrune(previous, desiredKeys);
  let pruneResults: ObjectResult[] = [];
  let leftByPruneOff = 0;
  let keptByPruneRule = 0;
  let ok = failed === 0 && failure === undefined;
  let inventory: InventoryEntry[];

  if (failure !== undefined) {
    notes.push(`${failure}: nothing was pruned`);
    // Keep tracking what was there plus whatever did get applied, so a later run can still prune it.
    inventory = mergeEntries(previous.filter((e) => !hookSet.hooks.some((h) => h.key === entryKey(e))), desiredEntries.filter((e) => succeeded.has(entryKey(e))));
  } else if (candidates.length > 0 && !prune) {
    notes.push(`prune is off: ${candidates.length} object(s) Git no longer has stay in the cluster`);
    // What keeps it out of sync (an Argo CD RollingSync step is not done while any is left): the preview's count.
    ({ left: leftByPruneOff, kept: keptByPruneRule } = await outOfSyncLeft(client, env, candidates, partOf));
    inventory = mergeEntries(mergeEntries(desiredEntries, stillTracked), candidates.map((c) => c.entry));
  } else if (candidates.length > 0 && desiredEntries.length === 0 && !env.allowEmpty) {
    notes.push(`prune refused: the render is empty and would delete all ${candidates.length} object(s); set allowEmpty for this environment if that is intended`);
    inventory = previous;
    ok = false;
  } else {
    const pruneStarted = Date.now();
    pruneResults = await pruneObjects(client, candidates, {
      environmentLabelValue: labelValue(env.name), partOfLabelValue: labelValue(partOf), onProgress: input.onProgress,
      rules: { semantics, ...(env.apply ? { policy: env.apply } : {}), ...(input.removal ? { removal: true } : {}), ...(deleterOf(env) ? { deleter: deleterOf(env) } : {}) },
    });
    const pruneFailed = new Set(pruneResults.filter((r) => r.action === 'failed').map((r) => r.key));
    // A kept object (Prune=false…) stays tracked: bosun applied it, and it is still its to report.
    const kept = candidates.filter((c) => pruneResults.some((r) => r.key === c.key && r.action === 'skipped' && r.error?.startsWith('kept: ') && !r.error.includes('so bosun does not own it') && !r.error.includes('another repository owns it')));
    if (pruneFailed.size > 0) {
      notes.push(`prune failed for ${pruneFailed.size} object(s); they stay in the inventory and are retried next time`);
      ok = false;
      failure = `prune failed for ${pruneFailed.size} object(s)`;
    }
    if (candidates.length > 0 && syncSteps.length > 0) {
      syncSteps.push({ phase: 'Prune', objects: candidates.length, hooks: 0, outcome: pruneFailed.size > 0 ? 'failed' : 'ok', elapsedMs: Date.now() - pruneStarted });
    }
    inventory = mergeEntries(mergeEntries(desiredEntries, stillTracked), candidates.filter((c) => pruneFailed.has(c.key) || kept.includes(c)).map((c) => c.entry));
    // Argo CD: what a rule kept from this prune (Prune=false…) still keeps the Application OutOfSync (preview.ts outOfSyncLeft).
    if (kept.length > 0 && semantics === 'argocd' && !input.removal) {
      const still = await outOfSyncLeft(client, env, kept, partOf);
      keptByPruneRule = still.kept + still.left;
    }
  }

  let inventoryAway: string | undefined;
  try {
    input.onProgress?.({ stage: 'inventory', message: `recording ${inventory.length} objects in the inventory` });
    await writeInventory(client, { environment: env.name, entries: inventory }, partOf);
  } catch (error) {
    notes.push(`the inventory could not be written (${describeFailure(error)}); the next run cannot prune what this one applied`);
    ok = false;
    if (isServerAway(error)) inventoryAway = `the inventory could not be written: ${describeFailure(error)}`;
  }

  if (failure === undefined && postSteps.length > 0) {
    const post = await runSyncSteps(client, postSteps, { apply: applyOptions, timeoutSeconds, waitAfterLast: false });
    runs.push(...post.runs);
    notRun.push(...post.notRun);
    syncSteps.push(...post.steps);
    if (post.failure) {
      failure = post.failure;
      ok = false;
    }
  } else {
    notRun.push(...postSteps.flatMap((s) => s.hooks));
    syncSteps.push(...postSteps.map((s): SyncStep => ({ phase: s.phase, wave: s.wave, objects: 0, hooks: s.hooks.length, outcome: 'not run', elapsedMs: 0 })));
  }
  if (failure !== undefined) {
    ok = false;
    if (syncFail.length > 0) {
      const failStarted = Date.now();
      input.onProgress?.({ stage: 'hook', message: `the sync failed (${failure}): running ${syncFail.length} SyncFail hook(s)` });
      const failRuns = await runHooks(client, syncFail, { timeoutSeconds, secrets, onProgress: input.onProgress });
      runs.push(...failRuns);
      const bad = failRuns.filter((r) => r.outcome === 'failed');
      syncSteps.push({ phase: 'SyncFail', objects: 0, hooks: syncFail.length, outcome: bad.length > 0 ? 'failed' : 'ok', ...(bad.length > 0 ? { message: `${bad.length} SyncFail hook(s) failed` } : {}), elapsedMs: Date.now() - failStarted });
    }
  } else {
    notRun.push(...syncFail);
  }
  const deleted = runs.length > 0 ? await deleteHooksByPolicy(client, runs, failure === undefined ? 'succeeded' : 'failed', notes, semantics === 'helm' ? 'helm' : 'argocd') : new Set<string>();
  const hookResults = [...runs.map((r) => hookResult(r, deleted)), ...notRun.map((hook) => hookResult({ hook, notRun: hook.phase === 'SyncFail' ? 'not run: the sync did not fail' : `not run: ${failure ?? 'an earlier step failed'}` }, deleted))];

  let health: ApplyReport['health'];
  const toCheck = input.wait === false ? [] : healthTargets(env.apply, prepared.objects, results, notes);
  if (failure === undefined && toCheck.length > 0) {
    health = await waitForHealth(client, toCheck, { timeoutSeconds, onProgress: input.onProgress });
    if (health.verdict !== 'healthy') ok = false;
  }
  const showSteps = hookSet.hooks.length > 0 || steps.length > 1;
  const objects = [...results, ...pruneResults, ...hookResults];
  // The API server stopped answering: what failed says nothing about the objects, and the run can be repeated.
  const away = objects.find((o) => o.unreachable);
  const unreachable = ok ? undefined : (away ? `${objectLabel(away)}: ${away.error}` : inventoryAway);
  return finish(objects, { ok, ...(health ? { health } : {}), ...(showSteps ? { steps: syncSteps } : {}), ...(unreachable ? { unreachable } : {}), ...(leftByPruneOff > 0 ? { leftByPruneOff } : {}), ...(keptByPruneRule > 0 ? { keptByPruneRule } : {}) });
}

/**
 * What to wait for after the apply: every applied object (objects left alone — Flux `ssa: Ignore`,
 * `reconcile: disabled` — are not waited for); with Flux `spec.wait: false` only `spec.healthChecks`, and
 * with `wait: true` the healthChecks are ignored (kustomize-controller: "If set to true, .spec.healthChecks is ignored").
 */
function healthTargets(policy: ApplyEnvironmentSettings['apply'], objects: PreparedSet['objects'], results: readonly ObjectResult[], notes: string[]): KubeObject[] {
  const notApplied = new Set(results.filter((r) => r.action === 'skipped' && r.error?.startsWith('not applied: ')).map((r) => r.key));
  const applied = objects.filter((o) => !notApplied.has(o.key)).map((o) => o.object);
  const checks = (policy?.healthChecks ?? []).map((h): KubeObject => ({ apiVersion: h.apiVersion, kind: h.kind, metadata: { name: h.name, ...(h.namespace ? { namespace: h.namespace } : {}) } }));
  if (policy?.wait === false) {
    notes.push(checks.length > 0
      ? `spec.wait is false: health is checked only for the ${checks.length} spec.healthChecks object(s), as Flux does`
      : 'spec.wait is false and there are no spec.healthChecks: health is not checked, as Flux does');
    return checks;
  }
  if (policy?.wait === true && checks.length > 0) notes.push(`spec.wait is true: every applied object is waited for and spec.healthChecks (${checks.length}) is ignored, as Flux does`);
  return applied;
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
    const { action, diff: _d, risk: _r, secretKeys: _s, message, conflicts, ignoredInDrift: _g, ignoredFields: _f, ...ref } = p;
    const mapped: Record<PreviewObject['action'], ObjectResult['action']> = {
      create: 'created', update: 'configured', unchanged: 'unchanged', conflict: 'failed', rejected: 'failed', prune: 'pruned',
    };
    const result: ObjectResult = { ...ref, action: mapped[action], stage: action === 'prune' ? 'prune' : 'apply' };
    if (message && (action === 'conflict' || action === 'rejected')) result.error = message;
    if (conflicts && action === 'conflict') result.conflicts = conflicts;
    return result;
  };
  const hooks = (preview.hooks ?? []).map(({ phase, wave, problem, ...ref }): ObjectResult => ({
    ...ref, action: problem ? 'failed' : 'skipped', stage: 'hook', error: problem ?? `dry run: this ${phase} hook runs at the sync`, hook: { phase, wave, outcome: 'not run' },
  }));
  return finish([...preview.objects.map(toResult), ...preview.prunes.map(toResult), ...hooks], { ok: preview.ok });
}

/**
 * A HelmRelease's chart CRDs follow `install.crds` or `upgrade.crds` (src/model/helm-crds.ts): a plan knows
 * which (the release exists at the base), an apply outside a plan asks the cluster — an environment bosun
 * applied before (its inventory is there) is an upgrade, else an install, as helm-controller decides by
 * the release it finds.
 */
function withHelmAction(env: ApplyEnvironmentSettings, objects: readonly RenderedObject[], action: HelmReleaseAction): ApplyEnvironmentSettings {
  if (env.apply?.helmRelease || !objects.some((o) => o.helmCrds)) return env;
  return { ...env, apply: { ...env.apply, helmRelease: action } };
}
