import type { Environment } from '../model/environment.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import { mapLimit } from '../util/limit.ts';
import { ApiError, describeFailure } from './api-error.ts';
import { toClusterError, type ClusterClient } from './client.ts';
import { isServerAway } from './retry.ts';
import { readInventory } from './inventory.ts';
import { deleterOf, fluxExclusion, syncSemanticsOf } from '../model/apply-options.ts';
import type { SyncSemantics } from '../model/sync.ts';
import { groupOf, objectLabel } from '../model/object.ts';
import { compareOptionsAnnotation, hasAnnotationOption, splitForSync, type SyncRole } from '../model/sync.ts';
import { syncRolesOf } from '../model/sync-role.ts';
import { compileIgnoreRules, withoutIgnoredFields, type CompiledIgnoreRules } from '../diff/ignore-differences.ts';
import { prepareHooks } from './hooks.ts';
import { environmentLabel, labelValue, partOfLabel } from './labels.ts';
import { pruneKeepReason } from './prune-rules.ts';
import { planSyncSteps } from './waves.ts';
import { liveDiff } from './live-diff.ts';
import { readLive } from './live-reader.ts';
import { createObject, getLive, serverSideApply } from './objects.ts';
import { isImmutableError } from './apply.ts';
import { isNamespace } from './order.ts';
import { prepareObjects, refOf, scopesFromCrds, type PreparedObject } from './prepare.ts';
import { decryptForApply, sopsAgeKeyFileEnv } from '../sops/for-apply.ts';
import { planPrune } from './prune.ts';
import { secretValues } from './secret-values.ts';
import type { PreviewAction, PreviewHook, PreviewObject, PreviewResult, ProgressFn } from './types.ts';

export interface PreviewInput {
  client: ClusterClient;
  env: Pick<Environment, 'name' | 'namespace' | 'prune' | 'allowEmpty' | 'forceConflicts'> & Partial<Pick<Environment, 'source' | 'apply' | 'path' | 'fleet' | 'helmRelease'>>;
  objects: readonly RenderedObject[];
  /** Value of the bosun.dev/part-of label (default 'bosun'). */
  partOf?: string;
  onProgress?: ProgressFn;
  /** The operator's age key file for SOPS-encrypted objects (default: $BOSUN_SOPS_AGE_KEY_FILE). */
  sopsAgeKeyFile?: string;
}

/**
 * What applying `objects` would do to the live cluster, without changing it: a server-side apply dry run
 * per object (the API server runs defaulting, admission and conflict detection), diffed against the live
 * object; plus what prune would delete, from the environment's inventory.
 */
