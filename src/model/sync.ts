import { idKey, objectLabel, shownId, type KubeObject } from './object.ts';

/**
 * Argo CD's sync semantics, read from the annotations of a rendered object: which objects are hooks and
 * when they run, sync waves, and per-object sync and compare options. Pure; the rules are those of
 * argoproj/gitops-engine (now `gitops-engine/` in argoproj/argo-cd): pkg/sync/hook/hook.go (IsHook, Skip,
 * Types), pkg/sync/hook/helm/{hook,type,weight,delete_policy}.go (Helm hooks), pkg/sync/syncwaves/waves.go
 * (Wave), pkg/sync/sync_phase.go (syncPhases), pkg/sync/common/types.go (names and values) and
 * pkg/sync/resource/annotations.go (comma-separated annotation values).
 */

export const hookAnnotation = 'argocd.argoproj.io/hook';
export const hookDeletePolicyAnnotation = 'argocd.argoproj.io/hook-delete-policy';
export const syncWaveAnnotation = 'argocd.argoproj.io/sync-wave';
export const syncOptionsAnnotation = 'argocd.argoproj.io/sync-options';
export const compareOptionsAnnotation = 'argocd.argoproj.io/compare-options';
export const helmHookAnnotation = 'helm.sh/hook';
export const helmHookWeightAnnotation = 'helm.sh/hook-weight';
export const helmHookDeletePolicyAnnotation = 'helm.sh/hook-delete-policy';

/** The phases a hook can run in, in the order a sync runs them (SyncFail only when the sync fails). */
export const hookPhases = ['PreSync', 'Sync', 'PostSync', 'SyncFail'] as const;
export type HookPhase = (typeof hookPhases)[number];

export const hookDeletePolicies = ['BeforeHookCreation', 'HookSucceeded', 'HookFailed', 'Never'] as const;
export type HookDeletePolicy = (typeof hookDeletePolicies)[number];

/**
 * Whose annotations the cluster engine honours for an environment. Argo CD's for everything bosun
 * applies on its own terms (Argo CD Applications, `.bosun.yaml` and folder environments); Flux's
 * `kustomize.toolkit.fluxcd.io/*` ones for Flux Kustomizations (whose kustomize-controller applies
 * hook-annotated objects like any other, src/model/apply-options.ts); Helm's for Rancher Fleet bundles and
 * Flux HelmReleases, which the Fleet agent and helm-controller deploy as Helm releases: `helm.sh/hook` hooks
 * run as Helm runs them, Argo CD's and kustomize-controller's annotations mean nothing
 * (src/model/helm-hooks.ts); none at all with 'none'.
 */
export type SyncSemantics = 'argocd' | 'flux' | 'helm' | 'none';

/** What a sync does with one rendered object. */
export type SyncRole =
  | { role: 'resource'; wave: number }
  | {
    role: 'hook';
    /** Distinct phases, in run order (one hook can run in several). */
    phases: HookPhase[];
    wave: number;
    deletePolicies: HookDeletePolicy[];
    /** The annotation that made it a hook, as written: `argocd.argoproj.io/hook: PreSync`, `helm.sh/hook: pre-upgrade`. */
    declaredBy: string;
  }
  | { role: 'skipped'; reason: string };

/** `helm.sh/hook` values Argo CD runs, and the phase it runs each in (gitops-engine hook/helm/type.go). */
const helmHookPhases: Readonly<Record<string, HookPhase>> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

const helmDeletePolicies: Readonly<Record<string, HookDeletePolicy>> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

/** Values of a comma-separated annotation: trimmed, empty ones dropped, each once (GetAnnotationCSVs). */
export function annotationValues(obj: Pick<KubeObject, 'metadata'> | undefined, key: string): string[] {
  const raw = obj?.metadata?.annotations?.[key];
  if (typeof raw !== 'string') return [];
  return [...new Set(raw.split(',').map((v) => v.trim()).filter((v) => v !== ''))];
}