export async function previewEnvironment(input: PreviewInput): Promise<PreviewResult> {
  const { client, env } = input;
  const partOf = input.partOf ?? 'bosun';
  // SOPS: compared decrypted (values stay masked in the diff); without a key, shown as rejected, never dry-run as ciphertext.
  const sops = await decryptForApply(input.objects, input.sopsAgeKeyFile ?? process.env[sopsAgeKeyFileEnv]);
  const undecrypted = new Set(sops.problems.map((p) => p.rendered));
  const rendered = sops.objects.filter((r) => !undecrypted.has(r));
  const secrets = [...secretValues(rendered.map((r) => r.object)), ...sops.plaintexts];
  const semantics = syncSemanticsOf(env);
  // Hooks are not changes (they are created at each sync) and Skip objects are never applied.
  const roles = syncRolesOf(env);
  const split = splitForSync(rendered, roles);
  const ignore = compileIgnoreRules(env.apply?.ignoreDifferences);
  let prepared;
  let hooks: PreviewHook[];
  try {
    prepared = await prepareObjects(split.resources, { env, partOf, defaultNamespace: client.defaultNamespace, cluster: client.name, find: (v, k) => client.resources.find(v, k) });
    hooks = await previewHooks(client, split.hooks, { env, partOf, secrets, scopes: scopesFromCrds(split.resources.map((r) => r.object)), ...(roles ? { roles } : {}), oneHookPerStep: semantics === 'helm' });
  } catch (error) {
    throw toClusterError(client.name, client.server, error);
  }
  const desiredNamespaces = new Set(prepared.objects.filter((o) => isNamespace(o.object)).map((o) => o.name));
  let done = 0;
  const live = await readLive(client, prepared.objects.filter((o) => o.info).map((o) => ({ key: o.key, info: o.info!, namespace: o.namespace, name: o.name })))
    .catch(() => new Map<string, KubeObject | undefined>());
  const previewed = await mapLimit(prepared.objects, client.concurrency, async (o) => {
    const result = await previewOne(client, o, { force: env.forceConflicts, secrets, desiredNamespaces, ignore, semantics }, live.has(o.key) ? { live: live.get(o.key) } : undefined);
    done++;
    input.onProgress?.({ stage: 'preview', message: `${result.action} ${objectLabel(o)}`, done, total: prepared.objects.length });
    return result;
  });

  const notes: string[] = [...ignore.problems];
  for (const skipped of split.skipped) notes.push(`not applied: ${skipped.label}: ${skipped.reason}`);
  // Flux's per-object options: what the apply leaves alone, and what it re-creates.
  for (const o of previewed) {
    if (o.leftAlone) notes.push(`${o.leftAlone.startsWith('not updated') ? 'not updated' : 'not applied'}: ${objectLabel(o)}: ${o.leftAlone.replace(/^not (applied|updated): /, '')}`);
  }
  const objects: PreviewObject[] = [
    ...prepared.invalid.map(({ error, ...ref }): PreviewObject => ({ ...ref, action: 'rejected', message: error })),
    ...sops.problems.map((p): PreviewObject => ({ ...refOf(p.rendered.object, p.rendered.source), action: 'rejected', message: p.error })),
    ...previewed.map(({ leftAlone: _l, ...o }) => withoutDecryptedDiff(o, sops.decrypted)),
  ];
  const held = new Set([...hooks.map((h) => h.key), ...split.skipped.map((h) => h.key), ...sops.problems.map((p) => refOf(p.rendered.object).key)]);
  const { prunes, leftByPruneOff, keptByPruneRule } = await previewPrunes(client, env, prepared.objects, notes, partOf, held);
  const counts = Object.fromEntries((['create', 'update', 'unchanged', 'conflict', 'rejected', 'prune'] as const).map((a) => [a, 0])) as Record<PreviewAction, number>;
  for (const o of [...objects, ...prunes]) counts[o.action]++;
  const hookProblems = hooks.filter((h) => h.problem).length;
  return {
    environment: env.name, cluster: client.name, objects, prunes, counts, notes,
    ...(leftByPruneOff ? { leftByPruneOff } : {}),
    ...(keptByPruneRule ? { keptByPruneRule } : {}),
    ok: counts.conflict === 0 && counts.rejected === 0 && hookProblems === 0,
    ...(hooks.length > 0 ? { hooks } : {}),
  };
}

/**
 * Each hook as the sync would create it, checked by the API server with a dry-run create (schema,
 * defaulting, admission); its name is left to the server, so an earlier run in the cluster is no conflict.
 */
async function previewHooks(client: ClusterClient, rendered: readonly RenderedObject[], ctx: { env: PreviewInput['env']; partOf: string; secrets: readonly string[]; scopes: Map<string, 'Namespaced' | 'Cluster'>; roles?: (r: RenderedObject) => SyncRole; oneHookPerStep: boolean }): Promise<PreviewHook[]> {
  if (rendered.length === 0) return [];
  const { hooks } = await prepareHooks(rendered, {
    env: ctx.env, partOf: ctx.partOf, revision: 'preview', startedAt: Date.now(), defaultNamespace: client.defaultNamespace, ...(ctx.roles ? { roles: ctx.roles } : {}),
    namespaced: async (v, k) => (await client.resources.find(v, k))?.namespaced ?? (ctx.scopes.has(`${groupOf(v)}/${k}`) ? ctx.scopes.get(`${groupOf(v)}/${k}`) === 'Namespaced' : undefined),
  });
  const { steps, syncFail } = planSyncSteps([], hooks, { oneHookPerStep: ctx.oneHookPerStep });
  const ordered = [...steps.flatMap((s) => s.hooks), ...syncFail];
  return mapLimit(ordered, client.concurrency, async (hook): Promise<PreviewHook> => {
    const { object, phase, wave, deletePolicies: _d, generated: _g, generateName, hookId: _h, ...ref } = hook;
    // A generated name is only this preview's: the report shows the hook as `<generateName>*`.
    const shown = generateName ? { ...ref, name: `${generateName}*` } : ref;
    try {
      const info = await client.resources.find(hook.apiVersion, hook.kind);
      // Its kind comes with this change's CRDs: the API server can check it only once they exist.
      if (!info) return { ...shown, phase, wave };
      const { name: _n, ...metadata } = object.metadata ?? {};
      await createObject(client, info, { ...object, metadata: { ...metadata, generateName: generateName ?? `${hook.name}-` } }, { dryRun: true, secrets: ctx.secrets });
      return { ...shown, phase, wave };
    } catch (error) {
      // Its namespace comes with this change: nothing to check it in yet.
      if (error instanceof ApiError && error.status === 404 && hook.namespace) return { ...shown, phase, wave };
      if (isServerAway(error)) throw error;
      return { ...shown, phase, wave, problem: `${phase} hook: ${describeFailure(error)}` };
    }
  });
}

interface PreviewContext {
  semantics: SyncSemantics;
  force: boolean;
  secrets: readonly string[];
  desiredNamespaces: ReadonlySet<string>;
  /** The environment's ignoreDifferences: those fields are left out of the comparison. */
  ignore: CompiledIgnoreRules;
}

async function previewOne(client: ClusterClient, o: PreparedObject, ctx: PreviewContext, known?: { live: KubeObject | undefined }): Promise<PreviewObject & { leftAlone?: string }> {
  const { object, phase: _phase, info, options: _options, ...ref } = o;
  if (o.options.apply === 'never') return { ...ref, action: 'unchanged', leftAlone: `not applied: ${o.options.skipReason ?? 'excluded'}` };
  if (!info) {
    const { diff, risk } = liveDiff(undefined, object);
    return { ...ref, action: 'create', diff, risk, message: 'its kind is defined by a CustomResourceDefinition in this change; the API server can check it only once that exists' };
  }
  try {
    const live = known ? known.live : await getLive(client, info, o.namespace, o.name);
    const liveExclusion = ctx.semantics === 'flux' && live ? fluxExclusion(live, 'in the cluster') : undefined;
    if (liveExclusion) return { ...ref, action: 'unchanged', leftAlone: `not applied: ${liveExclusion}` };
    if (o.options.apply === 'ifNotPresent' && live) return { ...ref, action: 'unchanged', leftAlone: `not updated: it exists, and it is ${o.options.skipReason ?? 'IfNotPresent'}` };
    let next;
    let conflicts;
    try {
      next = (await serverSideApply(client, info, object, { dryRun: true, secrets: ctx.secrets })).object;
    } catch (error) {
      if (live && o.options.recreateOnImmutable && isImmutableError(error)) {
        // Flux force: the apply deletes and re-creates it. The server cannot dry-run that while the object
        // exists, so the diff is against the object as written (server defaults show as removals).
        const d = liveDiff(live, object);
        return { ...ref, action: 'update', diff: d.diff, risk: d.risk, ...(d.secretKeys ? { secretKeys: d.secretKeys } : {}), message: `recreated: an immutable field changed and force is on, so the apply deletes and re-creates it (${describeFailure(error)})` };
      }
      if (ctx.semantics === 'flux' && isImmutableError(error)) {
        return { ...ref, action: 'rejected', message: `${describeFailure(error)}; an immutable field changed: set spec.force: true on the Kustomization (or annotate the object kustomize.toolkit.fluxcd.io/force: enabled) to delete and re-create it` };
      }
      if (!(error instanceof ApiError) || error.conflicts().length === 0 || !ctx.force) throw error;
      conflicts = error.conflicts();
      next = (await serverSideApply(client, info, object, { dryRun: true, force: true, secrets: ctx.secrets })).object;
    }
    const compared = withoutIgnoredFields(live, next, ctx.ignore);
    const d = liveDiff(compared.live, compared.next);
    const action = !live ? 'create' : d.changed ? 'update' : 'unchanged';
    return {
      ...ref,
      action,
      ...(compared.ignored && live ? { ignoredFields: true } : {}),
      ...(d.changed ? { diff: d.diff, risk: d.risk } : {}),
      ...(d.secretKeys ? { secretKeys: d.secretKeys } : {}),
      ...(conflicts ? { conflicts, message: `forceConflicts is on: takes over ${conflicts.map((c) => `${c.field} from "${c.manager}"`).join(', ')}` } : {}),
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && o.namespace && ctx.desiredNamespaces.has(o.namespace)) {
      return previewInStandIn(client, o, ctx);
    }
    if (error instanceof ApiError && error.conflicts().length > 0) {
      return { ...ref, action: 'conflict', conflicts: error.conflicts(), message: describeFailure(error) };
    }
    // The API server went away (past the client's retries): nothing about this object is known, so the
    // whole preview could not be taken, rather than this object predicted to fail.
    if (isServerAway(error)) throw toClusterError(client.name, client.server, error);
    const prefix = error instanceof ApiError && error.status < 500 && error.status !== 429 ? '' : 'could not be checked: ';
    return { ...ref, action: 'rejected', message: `${prefix}${describeFailure(error)}` };
  }
}