/** Whether a comma-separated annotation holds exactly this value (HasAnnotationOption). */
export function hasAnnotationOption(obj: Pick<KubeObject, 'metadata'> | undefined, key: string, option: string): boolean {
  return annotationValues(obj, key).includes(option);
}

/** Go's strconv.Atoi: optional sign, decimal digits, within a 64-bit int (kept to JS's safe range). */
function atoi(text: string | undefined): number | undefined {
  if (typeof text !== 'string' || !/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The sync wave: `argocd.argoproj.io/sync-wave`, else `helm.sh/hook-weight`, else 0 (syncwaves.Wave). */
export function syncWave(obj: Pick<KubeObject, 'metadata'>): number {
  const annotations = obj.metadata?.annotations ?? {};
  return atoi(annotations[syncWaveAnnotation]) ?? atoi(annotations[helmHookWeightAnnotation]) ?? 0;
}

/**
 * The hook types an object declares: Argo CD's own annotation wins; only without a valid one are Helm's
 * hook types mapped (hook.Types). Invalid values are dropped, as Argo CD drops them.
 */
function hookTypes(obj: KubeObject): { types: string[]; from: 'argocd' | 'helm' } {
  const argo = annotationValues(obj, hookAnnotation).filter((t) => t === 'Skip' || (hookPhases as readonly string[]).includes(t));
  if (argo.length > 0) return { types: argo, from: 'argocd' };
  return { types: annotationValues(obj, helmHookAnnotation).filter((t) => t in helmHookPhases).map((t) => helmHookPhases[t]), from: 'helm' };
}

/**
 * What a sync does with `obj` under Argo CD's rules:
 * - `Skip` alone: never applied (hook.Skip);
 * - an Argo CD hook annotation, or a Helm hook other than `crd-install`: a hook, run in its phases; one
 *   whose types Argo CD does not run (`PreDelete`, a typo, Helm's `test` or `pre-delete`) is never applied
 *   during a sync (syncPhases yields no phase);
 * - anything else: a resource of the Sync phase, in its wave.
 */
export function syncRoleOf(obj: KubeObject): SyncRole {
  const annotations = obj.metadata?.annotations ?? {};
  const argoText = annotations[hookAnnotation];
  const helmText = annotations[helmHookAnnotation];
  const { types, from } = hookTypes(obj);
  if (types.length === 1 && types[0] === 'Skip') {
    return { role: 'skipped', reason: `annotated ${hookAnnotation}: Skip: Argo CD never applies it` };
  }
  const isHook = argoText !== undefined ? true : helmText !== undefined && helmText !== 'crd-install';
  if (!isHook) return { role: 'resource', wave: syncWave(obj) };
  const phases = hookPhases.filter((p) => types.includes(p));
  if (phases.length === 0) {
    const declared = argoText !== undefined ? `${hookAnnotation}: ${argoText}` : `${helmHookAnnotation}: ${helmText}`;
    const why = argoText !== undefined
      ? 'not a phase a sync runs (PreSync, Sync, PostSync, SyncFail): Argo CD does not apply it during a sync'
      : 'Argo CD runs only pre-install, pre-upgrade, post-install and post-upgrade Helm hooks: it never applies this one';
    return { role: 'skipped', reason: `${declared}: ${why}` };
  }
  return {
    role: 'hook',
    phases,
    wave: syncWave(obj),
    deletePolicies: deletePoliciesOf(obj),
    declaredBy: from === 'argocd' ? `${hookAnnotation}: ${argoText}` : `${helmHookAnnotation}: ${helmText}`,
  };
}

/** Argo CD's and Helm's delete policies together; BeforeHookCreation when neither names one (hook.DeletePolicies). */
export function deletePoliciesOf(obj: KubeObject): HookDeletePolicy[] {
  const out = new Set<HookDeletePolicy>();
  for (const p of annotationValues(obj, hookDeletePolicyAnnotation)) {
    if ((hookDeletePolicies as readonly string[]).includes(p)) out.add(p as HookDeletePolicy);
  }
  for (const p of annotationValues(obj, helmHookDeletePolicyAnnotation)) {
    if (p in helmDeletePolicies) out.add(helmDeletePolicies[p]);
  }
  if (out.size === 0) out.add('BeforeHookCreation');
  return [...out];
}

/** A hook's name for reports: its name, or `<generateName>*` for a hook named by the cluster at each run (shownId). */
export function hookDisplayName(obj: KubeObject): string {
  return shownId(obj).name;
}

/**
 * Whether `obj` may go without `metadata.name`: an Argo CD hook with `generateName` (bosun names it at each
 * run), or one a sync never applies (`hook: Skip`, an unsupported Helm hook: never sent to the cluster).
 */
export function mayUseGenerateName(obj: KubeObject, semantics: SyncSemantics): boolean {
  return semantics === 'argocd' && syncRoleOf(obj).role !== 'resource'
    && typeof obj.metadata?.generateName === 'string' && obj.metadata.generateName !== '';
}

/** A rendered object a sync never applies, identified for reports and prune. */
export interface SkippedForSync {
  /**
   * The object's key among the render's (objectKeys below): `idKey` of a named object, as the
   * inventory keys it; a `generateName` one is keyed by its shown name, sync role and rank, so two of one
   * prefix (one Skip, one a hook; or two Skip) are never one object — never an inventory entry either.
   */
  key: string;
  /** `Pod shop/smoke-test`. */
  label: string;
  reason: string;
}

/**
 * A render split the way a sync treats it: resources (applied in waves, tracked, pruned), hooks (run in
 * their phases, never tracked) and objects never applied, each object's role told by `roles` (for an
 * environment: model/sync-role.ts syncRolesOf; `argocd`: Argo CD's rules). Without roles everything is a
 * resource.
 */
export function splitForSync<T extends { object: KubeObject }>(objects: readonly T[], how: ((item: T) => SyncRole) | 'argocd' | undefined): { resources: T[]; hooks: T[]; skipped: SkippedForSync[] } {
  if (!how) return { resources: [...objects], hooks: [], skipped: [] };
  const roles = how === 'argocd' ? (item: T) => syncRoleOf(item.object) : how;
  const out = { resources: [] as T[], hooks: [] as T[], skipped: [] as SkippedForSync[] };
  // Keyed over the whole render, as the plan's diff keys it (a generateName object's rank counts them all).
  const keys = objectKeys(objects.map((item) => item.object));
  objects.forEach((item, i) => {
    const role = roles(item);
    if (role.role === 'resource') out.resources.push(item);
    else if (role.role === 'hook') out.hooks.push(item);
    else {
      const id = shownId(item.object);
      out.skipped.push({ key: keys[i], label: objectLabel({ kind: item.object.kind, namespace: id.namespace, name: id.name }), reason: role.reason });
    }
  });
  return out;
}

/**
 * The keys one render's objects are compared under across commits — by the diff, and by what a sync never
 * applies — one per object, in order. A named object's key is `idKey` of its identity (two of one identity
 * share it: the later wins, as when applied). An object the cluster names at each run is no object of a
 * fixed name: Argo CD never merges two of them (argo-cd controller/state.go, DeduplicateTargetObjects, keys
 * each by its generateName and position) and names each at sync time after the phase it runs in
 * (gitops-engine sync_context.go: `<generateName><revision>-<phase>-<time>`). Its key is therefore its
 * shown name `<generateName>*`, how a sync treats it (its phases, or never applied) and its rank among the
 * render's objects with the same two: two hooks of one prefix are two objects, each paired with the one
 * of the same rank at the other commit, and a hook of another phase or a skipped one never shifts them.
 */
export function objectKeys(objects: readonly KubeObject[]): string[] {
  const seen = new Map<string, number>();
  return objects.map((obj) => {
    const id = shownId(obj);
    if (id.name === (obj.metadata?.name ?? '')) return idKey(id);
    const role = syncRoleOf(obj);
    const how = role.role === 'hook' ? role.phases.join(',') : role.role;
    const stem = `${idKey(id)}@${how}`;
    const rank = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, rank);
    return `${stem}#${rank}`;
  });
}