/**
 * An object whose namespace this change creates cannot be dry-run where it will live. The API server can
 * still validate it (schema, defaulting, most admission) in an existing namespace, as long as no object
 * of that name is there to merge with; namespace-specific admission (quotas, limit ranges) is not covered.
 */
async function previewInStandIn(client: ClusterClient, o: PreparedObject, ctx: PreviewContext): Promise<PreviewObject> {
  const { object, phase: _phase, info, options: _options, ...ref } = o;
  const standIn = client.defaultNamespace;
  const unchecked = (): PreviewObject => {
    const { diff, risk } = liveDiff(undefined, object);
    return { ...ref, action: 'create', diff, risk, message: `namespace ${o.namespace} is created by this change; the API server can check this object only once it exists` };
  };
  if (!info || standIn === o.namespace || (await getLive(client, info, standIn, o.name).catch(() => 'unknown')) !== undefined) return unchecked();
  try {
    const moved = { ...object, metadata: { ...object.metadata, namespace: standIn } };
    const result = (await serverSideApply(client, info, moved, { dryRun: true, secrets: ctx.secrets })).object;
    const next = { ...result, metadata: { ...result.metadata, namespace: o.namespace } };
    const { diff, risk } = liveDiff(undefined, next);
    return { ...ref, action: 'create', diff, risk, message: `namespace ${o.namespace} is created by this change; checked by the API server in namespace ${standIn} instead` };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return unchecked();
    if (isServerAway(error)) throw toClusterError(client.name, client.server, error);
    const prefix = error instanceof ApiError && error.status < 500 && error.status !== 429 ? '' : 'could not be checked: ';
    return { ...ref, action: 'rejected', message: `${prefix}${describeFailure(error).replaceAll(`"${standIn}"`, `"${o.namespace}"`)}` };
  }
}

/** What the apply would prune; with prune off, how many objects Git no longer has it leaves instead. */
async function previewPrunes(client: ClusterClient, env: PreviewInput['env'], desired: readonly PreparedObject[], notes: string[], partOf: string, held: ReadonlySet<string>): Promise<{ prunes: PreviewObject[]; leftByPruneOff?: number; keptByPruneRule?: number }> {
  const inventory = await readInventory(client, env.name, partOf).catch(() => undefined);
  if (!inventory) return { prunes: [] };
  const candidates = planPrune(inventory.entries, new Set([...desired.map((o) => o.key), ...held]));
  if (candidates.length === 0) return { prunes: [] };
  if (!env.prune) {
    notes.push(`prune is off for this environment: ${candidates.length} object(s) Git no longer has stay in the cluster`);
    const { left, kept } = await outOfSyncLeft(client, env, candidates, partOf);
    return { prunes: [], leftByPruneOff: left, keptByPruneRule: kept };
  }
  if (desired.length === 0 && !env.allowEmpty) {
    notes.push(`prune refused: the render is empty and would delete all ${candidates.length} object(s); set allowEmpty for this environment if that is intended`);
    return { prunes: [] };
  }
  const wanted = labelValue(env.name);
  const kept: string[] = [];
  const out = await mapLimit(candidates, client.concurrency, async (c): Promise<PreviewObject | undefined> => {
    const { entry: _e, phase: _p, ...ref } = c;
    const info = await client.resources.find(c.apiVersion, c.kind).catch(() => undefined);
    const live = info ? await getLive(client, info, c.namespace, c.name).catch(() => undefined) : undefined;
    if (!live) return undefined;
    const keep = pruneKeepReason(live, { semantics: syncSemanticsOf(env), ...(env.apply ? { policy: env.apply } : {}), ...(deleterOf(env) ? { deleter: deleterOf(env) } : {}) });
    if (keep) {
      kept.push(`${objectLabel(c)} is no longer in Git but is kept (${keep})`);
      return undefined;
    }
    if (live.metadata?.labels?.[environmentLabel] !== wanted) {
      kept.push(`${objectLabel(c)} is no longer in Git but is kept: it no longer carries ${environmentLabel}=${wanted}`);
      return undefined;
    }
    if (live.metadata?.labels?.[partOfLabel] !== labelValue(partOf)) {
      kept.push(`${objectLabel(c)} is no longer in Git but is kept: another repository owns it (${partOfLabel}=${live.metadata?.labels?.[partOfLabel] ?? '(none)'})`);
      return undefined;
    }
    const { diff, risk } = liveDiff(live, undefined);
    // Argo CD `compare-options: IgnoreExtraneous`: still pruned, but not what makes the environment out of sync.
    const extraneous = syncSemanticsOf(env) === 'argocd' && hasAnnotationOption(live, compareOptionsAnnotation, 'IgnoreExtraneous');
    return { ...ref, action: 'prune', diff, risk, ...(extraneous ? { ignoredInDrift: `annotated ${compareOptionsAnnotation}: IgnoreExtraneous` } : {}) };
  });
  notes.push(...kept.sort());
  return { prunes: out.filter((p): p is PreviewObject => p !== undefined) };
}

/**
 * Of the objects Git no longer has, those that keep the environment out of sync, split by what releases them.
 * With Argo CD semantics, one annotated `compare-options: IgnoreExtraneous` does not count (argo-cd
 * controller/state.go CompareAppState: an extraneous resource with it does not make the application
 * OutOfSync), nor does one that no longer carries this environment's labels (another application tracks it
 * now). An object bosun cannot read counts as `left`.
 * - `kept`: one a rule keeps even from a sync with prune (`Prune=false`, `Prune=confirm`, `bosun.dev/prune:
 *   disabled`: prune-rules.ts pruneKeepReason). Argo CD still counts it: gitops-engine pkg/sync/sync_context.go
 *   pruneObject skips it ("ignored (no prune)") while the resource keeps requiring pruning, and argo-cd
 *   docs/user-guide/sync-options.md "No Prune Resources": "The app will be out of sync if Argo CD expects a
 *   resource to be pruned" (with IgnoreExtraneous, the compare option it suggests, it is not). Only deleting it
 *   by hand, or removing the option and syncing with prune, ends it.
 * - `left`: the rest, which a sync with prune deletes.
 * Other semantics have no OutOfSync: every candidate is `left`, as before.
 */
export async function outOfSyncLeft(client: ClusterClient, env: PreviewInput['env'], candidates: ReturnType<typeof planPrune>, partOf: string): Promise<{ left: number; kept: number }> {
  if (syncSemanticsOf(env) !== 'argocd') return { left: candidates.length, kept: 0 };
  const wanted = labelValue(env.name);
  const rules = { semantics: 'argocd' as const, ...(env.apply ? { policy: env.apply } : {}), ...(deleterOf(env) ? { deleter: deleterOf(env) } : {}) };
  const counted = await mapLimit(candidates, client.concurrency, async (c): Promise<'left' | 'kept' | undefined> => {
    const info = await client.resources.find(c.apiVersion, c.kind).catch(() => undefined);
    if (!info) return 'left';
    const live = await getLive(client, info, c.namespace, c.name).catch(() => null);
    if (live === undefined) return undefined;
    if (live === null) return 'left';
    if (hasAnnotationOption(live, compareOptionsAnnotation, 'IgnoreExtraneous')) return undefined;
    if (live.metadata?.labels?.[environmentLabel] !== wanted || live.metadata?.labels?.[partOfLabel] !== labelValue(partOf)) return undefined;
    return pruneKeepReason(live, rules) ? 'kept' : 'left';
  });
  return { left: counted.filter((c) => c === 'left').length, kept: counted.filter((c) => c === 'kept').length };
}

/**
 * A decrypted object's diff is shown only for a core Secret (its values are masked there). Any other kind
 * could carry a ciphertext copied from a Secret to the same key path (a pull request can do that), and its
 * diff would print the plaintext: only the change itself is shown.
 */
function withoutDecryptedDiff(o: PreviewObject, decrypted: readonly RenderedObject[]): PreviewObject {
  if (!o.diff || (o.kind === 'Secret' && o.id.group === '')) return o;
  const hit = decrypted.some(({ object }) => object.kind === o.kind && object.metadata?.name === o.name && groupOf(object.apiVersion) === o.id.group
    && (!object.metadata?.namespace || object.metadata.namespace === o.namespace));
  if (!hit) return o;
  const { diff: _diff, ...rest } = o;
  return { ...rest, message: `${o.message ? `${o.message}; ` : ''}SOPS-encrypted ${o.kind}: its diff is not shown, as it would show decrypted values` };
}
